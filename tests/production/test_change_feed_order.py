"""The change feed's commit order on PostgreSQL (issue 20): ids are handed out at insert,
not at commit, so without the advisory lock of directory.services.changes_record a
later writer's change (a larger id) could commit first, a reader could page past it, and
the earlier writer's change (the smaller id) would never be read."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from directory.models import Scope
from tests.factories import make_contact

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _feed(client: APIClient, since: str | None = None) -> dict:
    response = client.get("/api/v1/changes/", {"since": since} if since else {})
    assert response.status_code == 200, response.content
    return response.json()


def _waiting_for_the_feed_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0] > 0


def test_a_change_committed_later_with_a_smaller_id_is_not_skipped(reference, no_throttle):
    client = APIClient()
    first = make_contact("Erste Stelle", scope=Scope.NATIONAL)
    second = make_contact("Zweite Stelle", scope=Scope.NATIONAL)
    cursor = _feed(client)["cursor"]
    first_recorded, release_first, second_done = threading.Event(), threading.Event(), threading.Event()
    failures = []

    def writer_first():  # records its change, then commits only when told
        try:
            with transaction.atomic():
                first.name = "Erste Stelle (geändert)"
                first.save()
                first_recorded.set()
                assert release_first.wait(30)
        except Exception as exc:  # surfaced below: a thread's exception would be lost
            failures.append(exc)
        finally:
            connection.close()

    def writer_second():  # starts after the first recorded its change; commits at once
        try:
            assert first_recorded.wait(30)
            with transaction.atomic():
                second.name = "Zweite Stelle (geändert)"
                second.save()
            second_done.set()
        except Exception as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer_first), threading.Thread(target=writer_second)]
    for thread in threads:
        thread.start()
    try:
        assert first_recorded.wait(30)
        # The second writer waits for the lock the first holds until it commits (without
        # it, the second would commit now, with the larger id).
        deadline = time.monotonic() + 10
        while not (_waiting_for_the_feed_lock() or second_done.is_set()) and time.monotonic() < deadline:
            time.sleep(0.05)
        # A reader reads now and later goes on from the cursor it got.
        during = _feed(client, cursor)
        seen = [change["uuid"] for change in during["changes"]]
    finally:
        release_first.set()
        for thread in threads:
            thread.join(60)
    assert failures == []
    after = _feed(client, during["cursor"])
    seen += [change["uuid"] for change in after["changes"]]
    assert seen == [str(first.uuid), str(second.uuid)]  # both, in commit order
    assert [change["contact"]["name"] for change in after["changes"]] == ["Erste Stelle (geändert)", "Zweite Stelle (geändert)"]
