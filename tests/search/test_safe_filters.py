"""No user value reaches a Meilisearch filter unescaped; only known codes pass (MEILISEARCH.md §3)."""

import pytest
from django.http import QueryDict

from search.engine import filter_value, group_filter, plan
from search.query import QueryError, parse_query

from .conftest import raw_search

INJECTIONS = [
    'BY" OR scope = "national',
    "BY' OR scope = 'national",
    'BY\\" OR scope = \\"national',
    "BY) OR (scope = national",
    "\\",
    '"',
    "B" * 5000,
    "Bÿ☃🙂",
    "BY\x00",
    "TH OR 1=1",
]


@pytest.mark.parametrize("value", INJECTIONS)
@pytest.mark.parametrize("param", ["state", "district", "incident", "kind", "target"])
def test_injection_attempts_are_rejected_as_unknown_codes(db, client, param, value):
    response = client.get("/api/v1/search/", {param: value})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == param


@pytest.mark.parametrize("value", INJECTIONS)
def test_free_text_never_becomes_a_filter(indexed, client, value):
    response = client.get("/api/v1/search/", {"q": value[:200], "district": "16051"})
    if "\x00" in value:  # refused before any search (lotse.middleware.NulParameterMiddleware)
        assert response.status_code == 400 and response.json()["error"]["field"] == "q"
        return
    assert response.status_code == 200
    body = response.json()
    assert "Landesweite Opferhilfe Bayern" not in {h["name"] for g in body["groups"] for h in g["hits"]}


def test_escaped_value_matches_literally_instead_of_injecting(indexed):
    # Put straight into a filter, this value widens the search to every nationwide contact.
    evil = 'TH" OR scope = "national'
    escaped = raw_search(filter=f"states = {filter_value(evil)}")
    assert escaped["hits"] == []
    injected = raw_search(filter=f'states = "{evil}"')
    assert {hit["scope"] for hit in injected["hits"]} >= {"national"}


def test_backslashes_are_escaped_not_malformed(indexed):
    value = filter_value("a\\b\\")
    assert value == '"a\\\\b\\\\"'
    assert raw_search(filter=f"states = {value}")["hits"] == []


def test_filters_are_fully_parenthesised(indexed):
    query = parse_query(QueryDict("near=99084&radius=20&incident=threat&incident=insult&free=1"))
    near = group_filter(query, plan(query)[0])
    assert near == (
        '(scope IN ["district", "local"]) AND (districts IN ["16051"] OR _geoRadius(50.974600, 11.029700, 20000)) '
        'AND (incident_types IN ["insult", "threat"] OR all_incidents = true) AND (free_of_charge = true)'
    )


def test_a_query_built_around_the_parser_cannot_smuggle_codes(db):
    query = parse_query(QueryDict("")).with_(incidents=('threat" OR scope = "national',))
    with pytest.raises(ValueError):
        group_filter(query, plan(query)[0])


def test_unicode_and_long_values_give_clear_errors(db):
    with pytest.raises(QueryError) as info:
        parse_query(QueryDict("state=" + "☃" * 300))
    assert info.value.message_en.startswith('"' + "☃" * 60 + '…" is not a German state code')
