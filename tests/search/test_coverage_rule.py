"""DESIGN.md "Coverage is not location", against the real Meilisearch index."""

import pytest
from django.http import QueryDict

from search.engine import MeilisearchExecutor
from search.query import parse_query


def run(qs: str):
    return MeilisearchExecutor().run(parse_query(QueryDict(qs)))


def names(result, key):
    return sorted(hit["name"] for hit in result.group(key).hits)


def test_district_search_returns_own_state_and_national_groups(indexed):
    result = run("district=09162")
    assert [g.key for g in result.groups] == ["near", "state", "national"]
    assert names(result, "near") == ["Beratungsstelle München"]
    assert names(result, "state") == ["Landesweite Opferhilfe Bayern"]
    assert names(result, "national") == ["Hilfetelefon bundesweit"]


def test_thuringian_district_never_gets_bavarian_state_wide_contacts(indexed):
    result = run("district=16051")
    assert names(result, "near") == ["Polizeiinspektion Erfurt"]
    assert names(result, "state") == ["ezra Opferberatung Thüringen"]
    assert "Landesweite Opferhilfe Bayern" not in [h["name"] for g in result.groups for h in g.hits]


def test_near_postcode_applies_the_same_rule(indexed):
    result = run("near=99084")
    assert names(result, "near") == ["Polizeiinspektion Erfurt"]
    assert names(result, "state") == ["ezra Opferberatung Thüringen"]
    assert names(result, "national") == ["Hilfetelefon bundesweit"]


def test_postcode_spanning_two_districts_returns_contacts_of_both(indexed):
    result = run("near=06120")
    assert names(result, "near") == ["Mobile Beratung Halle", "Opferberatung Saalekreis"]
    # Sachsen-Anhalt has no state-wide contact among the cases; none of another state leaks in.
    assert names(result, "state") == []


def test_state_search_returns_that_states_regional_and_state_wide_contacts(indexed):
    result = run("state=TH")
    assert [g.key for g in result.groups] == ["regional", "state", "national"]
    assert names(result, "regional") == ["Polizeiinspektion Erfurt"]
    assert names(result, "state") == ["ezra Opferberatung Thüringen"]


def test_without_place_everything_is_grouped_by_scope(indexed):
    result = run("")
    assert [g.key for g in result.groups] == ["regional", "state", "national"]
    assert set(names(result, "regional")) == {"Beratungsstelle München", "Polizeiinspektion Erfurt",
                                              "Mobile Beratung Halle", "Opferberatung Saalekreis"}
    assert names(result, "state") == ["Landesweite Opferhilfe Bayern", "ezra Opferberatung Thüringen"]


def test_filters_apply_to_every_group(indexed):
    result = run("district=09162&incident=insult")
    assert names(result, "near") == []
    assert names(result, "state") == ["Landesweite Opferhilfe Bayern"]
    assert names(result, "national") == ["Hilfetelefon bundesweit"]


def test_target_group_includes_contacts_for_everyone(indexed):
    result = run("district=09162&target=officials")
    assert names(result, "national") == ["Hilfetelefon bundesweit"]  # targets "everyone"
    assert run("district=09162&target=relatives").total == 1


def test_flags_filter(indexed):
    result = run("open_24_7=1")
    assert result.total == 1 and names(result, "national") == ["Hilfetelefon bundesweit"]
    assert {h["name"] for g in run("free=1").groups for h in g.hits} == {"Hilfetelefon bundesweit", "Beratungsstelle München"}


def test_deactivated_contact_vanishes(indexed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        indexed.munich.active = False
        indexed.munich.save()
    assert names(run("district=09162"), "near") == []


def test_hit_carries_the_documented_fields(indexed):
    hit = run("near=80331").group("near").hits[0]
    expected = {"id", "uuid", "slug", "name", "organisation", "kinds", "incident_types", "target_groups", "scope",
                "states", "districts", "street", "postcode", "town", "_geo", "lat", "lng", "phones", "email",
                "website", "online_report_url", "opening_hours", "open_24_7", "barrier_free", "anonymous",
                "free_of_charge", "source_url", "last_verified", "description_de", "description_en", "distance_km"}
    assert expected <= set(hit)
    assert "search_folded" not in hit
    assert hit["phones"] == [{"label": "", "number": "+49894622467", "display": "089 4622467"}]
    assert hit["states"] == ["BY"] and hit["districts"] == ["09162"]
    assert hit["distance_km"] == pytest.approx(0.45, abs=0.1)
