"""A change committed while Meilisearch is down reaches the index when it is back, unattended."""

import time

import pytest
from django.http import QueryDict

from search import client, credentials, engine, sync
from search.engine import search
from search.indexing import index_sync
from search.models import IndexQueue
from search.query import parse_query
from search.server import ManagedMeilisearch, free_port

from .conftest import make_contact


@pytest.fixture
def own_server(tmp_path, settings, reference):
    server = ManagedMeilisearch(directory=tmp_path / "meili", port=free_port()).start()
    settings.MEILISEARCH_URL = server.url
    settings.MEILISEARCH_API_KEY = server.keys["search"]
    settings.MEILISEARCH_ADMIN_KEY = server.keys["admin"]
    settings.MEILISEARCH_INDEX = "recovery_contacts"
    settings.SEARCH_DRAIN_MIN_DELAY = 0.2
    settings.SEARCH_DRAIN_MAX_DELAY = 1.0
    settings.SEARCH_RETRY_AFTER = 0.0
    client.reset_session()
    sync.forget_ensured()
    yield server
    server.stop()
    client.reset_session()
    sync.forget_ensured()
    credentials.forget()


def indexed_names():
    body = client.call("POST", "/indexes/recovery_contacts/search", json={"q": "", "limit": 100}, admin=True)
    return {hit["name"] for hit in body["hits"]}


def test_changes_made_during_an_outage_arrive_after_restart(transactional_db, own_server):
    index_sync()
    first = make_contact("Vor dem Ausfall", scope="national")
    assert indexed_names() == {"Vor dem Ausfall"}

    own_server.kill()
    second = make_contact("Während des Ausfalls", scope="state", states=("TH",))
    first.active = False
    first.save()
    assert IndexQueue.objects.filter(contact_id__in=[first.pk, second.pk]).exists()
    assert sync.drainer_running()

    # Meanwhile searches answer from the database, with the new contact.
    during = search(parse_query(QueryDict("state=TH")))
    assert during.degraded and [h["name"] for h in during.group("state").hits] == ["Während des Ausfalls"]

    own_server.start()
    deadline = time.monotonic() + 20
    while IndexQueue.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not IndexQueue.objects.exists(), list(IndexQueue.objects.values())
    assert indexed_names() == {"Während des Ausfalls"}
    engine.reset_fallback()
    after = search(parse_query(QueryDict("state=TH")))
    assert not after.degraded and [h["name"] for h in after.group("state").hits] == ["Während des Ausfalls"]
