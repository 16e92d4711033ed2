"""Search key hygiene (issue 8): the web path searches with a search-only key, only the
indexing path holds the admin key, and the master key is never used at run time."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings

from directory.models import Contact, Scope
from search import client, credentials, engine, sync
from search.client import MeiliError
from search.indexing import index_rebuild, index_status
from search.models import IndexQueue
from search.query import parse_query
from tests.production.conftest import forget_search_state

pytestmark = pytest.mark.django_db


def _contact(name="Opferberatung Schlüsseltest", **fields):
    return Contact.objects.create(name=name, slug=re.sub(r"\W+", "-", name.lower()), scope=Scope.NATIONAL, **fields)


def test_the_search_key_cannot_write(own_meilisearch):
    settings.MEILISEARCH_ADMIN_KEY = own_meilisearch.keys["search"]  # pretend the indexer had only the search key
    credentials.forget()
    for method, path, body in (
        ("POST", "/indexes", {"uid": "intruder"}),
        ("POST", f"/indexes/{settings.MEILISEARCH_INDEX}/documents", [{"id": 1, "name": "x"}]),
        ("DELETE", f"/indexes/{settings.MEILISEARCH_INDEX}", None),
        ("GET", "/keys", None),
    ):
        with pytest.raises(MeiliError) as caught:
            client.call(method, path, admin=True, json=body, timeout=5)
        assert caught.value.status == 403, (method, path, caught.value)
        assert caught.value.code == "invalid_api_key"
        # No reset between the calls: Meilisearch refuses before it reads the request body,
        # and search/client.py must drop that connection, or the next call hangs.


def test_the_web_path_searches_with_only_the_search_key(own_meilisearch, tmp_path):
    _contact()
    index_rebuild()  # the indexer, with the admin key
    # The web process: the search key only, no admin key anywhere (no keys.json either).
    settings.MEILISEARCH_ADMIN_KEY = ""
    settings.MEILISEARCH_DIR = tmp_path / "no-keys-here"
    forget_search_state()
    assert credentials.admin_key() == ""
    result = engine.search(parse_query({"q": "Schlüsseltest"}))
    assert (result.engine, result.degraded) == ("meilisearch", False)
    assert [hit["name"] for hit in result.group("national").hits] == ["Opferberatung Schlüsseltest"]


def test_searches_never_send_the_admin_key(own_meilisearch):
    _contact()
    index_rebuild()
    # An admin key that Meilisearch refuses: if any search used it, the search would
    # fall back to the database and say degraded.
    settings.MEILISEARCH_ADMIN_KEY = "not-a-key-" + "x" * 40
    forget_search_state()
    result = engine.search(parse_query({"q": "Schlüsseltest"}))
    assert (result.engine, result.degraded) == ("meilisearch", False)


def test_the_indexer_uses_the_admin_key_and_keeps_changes_it_cannot_send(own_meilisearch):
    contact = _contact()
    # An indexer given the search key by mistake: Meilisearch refuses, nothing is lost.
    settings.MEILISEARCH_ADMIN_KEY = own_meilisearch.keys["search"]
    forget_search_state()
    sync.queue_write([contact.pk])
    report = sync.push_pending()
    assert not report.ok
    assert "invalid_api_key" in report.unavailable
    assert IndexQueue.objects.filter(contact_id=contact.pk).exists()
    # With the admin key the same queue goes through.
    settings.MEILISEARCH_ADMIN_KEY = own_meilisearch.keys["admin"]
    forget_search_state()
    assert sync.push_pending(include_not_due=True).ok
    assert not IndexQueue.objects.exists()
    assert index_status().missing == []


def test_managed_mode_hands_out_derived_keys_never_the_master_key(own_meilisearch):
    keys_file = own_meilisearch.directory / "keys.json"
    keys = json.loads(keys_file.read_text())
    master = (own_meilisearch.directory / "master.key").read_text().strip()
    assert set(keys) == {"search", "admin", "url"}
    assert master not in keys.values()
    assert keys_file.stat().st_mode & 0o777 == 0o600
    assert (own_meilisearch.directory / "master.key").stat().st_mode & 0o777 == 0o600
    # The derived search key is search-only: Meilisearch itself says so.
    described = client.call("GET", f"/keys/{keys['search']}", admin=True, timeout=5)
    assert described["actions"] == ["search"]


def test_only_the_process_manager_reads_the_master_key():
    # The master key file is read where the Meilisearch process is started, nowhere else:
    # web requests, searches and the indexer work with the derived keys.
    readers = sorted(
        str(path.relative_to(settings.BASE_DIR))
        for app in ("api", "directory", "importers", "lotse", "search")
        for path in (settings.BASE_DIR / app).rglob("*.py")
        if re.search(r"master_key|master\.key|--master-key", path.read_text())
    )
    assert readers == ["search/server.py"], readers
