"""The one-query plan gives exactly the answers of the three-query plan it replaced (issue 21).

The old plan asked Meilisearch one query per group (near|regional / state / national), each
with its facets and an exact count, and added the facet counts up. It lives on only here,
as the reference: the new plan (search/engine.py MeilisearchExecutor: one query for the
first group's page, the group totals and the facets, small page queries for the later
groups) must give identical groups, hits in identical order, totals and facets, for the
benchmarks' request mixes and the scenario tests' queries, over the demo network plus
synthetic contacts, on the real Meilisearch of the test session.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.http import QueryDict

from benchmarks.bench_search import request_mix
from benchmarks.queries import search_params
from benchmarks.synthetic import SOURCE, synthetic_csv
from importers.demo import demo_load
from importers.services import import_run
from search import client, engine
from search.documents import HIT_FIELDS
from search.engine import FACETS, Group, MeilisearchExecutor, SearchResult, group_filter, group_sort, plan
from search.query import QueryError, parse_query
from tests.search.conftest import reindex
from tests.search.test_network_scenarios import PLACES

SYNTHETIC_ROWS = 2000


def old_plan(query) -> SearchResult:
    """The replaced plan, verbatim in effect: one exact-count query with facets per group."""
    groups = plan(query)
    bodies = [{
        "indexUid": settings.MEILISEARCH_INDEX, "q": query.q, "filter": group_filter(query, group),
        "sort": group_sort(query, group), "page": query.page, "hitsPerPage": query.per_page,
        "attributesToRetrieve": HIT_FIELDS, "facets": FACETS,
    } for group in groups]
    results = client.call("POST", "/multi-search", json={"queries": bodies}, timeout=30)["results"]
    merged: dict[str, dict[str, int]] = {}
    for result in results:
        for attribute, counts in (result.get("facetDistribution") or {}).items():
            for value, count in counts.items():
                merged.setdefault(attribute, {})[value] = merged.get(attribute, {}).get(value, 0) + count
    return SearchResult(query, [
        Group(group.key, [engine._hit(hit, query) for hit in result["hits"]], result.get("totalHits") or 0)
        for group, result in zip(groups, results)
    ], engine._facets(merged))


def scenario_queries() -> list[str]:
    """The queries of the scenario and coverage tests (tests/search), some with pages."""
    queries = [
        "", "district=09162", "district=16051", "district=16051&kind=police", "near=80331", "near=80331&incident=threat",
        "near=90402", "near=99084", "near=06120", "near=50.9787,11.0328", "near=99084&radius=10", "near=99084&radius=30",
        "near=99084&incident=sexual_harassment", "near=99084&incident=threat",
        "near=99084&radius=20&incident=threat&incident=insult&free=1", "q=Opferberatng", "q=Opferberatung",
        "state=BY", "state=TH", "state=TH&incident=threat", "district=09162&incident=insult",
        "district=09162&target=officials", "district=09162&target=relatives", "open_24_7=1", "free=1",
        "district=09162&per_page=10&page=4", "q=Weisser Ring", "q=Bedrohng&near=99084&radius=50",
    ]
    for postcode in PLACES.values():
        queries += [f"near={postcode}&incident=threat&per_page=100", f"near={postcode}&kind=victim_support&per_page=100"]
    for postcode in ("44135", "33602", "48143", "40213", "50667"):
        queries.append(f"near={postcode}&kind=victim_support&per_page=100")
    # Paging across the first group's end: the window then holds the next group's hits.
    for page in (1, 2, 3, 5):
        queries += [f"near=99084&per_page=7&page={page}", f"state=TH&per_page=15&page={page}",
                    f"near=80331&radius=25&per_page=5&page={page}", f"q=Beratung&per_page=10&page={page}"]
    return queries


def shape(result: SearchResult) -> dict:
    return {
        "groups": [(g.key, g.total, [hit["id"] for hit in g.hits]) for g in result.groups],
        "hits": [hit for g in result.groups for hit in g.hits],
        "facets": result.facets,
        "total": result.total,
        "total_pages": result.total_pages,
    }


@pytest.fixture
def network(db):
    demo_load()
    report = import_run(data=synthetic_csv(SYNTHETIC_ROWS), filename="synthetic.csv", source_slug=SOURCE,
                        dry_run=False, user=None)
    assert report is not None
    reindex()


def test_one_query_plan_answers_exactly_as_the_three_query_plan(network):
    params = [*search_params(300), *request_mix(200)]
    queries = [QueryDict(mutable=True) for _ in params]
    for qd, p in zip(queries, params):
        qd.update(p)
    queries += [QueryDict(qs) for qs in scenario_queries()]
    compared, differing, nonempty = 0, [], 0
    for qd in queries:
        try:
            query = parse_query(qd)
        except QueryError:
            continue  # e.g. a drawn town that is ambiguous: the same 400 for both plans
        new, old = shape(MeilisearchExecutor(use_cache=False).run(query)), shape(old_plan(query))
        compared += 1
        nonempty += bool(old["total"])
        if new != old:
            differing.append(qd.urlencode())
    assert differing == [], f"{len(differing)} of {compared} searches differ, e.g. {differing[:5]}"
    assert compared >= 550 and nonempty >= 500, (compared, nonempty)


def test_the_cached_plan_answers_as_the_uncached_one(network, settings):
    """The result cache holds the one query and the page queries apart: a search whose
    later groups' pages came from the cache is still the same search."""
    settings.SEARCH_CACHE_MB = 16
    for qs in ("near=99084", "near=07743&incident=threat", "state=TH", "near=99084&page=2&per_page=5",
               "near=99084", "district=16051"):
        query = parse_query(QueryDict(qs))
        for _ in range(2):
            assert shape(MeilisearchExecutor().run(query)) == shape(old_plan(query)), qs
