"""The managed Meilisearch is supervised (issue 17): killed with SIGKILL under `make run`, it
stayed a zombie and every search was answered from the database until a restart. Now it is
reaped and restarted with backoff, each restart is logged and shown by /health/, the index
catches up from the durable queue, and searches are answered by Meilisearch again within
10 s of the kill."""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from pathlib import Path

import pytest
from django.db import transaction

from directory.models import Contact
from importers.services import import_run
from search import engine, supervisor, sync
from search.indexing import index_rebuild
from search.models import IndexQueue
from search.query import parse_query
from tests.importers.conftest import ERFURT, HOTLINE, MUNICH, csv_bytes

TARGET_SECONDS = 10


def _zombie_or_alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").exists()
    except OSError:
        return False


@pytest.mark.django_db(transaction=True)
def test_a_killed_meilisearch_is_restarted_and_answers_again_within_10_s(own_meilisearch, reference, client, plain_static,
                                                                         no_throttle, caplog):
    report = import_run(data=csv_bytes([ERFURT, MUNICH, HOTLINE]), filename="c.csv", source_slug="partner", dry_run=False)
    assert report.applied
    index_rebuild()
    engine.reset_fallback()
    assert engine.search(parse_query({"q": "ezra"})).engine == "meilisearch"
    caplog.set_level(logging.INFO, logger="search.supervisor")

    watch = supervisor.supervise(own_meilisearch, min_delay=0.5)
    try:
        pid = own_meilisearch.process.pid
        killed = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        # A change while Meilisearch is gone: committed, its index update waits on the queue
        # (what a failed after-commit push leaves behind). Written without the after-commit
        # push, so that no drainer thread is started: the restart itself must send the queue.
        with transaction.atomic():
            ezra = Contact.objects.get(external_id="ezra")
            ezra.name = "ezra Beratung nach dem Neustart"
            Contact.objects.filter(pk=ezra.pk).update(name=ezra.name)
            IndexQueue.objects.create(contact_id=ezra.pk)
        degraded = engine.search(parse_query({"q": "Neustart"}))  # not a cached query
        assert degraded.degraded

        # Answered by Meilisearch again, with the change made while it was gone: the index
        # caught up from the queue.
        answered = None
        while time.monotonic() - killed < 30:
            result = engine.search(parse_query({"q": "Neustart"}))
            if result.engine == "meilisearch" and [hit["name"] for group in result.groups for hit in group.hits] == [ezra.name]:
                answered = time.monotonic() - killed
                break
            time.sleep(0.1)
        assert answered is not None, "Meilisearch did not answer again within 30 s"
        assert answered < TARGET_SECONDS, f"answering from Meilisearch again took {answered:.1f} s"
        print(f"SIGKILL to answering from Meilisearch again: {answered:.2f} s")
        deadline = time.monotonic() + 5
        while IndexQueue.objects.exists():  # the queue rows go once their task is confirmed
            assert time.monotonic() < deadline, list(IndexQueue.objects.values("contact_id", "last_error"))
            time.sleep(0.1)

        assert not _zombie_or_alive(pid), "the killed process was not reaped"
        assert own_meilisearch.process.pid != pid and own_meilisearch.process.poll() is None
        assert not sync.drainer_running()  # caught up by the restart, not by the background drainer
        logged = [record.getMessage() for record in caplog.records if record.name == "search.supervisor"]
        assert any(f"Meilisearch (pid {pid}) exited with -9" in line and "restarting in 0.5 s" in line for line in logged), logged
        assert any(line.startswith(f"Meilisearch restarted (pid {own_meilisearch.process.pid})") for line in logged), logged

        health = client.get("/health/").json()
        assert health["search"] == "ok"
        process = health["search_process"]
        assert (process["state"], process["restarts"], process["last_exit"]) == ("running", 1, -9)
        assert process["pid"] == own_meilisearch.process.pid
    finally:
        watch.stop()
    assert own_meilisearch.process.poll() is not None  # stopping the supervisor stops Meilisearch
    assert "search_process" not in client.get("/health/").json()


@pytest.mark.django_db(transaction=True)
def test_failed_restarts_back_off_and_are_logged(own_meilisearch, reference, caplog):
    caplog.set_level(logging.INFO, logger="search.supervisor")
    watch = supervisor.supervise(own_meilisearch, min_delay=0.2, max_delay=0.8)
    blocker = None
    try:
        port = own_meilisearch.port
        pid = own_meilisearch.process.pid
        os.kill(pid, signal.SIGKILL)
        own_meilisearch.process.wait()  # (the supervisor reaps it; this only waits for the exit)
        # Something else takes the port: every restart fails until it is free again.
        blocker = socket.socket()
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        deadline = time.monotonic() + 5
        while True:
            try:
                blocker.bind(("127.0.0.1", port))
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.01)
        blocker.listen()
        deadline = time.monotonic() + 20
        while watch.status()["failed_starts"] < 3:
            assert time.monotonic() < deadline, watch.status()
            time.sleep(0.05)
        assert watch.status()["state"] == "restarting"
        blocker.close()
        blocker = None
        deadline = time.monotonic() + 20
        while watch.status()["state"] != "running":
            assert time.monotonic() < deadline, watch.status()
            time.sleep(0.05)
        delays = [record.args[-1] for record in caplog.records if record.getMessage().startswith("Meilisearch restart failed")]
        assert delays[:3] == [0.4, 0.8, 0.8], delays  # doubled after each failure, up to max_delay
        assert watch.status()["restarts"] == 1
    finally:
        if blocker is not None:
            blocker.close()
        watch.stop()
