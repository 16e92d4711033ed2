"""Geo order with distances, radius, facets and pagination on the real index."""

import pytest
from django.http import QueryDict
from geopy.distance import geodesic

from search.engine import MeilisearchExecutor
from search.query import parse_query

from .conftest import make_contact, reindex

ERFURT_CENTRE = (50.9787, 11.0328)
# Offices in Erfurt (16051) at growing distances from the point searched.
OFFICES = [("Stelle Nord", (51.03, 11.04)), ("Stelle Mitte", (50.98, 11.03)), ("Stelle Süd", (50.90, 11.00)),
           ("Stelle West", (50.97, 10.90)), ("Stelle ohne Adresse", None)]


def run(qs):
    return MeilisearchExecutor().run(parse_query(QueryDict(qs)))


@pytest.fixture
def offices(db):
    for name, point in OFFICES:
        make_contact(name, scope="local", districts=("16051",), point=point)
    # Weimar (16055), 20 km east of Erfurt: inside radius=30 only.
    make_contact("Stelle Weimar", scope="district", districts=("16055",), point=(50.9795, 11.3235))
    reindex()


def test_near_group_is_ordered_by_distance_with_correct_km(offices):
    result = run("near=50.9787,11.0328")
    hits = result.group("near").hits
    assert [h["name"] for h in hits] == ["Stelle Mitte", "Stelle Nord", "Stelle Süd", "Stelle West", "Stelle ohne Adresse"]
    for hit in hits[:-1]:
        assert hit["distance_km"] == pytest.approx(geodesic(ERFURT_CENTRE, (hit["lat"], hit["lng"])).km, abs=1.0)
    assert hits[-1]["distance_km"] is None


def test_radius_adds_nearby_contacts_outside_the_district(offices):
    assert "Stelle Weimar" not in {h["name"] for h in run("near=99084").group("near").hits}
    near = run("near=99084&radius=30").group("near").hits
    assert "Stelle Weimar" in {h["name"] for h in near}
    assert "Stelle Weimar" not in {h["name"] for h in run("near=99084&radius=10").group("near").hits}


def test_pages_are_disjoint_and_complete(db):
    for i in range(23):
        make_contact(f"Kreisstelle {i:02d}", scope="district", districts=("09162",), point=(48.1 + i / 100, 11.5))
    reindex()
    seen = []
    for page in (1, 2, 3):
        result = run(f"district=09162&per_page=10&page={page}")
        assert result.group("near").total == 23 and result.total_pages == 3
        seen += [h["name"] for h in result.group("near").hits]
    assert seen == [f"Kreisstelle {i:02d}" for i in range(23)]
    assert run("district=09162&per_page=10&page=4").group("near").hits == []


def test_facets_count_every_group(indexed):
    facets = run("district=09162").facets
    assert facets["incident_types"] == {"insult": 2, "threat": 3}
    assert facets["kinds"] == {"psychological": 1, "victim_support": 2, "legal": 1}
    assert facets["scope"] == {"national": 1, "state": 1, "district": 1}
    assert facets["flags"] == {"free": 2, "anonymous": 1, "open_24_7": 1}
    assert facets["target_groups"] == {"officials": 2, "everyone": 1}
