"""General helpers (issue 15): a contact for every incident appears whatever incident is
chosen, in Meilisearch and in the database fallback alike, and is counted once per incident."""

import pytest
from django.http import QueryDict

from search.engine import DatabaseExecutor, MeilisearchExecutor
from search.query import parse_query
from tests.search.conftest import make_contact, reindex


@pytest.fixture
def general(indexed):
    indexed.association = make_contact(
        "Gemeinde- und Städtebund Thüringen", scope="state", states=("TH",), kinds=("municipal_association",),
        incidents=(), all_incidents=True,
    )
    indexed.crisis_line = make_contact(
        "Krisentelefon bundesweit", scope="national", kinds=("psychological",), incidents=(), all_incidents=True,
        targets=("everyone",),
    )
    indexed.incomplete = make_contact(
        "Verband ohne Vorfallarten", scope="state", states=("TH",), kinds=("municipal_association",), incidents=(),
    )
    reindex()
    return indexed


def names(result, key):
    return sorted(hit["name"] for hit in result.group(key).hits)


@pytest.mark.parametrize("executor", [MeilisearchExecutor, DatabaseExecutor])
def test_a_general_helper_appears_for_every_incident(general, executor):
    threat = executor().run(parse_query(QueryDict("near=99084&incident=threat")))
    assert names(threat, "state") == ["Gemeinde- und Städtebund Thüringen", "ezra Opferberatung Thüringen"]
    assert names(threat, "national") == ["Hilfetelefon bundesweit", "Krisentelefon bundesweit"]
    # Nobody tagged sexual harassment: the general helpers are still there, the specialists are not.
    harassment = executor().run(parse_query(QueryDict("near=99084&incident=sexual_harassment")))
    assert names(harassment, "state") == ["Gemeinde- und Städtebund Thüringen"]
    assert names(harassment, "national") == ["Krisentelefon bundesweit"]
    assert names(harassment, "near") == []


@pytest.mark.parametrize("executor", [MeilisearchExecutor, DatabaseExecutor])
def test_a_contact_without_incident_information_is_found_only_without_an_incident(general, executor):
    everything = executor().run(parse_query(QueryDict("state=TH")))
    assert "Verband ohne Vorfallarten" in names(everything, "state")
    threat = executor().run(parse_query(QueryDict("state=TH&incident=threat")))
    assert "Verband ohne Vorfallarten" not in names(threat, "state")


@pytest.mark.parametrize("qs", ["near=99084", "near=99084&incident=threat", "incident=sexual_harassment", "state=BY&incident=insult"])
def test_both_executors_agree_on_groups_and_facets(general, qs):
    query = parse_query(QueryDict(qs))
    meili, database = MeilisearchExecutor().run(query), DatabaseExecutor().run(query)
    assert {g.key: [h["id"] for h in g.hits] for g in meili.groups} == {g.key: [h["id"] for h in g.hits] for g in database.groups}
    assert {g.key: g.total for g in meili.groups} == {g.key: g.total for g in database.groups}
    assert meili.facets == database.facets


@pytest.mark.parametrize("place", ["near=99084", "state=BY", ""])
def test_an_incidents_facet_count_is_what_choosing_it_shows(general, place):
    facets = MeilisearchExecutor().run(parse_query(QueryDict(place))).facets["incident_types"]
    # Every incident is offered: the general helpers help with each.
    assert "sexual_harassment" in facets
    for slug, count in facets.items():
        chosen = MeilisearchExecutor().run(parse_query(QueryDict(f"{place}&incident={slug}")))
        assert chosen.total == count, slug


def test_hits_and_cards_say_it(general, client):
    result = MeilisearchExecutor().run(parse_query(QueryDict("near=99084&incident=threat")))
    hit = next(h for h in result.group("state").hits if h["name"].startswith("Gemeinde"))
    assert hit["all_incidents"] is True and hit["incident_types"] == []
    page = client.get("/search/", {"near": "99084", "incident": "threat"}).content.decode()
    card = page.split("Gemeinde- und Städtebund Thüringen", 1)[1].split("</article>", 1)[0]
    assert "allen Vorfällen" in card
