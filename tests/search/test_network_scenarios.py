"""The starter help network (fixtures/demo/contacts.csv) as an official in each state meets it
(issue 15): a real postcode in every state with incident=threat finds that state's victim
counselling and police reporting, the nationwide help, the state's municipal association (in
Berlin, Hamburg and Bremen the Deutscher Städtetag) and no other state's state-wide contact:
in Meilisearch and in the database fallback."""

import pytest
from django.http import QueryDict

from importers.demo import demo_load
from directory.models import Contact
from search.engine import DatabaseExecutor, MeilisearchExecutor
from search.query import parse_query
from tests.search.conftest import reindex

# A real postcode in each state (its capital, or a town a regional office covers).
PLACES = {
    "BW": "70173", "BY": "80331", "BE": "10117", "BB": "14467", "HB": "28195", "HH": "20095", "HE": "65183",
    "MV": "19053", "NI": "30159", "NW": "44135", "RP": "55116", "SL": "66111", "SN": "01067", "ST": "39104",
    "SH": "24103", "TH": "99084",
}
CITY_STATES = {"BE", "HB", "HH"}
# Nationwide help every official must see whatever the state (source ids of the data set).
NATIONWIDE = {"de-notruf-110-polizei", "de-starke-stelle", "de-weisser-ring", "de-telefonseelsorge", "de-deutscher-staedtetag"}
CITY_STATE_ASSOCIATION = "de-deutscher-staedtetag"


@pytest.fixture
def network(db):
    demo_load()
    reindex()
    return dict(Contact.objects.values_list("id", "external_id"))


def check_state(result, code: str, source_ids: dict[int, str]) -> list[str]:
    """What is wrong with the result for an official in `code`; empty when all is right."""
    problems = []
    near, state, national = result.group("near").hits, result.group("state").hits, result.group("national").hits
    if result.group("national").total > len(national) or result.group("state").total > len(state):
        problems.append("a group has more than one page; raise per_page")
    regional = near + state

    def own(hit):
        return hit["scope"] != "national" and code in hit["states"]

    if not any("victim_support" in hit["kinds"] and own(hit) for hit in regional):
        problems.append("no victim counselling of the state")
    # Police reporting: the state's online station, or (Bavaria, whose online form takes
    # simple cases only, not threats) the state's police itself.
    if not any({"police_online", "police"} & set(hit["kinds"]) and own(hit) for hit in regional):
        problems.append("no police reporting of the state")
    missing = NATIONWIDE - {source_ids[hit["id"]] for hit in national}
    if missing:
        problems.append(f"nationwide help missing: {sorted(missing)}")
    associations = [hit for hit in state if "municipal_association" in hit["kinds"]]
    if code in CITY_STATES:
        if associations:
            problems.append("a city-state has its own municipal association")
        if not any(source_ids[hit["id"]] == CITY_STATE_ASSOCIATION for hit in national):
            problems.append("the Deutscher Städtetag is missing")
    elif not any(hit["all_incidents"] for hit in associations):
        problems.append("no municipal association of the state (for all incidents)")
    foreign = [hit["name"] for hit in state if code not in hit["states"]]
    if foreign:
        problems.append(f"another state's state-wide contacts: {foreign}")
    return problems


@pytest.mark.parametrize("executor", [MeilisearchExecutor, DatabaseExecutor])
def test_an_official_in_every_state_finds_the_help_network(network, executor):
    problems = {}
    for code, postcode in PLACES.items():
        query = parse_query(QueryDict(f"near={postcode}&incident=threat&per_page=100"))
        assert query.states == (code,), f"{postcode} is not in {code}"
        found = check_state(executor().run(query), code, network)
        if found:
            problems[code] = found
    assert problems == {}


def test_both_executors_give_the_same_groups_for_every_state(network):
    for postcode in PLACES.values():
        query = parse_query(QueryDict(f"near={postcode}&incident=threat&per_page=100"))
        meili, database = MeilisearchExecutor().run(query), DatabaseExecutor().run(query)
        assert {g.key: [h["id"] for h in g.hits] for g in meili.groups} == {
            g.key: [h["id"] for h in g.hits] for g in database.groups}, postcode
        assert meili.facets == database.facets, postcode


def test_a_regional_office_covers_its_regierungsbezirke(network):
    # Back Up (Westfalen) covers Arnsberg, Detmold and Münster; Opferberatung Rheinland
    # Düsseldorf and Köln: between them every district of NRW (the old list covered two).
    for postcode, expected in (("44135", "Back"), ("33602", "Back"), ("48143", "Back"), ("40213", "Opferberatung Rheinland"),
                               ("50667", "Opferberatung Rheinland")):
        query = parse_query(QueryDict(f"near={postcode}&kind=victim_support&per_page=100"))
        names = [hit["name"] for hit in MeilisearchExecutor().run(query).group("near").hits]
        assert any(expected.lower() in name.lower() for name in names), (postcode, names)
