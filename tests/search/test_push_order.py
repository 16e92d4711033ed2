"""Pushes never overtake each other with older data (search/sync.py, push_lock).

Two commits change one contact; the first commit's push reads the contact before the
second commits, and is slow to hand its document on. Without the push lock the second
push reached Meilisearch first and the first then left its older document in the index
(the CI failure of test_two_different_files_for_one_source_at_once_never_mix).
"""

from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings
from django.db import connection, transaction

from directory.models import Contact
from directory.services import contacts_touched
from search import client, sync
from search.models import IndexQueue

from .conftest import make_contact, reindex


def indexed_name(pk: int) -> str:
    return client.call("GET", f"/indexes/{settings.MEILISEARCH_INDEX}/documents/{pk}", admin=True)["name"]


def rename(pk: int, name: str) -> None:
    with transaction.atomic():
        Contact.objects.filter(pk=pk).update(name=name)
        contacts_touched([pk])  # its push runs when the block commits


@pytest.mark.django_db(transaction=True)
def test_a_slow_push_of_an_older_read_does_not_overwrite_a_newer_document(monkeypatch):
    contact = make_contact("Stelle", scope="national")
    reindex()
    IndexQueue.objects.all().delete()
    read, release = threading.Event(), threading.Event()
    build = sync.documents

    def slow_after_reading(ids, **kwargs):
        chunks = list(build(ids, **kwargs))
        if threading.current_thread().name == "first":
            read.set()
            assert release.wait(30)
        return iter(chunks)

    monkeypatch.setattr(sync, "documents", slow_after_reading)
    failures = []

    def run(name):
        try:
            rename(contact.pk, name)
        except Exception as exc:  # noqa: BLE001 - reported below: a thread's exception would be lost
            failures.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=run, args=("Erster Stand",), name="first")
    first.start()
    assert read.wait(30)  # the first push holds "Erster Stand" and has not sent it yet
    second = threading.Thread(target=run, args=("Zweiter Stand",), name="second")
    second.start()
    # Without the lock the second push is through by now; with it, it waits for the first.
    second.join(2)
    release.set()
    first.join(30)
    second.join(30)
    assert failures == []
    assert Contact.objects.get(pk=contact.pk).name == "Zweiter Stand"
    assert indexed_name(contact.pk) == "Zweiter Stand"
    assert not IndexQueue.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_push_lock_is_shared_between_processes(tmp_path):
    """Another process (here a forked child) waits for the lock this one holds."""
    import os

    if connection.vendor == "sqlite":
        assert not str(connection.settings_dict["NAME"]).startswith("file:"), "the test database is a file"
    with sync.push_lock():
        pid = os.fork()
        if pid == 0:  # the child: its own connection, then the lock
            code = 1
            try:
                connection.connection = None  # its own session; the parent's stays open
                started = time.monotonic()
                with sync.push_lock():
                    code = 0 if time.monotonic() - started >= 1.0 else 2
            finally:
                os._exit(code)
        time.sleep(1.5)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
