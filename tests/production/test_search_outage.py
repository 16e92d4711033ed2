"""Meilisearch goes away (issue 8): the site answers from the database, flagged degraded;
killed during an import and restarted, the index catches up with the database, nothing lost."""

from __future__ import annotations

import logging
import threading
import time

import pytest
import requests
from django.conf import settings

from benchmarks.synthetic import synthetic_csv
from directory.models import Contact
from importers.services import import_run
from search import client, engine
from search.indexing import index_rebuild, index_status
from search.models import IndexQueue
from search.query import parse_query
from tests.importers.conftest import ERFURT, HOTLINE, MUNICH, csv_bytes


def _index_documents() -> dict[int, tuple[str, str]]:
    docs, offset = {}, 0
    while True:
        body = client.call("GET", f"/indexes/{settings.MEILISEARCH_INDEX}/documents", admin=True, timeout=30,
                           params={"fields": "id,name,description_de", "limit": 1000, "offset": offset})
        docs.update({doc["id"]: (doc["name"], doc["description_de"]) for doc in body["results"]})
        offset += 1000
        if offset >= body["total"]:
            return docs


def _database_documents() -> dict[int, tuple[str, str]]:
    return {pk: (name, text) for pk, name, text in Contact.objects.filter(active=True).values_list("id", "name", "description_de")}


def _group_ids(result) -> dict[str, list[int]]:
    return {group.key: [hit["id"] for hit in group.hits] for group in result.groups}


@pytest.mark.django_db
def test_pages_and_api_answer_from_the_database_when_meilisearch_is_gone(
    own_meilisearch, client, plain_static, no_throttle, caplog
):
    report = import_run(data=csv_bytes([ERFURT, MUNICH, HOTLINE]), filename="c.csv", source_slug="partner", dry_run=False)
    assert report.applied
    index_rebuild()
    engine.reset_fallback()
    # Not through the result cache: a cached answer would still be served during the
    # outage (tests/search/test_result_cache.py); this test is about the fallback.
    healthy = engine.MeilisearchExecutor(use_cache=False).run(parse_query({"near": "99084", "incident": "threat"}))
    assert healthy.engine == "meilisearch"

    own_meilisearch.kill()
    caplog.set_level(logging.WARNING)

    degraded = engine.search(parse_query({"near": "99084", "incident": "threat"}))
    assert (degraded.engine, degraded.degraded) == ("database", True)
    assert _group_ids(degraded) == _group_ids(healthy)

    page = client.get("/search/", {"near": "99084"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "ohne Tippfehler-Toleranz" in html
    assert "ezra Opferberatung" in html and "Hilfetelefon Gewalt gegen Frauen" in html
    assert "BEFORE Beratungsstelle" not in html  # Munich's office does not cover Erfurt

    api = client.get("/api/v1/search/", {"near": "99084"})
    assert api.status_code == 200
    body = api.json()
    assert (body["degraded"], body["engine"]) == (True, "database")
    names = {hit["name"] for group in body["groups"] for hit in group["hits"]}
    assert names == {"ezra Opferberatung", "Hilfetelefon Gewalt gegen Frauen"}

    contacts = client.get("/api/v1/contacts/", {"near": "99084"})
    assert contacts.status_code == 200
    assert {item["name"] for item in contacts.json()["results"]} == names

    health = client.get("/health/")
    assert health.status_code == 200
    assert health.json() == {"status": "degraded", "database": "ok", "search": "degraded"}

    # The fallback is logged, the search is not: where an official lives stays private.
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "degraded" in logged
    assert "99084" not in logged and "threat" not in logged


def _wait_until_drained(timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while IndexQueue.objects.exists():
        assert time.monotonic() < deadline, f"{IndexQueue.objects.count()} changes still queued after {timeout:.0f} s"
        time.sleep(0.2)


def _assert_index_equals_database() -> None:
    status = index_status()
    assert status.in_sync, "\n".join(status.lines())
    assert _index_documents() == _database_documents()


@pytest.mark.django_db(transaction=True)
def test_meilisearch_killed_while_an_import_is_checked_then_restarted(own_meilisearch, reference):
    killed = []

    def kill_once(rows):  # the importer's progress callback: we are inside the import
        if not killed:
            own_meilisearch.kill()
            killed.append(rows)

    report = import_run(data=synthetic_csv(400), filename="s.csv", source_slug="synthetic", dry_run=False, progress=kill_once)
    assert killed and report.applied and report.counts["created"] == 400
    # The database committed; the index could not follow, so the changes wait on the queue.
    assert IndexQueue.objects.values("contact_id").distinct().count() == 400

    own_meilisearch.start()
    _wait_until_drained()
    _assert_index_equals_database()
    assert len(_database_documents()) == 400


def _kill_when_indexing(server, uid: str, after_task: int, killed: list, stop: threading.Event) -> None:
    """Kill Meilisearch as soon as it has a document task for our index enqueued or running."""
    admin = {"Authorization": f"Bearer {server.keys['admin']}"}
    with requests.Session() as session:
        while not stop.is_set():
            try:
                tasks = session.get(f"{server.url}/tasks", headers=admin, timeout=2, params={
                    "indexUids": uid, "types": "documentAdditionOrUpdate", "statuses": "enqueued,processing", "limit": 5,
                }).json()
            except requests.RequestException:
                return
            if any(task["uid"] > after_task for task in tasks.get("results", [])):
                server.kill()
                killed.append(tasks["results"][0]["uid"])
                return
            time.sleep(0.002)


@pytest.mark.django_db(transaction=True)
def test_meilisearch_killed_while_it_indexes_an_import_then_restarted(own_meilisearch, reference):
    first = import_run(data=synthetic_csv(600), filename="s.csv", source_slug="synthetic", dry_run=False)
    assert first.applied
    _wait_until_drained()
    _assert_index_equals_database()
    last_task = client.call("GET", "/tasks", admin=True, params={"limit": 1}, timeout=5)["results"][0]["uid"]

    killed, stop = [], threading.Event()
    watcher = threading.Thread(
        target=_kill_when_indexing, args=(own_meilisearch, settings.MEILISEARCH_INDEX, last_task, killed, stop)
    )
    watcher.start()
    # The same 600 contacts with new descriptions, and 300 more.
    data = synthetic_csv(900, variant=" (zweite Fassung)")
    second = import_run(data=data, filename="s2.csv", source_slug="synthetic", dry_run=False)
    stop.set()
    watcher.join(10)
    assert killed, "Meilisearch was never seen indexing the import: the fault was not injected"
    assert second.applied and (second.counts["created"], second.counts["updated"]) == (300, 600)
    assert IndexQueue.objects.exists()

    own_meilisearch.start()
    _wait_until_drained()
    _assert_index_equals_database()
    assert all("zweite Fassung" in text for _, text in _index_documents().values())
