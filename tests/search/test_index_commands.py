"""search_index rebuild|status|sync: atomic rebuild under load, drift found and repaired."""

import threading

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.http import QueryDict
from django.utils import timezone

from search import client
from search.engine import MeilisearchExecutor
from search.index import index_settings
from search.indexing import index_rebuild, index_status
from search.query import parse_query

from .conftest import admin_task, make_contact


def test_searches_never_see_an_empty_index_during_rebuilds(indexed):
    query = parse_query(QueryDict(""))
    expected = MeilisearchExecutor().run(query).total
    totals, errors, stop = [], [], threading.Event()

    def searcher():
        while not stop.is_set():
            try:
                totals.append(MeilisearchExecutor().run(query).total)
            except Exception as exc:  # recorded, asserted below
                errors.append(repr(exc))

    thread = threading.Thread(target=searcher)
    thread.start()
    try:
        for _ in range(3):
            index_rebuild()
    finally:
        stop.set()
        thread.join()
    assert errors == [] and len(totals) > 20
    assert set(totals) == {expected}
    indexes = {i["uid"] for i in client.call("GET", "/indexes", admin=True)["results"]}
    assert not [uid for uid in indexes if uid.startswith(settings.MEILISEARCH_INDEX + "__build_")]


def test_status_reports_drift_and_sync_repairs_it(indexed, capsys):
    uid = settings.MEILISEARCH_INDEX
    admin_task("DELETE", f"/indexes/{uid}/documents/{indexed.munich.pk}")
    admin_task("POST", f"/indexes/{uid}/documents", json=[{"id": 999999, "name": "Geist", "updated_at": None}])
    admin_task("PATCH", f"/indexes/{uid}/settings", json={"synonyms": {}})
    status = index_status()
    assert status.missing == [indexed.munich.pk] and status.extra == [999999] and status.settings_drift == ["synonyms"]
    with pytest.raises(CommandError, match="index and database differ"):
        call_command("search_index", "status")
    assert f"missing from index: 1 ({indexed.munich.pk})" in capsys.readouterr().out

    call_command("search_index", "sync")
    assert "2 drifted, 1 pushed, 1 removed, settings updated (synonyms)" in capsys.readouterr().out
    assert index_status().in_sync
    current = client.call("GET", f"/indexes/{uid}/settings", admin=True)
    assert current["synonyms"] == index_settings()["synonyms"]


def test_sync_creates_a_missing_index(cases, capsys):
    admin_task("DELETE", f"/indexes/{settings.MEILISEARCH_INDEX}") if _exists() else None
    call_command("search_index", "sync")
    status = index_status()
    assert status.in_sync and status.indexed == len(cases.all())


def test_status_finds_stale_documents(indexed):
    contact = indexed.erfurt
    # A bulk update that forgot contacts_touched (it stamps updated_at, which status compares).
    type(contact).objects.filter(pk=contact.pk).update(name="Umbenannt", updated_at=timezone.now())
    assert index_status().stale == [contact.pk]
    call_command("search_index", "sync")
    hits = client.call("POST", f"/indexes/{settings.MEILISEARCH_INDEX}/search", json={"q": "Umbenannt"})["hits"]
    assert [h["id"] for h in hits] == [contact.pk]


def test_rebuild_reports_documents(cases, capsys):
    make_contact("Noch eine Stelle", scope="national")
    call_command("search_index", "rebuild")
    assert f"{len(cases.all()) + 1} documents" in capsys.readouterr().out


def _exists():
    return settings.MEILISEARCH_INDEX in {i["uid"] for i in client.call("GET", "/indexes", admin=True)["results"]}
