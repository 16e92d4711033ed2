"""The per-process cache of group results (search/cache.py) against the real Meilisearch:
shared groups come from it, a change applied to the index is never answered from it."""

import pytest
from django.http import QueryDict

from search import cache, client
from search.cache import ResultCache, bump_generation, generation
from search.engine import MeilisearchExecutor, search
from search.query import parse_query
from search.server import free_port

from .conftest import make_contact


def q(qs: str):
    return parse_query(QueryDict(qs))


def names(result) -> dict[str, list[str]]:
    return {group.key: [hit["name"] for hit in group.hits] for group in result.groups}


@pytest.fixture
def results(indexed):
    store = cache.results()
    store.clear()
    return store


def test_a_repeated_search_is_answered_from_the_cache_alike(results):
    first = search(q("near=80331&incident=threat"))
    assert (results.hits, results.misses) == (0, 3)
    again = search(q("near=80331&incident=threat"))
    assert (results.hits, results.misses) == (3, 3)
    assert names(again) == names(first) and again.facets == first.facets
    assert [h["distance_km"] for g in again.groups for h in g.hits] == [h["distance_km"] for g in first.groups for h in g.hits]
    assert again.to_dict() == first.to_dict()


def test_searches_in_one_state_share_the_state_and_national_groups(results):
    munich = search(q("near=80331"))
    assert results.misses == 3
    # Another Bavarian place: its own near group, the same state-wide and nationwide groups.
    nuremberg = search(q("near=90402"))
    assert (results.hits, results.misses) == (2, 4)
    assert names(nuremberg)["state"] == names(munich)["state"] == ["Landesweite Opferhilfe Bayern"]
    assert names(nuremberg)["near"] == [] and names(munich)["near"] == ["Beratungsstelle München"]
    # Thuringia: a different state-wide group, the nationwide one again.
    erfurt = search(q("near=99084"))
    assert (results.hits, results.misses) == (3, 6)
    assert names(erfurt)["state"] == ["ezra Opferberatung Thüringen"]


def test_a_change_applied_to_the_index_is_searched_at_once(results, django_capture_on_commit_callbacks):
    before = search(q("state=BY"))
    assert "Neue Hilfe Bayern" not in names(before)["state"]
    with django_capture_on_commit_callbacks(execute=True):
        make_contact("Neue Hilfe Bayern", scope="state", states=("BY",))
    after = search(q("state=BY"))
    assert "Neue Hilfe Bayern" in names(after)["state"]
    assert after.group("state").total == before.group("state").total + 1


def test_a_deactivated_contact_leaves_the_cached_result(indexed, results, django_capture_on_commit_callbacks):
    assert "Beratungsstelle München" in names(search(q("district=09162")))["near"]
    with django_capture_on_commit_callbacks(execute=True):
        indexed.munich.active = False
        indexed.munich.save()
    assert names(search(q("district=09162")))["near"] == []


def test_the_generation_changes_with_every_bump_even_after_a_rolled_back_one(db):
    start = generation()
    bump_generation()
    bumped = generation()
    assert bumped != start and bumped[0] == start[0] + 1
    bump_generation()
    assert generation()[0] == bumped[0] + 1


def test_an_entry_of_an_older_generation_is_not_served(results):
    search(q("state=TH"))
    bump_generation()  # as after any applied change, in whichever process
    search(q("state=TH"))
    assert (results.hits, results.misses) == (0, 6)


def test_a_cached_result_is_still_served_while_meilisearch_is_away(results, settings):
    # The index did not change, so its cached answer is still its answer; a search the
    # cache cannot answer falls back to the database (test_degraded_mode).
    healthy = search(q("district=16051"))
    settings.MEILISEARCH_URL = f"http://127.0.0.1:{free_port()}"
    client.reset_session()
    cached = search(q("district=16051"))
    assert not cached.degraded and names(cached) == names(healthy)
    uncached = search(q("district=16051&kind=police"))
    assert uncached.degraded and uncached.engine == "database"
    assert names(uncached)["near"] == ["Polizeiinspektion Erfurt"]


def test_the_cache_is_off_with_zero_megabytes(indexed, settings):
    settings.SEARCH_CACHE_MB = 0
    assert cache.results() is None
    assert names(search(q("district=16051")))["near"] == ["Polizeiinspektion Erfurt"]


def test_uncached_execution_asks_meilisearch_every_time(results):
    MeilisearchExecutor(use_cache=False).run(q("state=BY"))
    assert (results.hits, results.misses, len(results)) == (0, 0, 0)


def test_the_cache_stays_within_its_byte_budget_least_recently_used_first():
    store = ResultCache(max_bytes=2000, max_age=60)
    value = {"hits": [{"name": "x" * 300}], "totalHits": 1, "facetDistribution": {}}
    for n in range(10):
        store.put(f"key-{n}".encode(), (1, None), value)
        store.get(b"key-0", (1, None))  # keep the first one in use
    assert store.size_bytes <= 2000
    assert store.get(b"key-0", (1, None)) == value
    assert store.get(b"key-1", (1, None)) is None and store.get(b"key-9", (1, None)) == value


def test_an_entry_older_than_its_maximum_age_is_not_served():
    store = ResultCache(max_bytes=10_000, max_age=0)
    store.put(b"key", (1, None), {"hits": []})
    assert store.get(b"key", (1, None)) is None and len(store) == 0
