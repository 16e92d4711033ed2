"""API rate limits counted in the database: shared by all web workers, no address stored,
a sliding period, and never the reason a read fails."""

import sqlite3
import threading
import time

import pytest
from django.core.cache import cache
from django.db import connection

from api import throttles
from api.models import ThrottleSlot

pytestmark = pytest.mark.django_db


def test_the_count_is_not_kept_in_the_worker_s_memory(client, settings):
    settings.API_THROTTLE_READ = "3/minute"
    assert [client.get("/api/v1/states/").status_code for _ in range(3)] == [200, 200, 200]
    # Another worker has none of this process's memory; the count must not live there.
    cache.clear()
    assert client.get("/api/v1/states/").status_code == 429


def test_requests_counted_by_another_worker_count_here(client, settings):
    settings.API_THROTTLE_READ = "3/minute"
    # Another process counted two requests of this client in the current slot.
    key = throttles.ReadThrottle.cache_format % {"scope": "api-read", "ident": "127.0.0.1"}
    slot = int(time.time() // 60)
    for _ in range(2):
        throttles.count_hit("api-read", throttles.client_digest(key), slot, expires=(slot + 2) * 60)
    assert client.get("/api/v1/states/").status_code == 200
    assert client.get("/api/v1/states/").status_code == 429


def test_no_address_is_stored(client, settings):
    settings.API_THROTTLE_READ = "5/minute"
    client.get("/api/v1/states/", REMOTE_ADDR="203.0.113.77")
    rows = list(ThrottleSlot.objects.values_list("scope", "client"))
    assert len(rows) == 1
    assert rows[0][0] == "api-read"
    assert "203.0.113" not in rows[0][1]
    assert len(rows[0][1]) == 40


class Clock:
    def __init__(self, now: float):
        self.now = now

    def time(self) -> float:
        return self.now


def test_the_previous_slot_still_counts_early_in_the_next(client, settings, monkeypatch):
    settings.API_THROTTLE_READ = "4/minute"
    clock = Clock(1_800_000_000.0)  # the start of a slot (divisible by 60)
    monkeypatch.setattr(throttles, "time", clock)
    clock.now += 50
    assert [client.get("/api/v1/states/").status_code for _ in range(4)] == [200] * 4
    # 5 s into the next slot the previous slot still counts 4 x 55/60 = 3.7: no room.
    clock.now += 15
    response = client.get("/api/v1/states/")
    assert response.status_code == 429
    # One more fits once it counts 3 (15 s into the slot): 10 s from now, as the answer says.
    assert response["Retry-After"] == "10"
    clock.now += 9
    assert client.get("/api/v1/states/").status_code == 429
    clock.now += 1
    assert client.get("/api/v1/states/").status_code == 200
    # Refused requests did not count: late in the slot the rest of the rate is there.
    clock.now += 40  # 55 s in: 4 x 5/60 = 0.3, plus the 1 of this slot: 2 more fit
    assert [client.get("/api/v1/states/").status_code for _ in range(3)] == [200, 200, 429]


def test_expired_slots_are_deleted(settings):
    now = 1_800_000_000
    throttles.count_hit("api-read", "a" * 40, now // 60 - 5, expires=now - 120)
    throttles.count_hit("api-read", "b" * 40, now // 60, expires=now + 120)
    assert throttles.forget_expired(now) == 1
    assert list(ThrottleSlot.objects.values_list("client", flat=True)) == ["b" * 40]


def _hold_write_lock(ready: threading.Event, release: threading.Event) -> None:
    """Another process's long write transaction (an import) on the same database."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        other = sqlite3.connect(settings_dict["NAME"], isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
    else:
        import psycopg

        other = psycopg.connect(
            dbname=settings_dict["NAME"], user=settings_dict["USER"], password=settings_dict["PASSWORD"],
            host=settings_dict["HOST"], port=settings_dict["PORT"] or None,
        )
        other.execute(f"LOCK TABLE {ThrottleSlot._meta.db_table} IN EXCLUSIVE MODE")
    ready.set()
    release.wait(10)
    other.rollback()
    other.close()


@pytest.mark.django_db(transaction=True)
def test_a_locked_counter_lets_the_read_through_at_once(client, settings, caplog):
    from directory.reference import reference_load

    reference_load()
    settings.API_THROTTLE_READ = "3/minute"
    ready, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(ready, release))
    holder.start()
    try:
        assert ready.wait(10)
        started = time.monotonic()
        response = client.get("/api/v1/states/")
        elapsed = time.monotonic() - started
    finally:
        release.set()
        holder.join(15)
    assert response.status_code == 200
    assert len(response.json()) == 16
    assert elapsed < 2.0, f"the read waited {elapsed:.1f} s for the lock"
    assert "API throttle counter not written (OperationalError); request let through" in caplog.text
    # Once the lock is gone, counting works again on the same connection.
    assert [client.get("/api/v1/states/").status_code for _ in range(3)] == [200, 200, 200]
    assert client.get("/api/v1/states/").status_code == 429
