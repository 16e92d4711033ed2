"""Per-client throttling for the public reads and the token-protected writes.

Rates come from settings (API_THROTTLE_READ, API_THROTTLE_WRITE; env of the same names) and
are read on every request, so a changed setting applies without re-importing DRF's
class-level THROTTLE_RATES.

Counters live in the database (api.models.ThrottleSlot), shared by every web worker and
host: one atomic upsert per request counts it in the current slot (a slot is one period of
the rate, e.g. a minute). The limit is checked over a sliding period, estimated from the
current slot and the share of the previous slot that still falls into the period (as if
its requests had come evenly), so a client cannot double its rate across a slot boundary.
A refused request is not counted. A client is a keyed hash of its
address (or user), never the address itself.

Availability first: when the counter cannot be written at once (SQLite locked by an
import's transaction for more than THROTTLE_LOCK_WAIT_MS, a database error), the request is
let through and a warning logged. A rate limit protects the service; it must not be what
takes reads down.
"""

import hashlib
import hmac
import logging
import math
import random
import re
import time
from contextlib import contextmanager, nullcontext

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, transaction
from rest_framework.throttling import SimpleRateThrottle

from api.models import ThrottleSlot

logger = logging.getLogger(__name__)
THROTTLE_LOCK_WAIT_MS = 100  # how long a counter write may wait for a lock (SQLite and PostgreSQL)
CLEANUP_CHANCE = 0.01  # share of requests that also delete expired slots

RATE = re.compile(r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$")
RATE_SETTINGS = ("API_THROTTLE_READ", "API_THROTTLE_WRITE", "REPORT_RATE")


def check_rates() -> None:
    for name in RATE_SETTINGS:
        value = getattr(settings, name, None)
        if value is not None and value != "" and not RATE.match(value):
            raise ImproperlyConfigured(
                f'{name}: "{value}" is not a rate; use requests/period, e.g. 120/minute, 10/second, 1000/day, '
                "or leave it empty to switch throttling off"
            )


class _SettingsRateThrottle(SimpleRateThrottle):
    setting_name = ""

    def __init__(self):
        # SimpleRateThrottle reads the rate in __init__; ours comes from settings now.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_rate(self):
        return getattr(settings, self.setting_name, None) or None

    def get_cache_key(self, request, view):
        user = getattr(request, "user", None)
        ident = f"user-{user.pk}" if user is not None and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view):
        self._wait = 0.0
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = time.time()
        slot, into = divmod(now, self.duration)
        client = client_digest(key)
        try:
            current, previous = count_hit(self.scope, client, int(slot), expires=int(slot + 2) * self.duration)
        except DatabaseError as exc:
            logger.warning("API throttle counter not written (%s); request let through", type(exc).__name__)
            return True
        if random.random() < CLEANUP_CHANCE:
            forget_expired(now)
        # The share of the previous slot still inside the sliding period, plus this slot.
        weight = 1.0 - into / self.duration
        if previous * weight + current <= self.num_requests:
            return True
        self._wait = self._seconds_until_allowed(current, previous, into)
        # A refused request does not count: a client that waits as told gets its answer.
        try:
            uncount_hit(self.scope, client, int(slot))
        except DatabaseError as exc:
            logger.warning("API throttle counter not written (%s)", type(exc).__name__)
        return False

    def _seconds_until_allowed(self, current: int, previous: int, into: float) -> int:
        """When one more request fits again (at the latest when this slot ends); `current`
        includes the refused request."""
        left = self.duration - into
        if current <= self.num_requests and previous:
            # previous * (1 - (into + t) / duration) + current <= limit
            t = self.duration * (1 - (self.num_requests - current) / previous) - into
            return max(1, math.ceil(min(t, left)))
        return max(1, math.ceil(left))

    def wait(self):
        return self._wait or None


class ReadThrottle(_SettingsRateThrottle):
    scope = "api-read"
    setting_name = "API_THROTTLE_READ"


class WriteThrottle(_SettingsRateThrottle):
    scope = "api-write"
    setting_name = "API_THROTTLE_WRITE"


class ReportThrottle(_SettingsRateThrottle):
    """Visitors' error reports on contact pages (pages.views.contact_report), per client."""

    scope = "report"
    setting_name = "REPORT_RATE"


def client_digest(key: str) -> str:
    """A keyed hash of the client's throttle key: no address is stored in the clear."""
    return hmac.new(settings.SECRET_KEY.encode(), key.encode(), hashlib.sha256).hexdigest()[:40]


@contextmanager
def _counter_cursor():
    """A cursor whose writes wait at most THROTTLE_LOCK_WAIT_MS for a lock.

    An import holds SQLite's write lock for seconds; a read must not wait for it.
    (PostgreSQL locks only the client's own row, but a table lock is not waited for either.)
    """
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute(f"PRAGMA busy_timeout = {THROTTLE_LOCK_WAIT_MS}")
        elif vendor == "postgresql":
            cursor.execute(f"SET lock_timeout = {THROTTLE_LOCK_WAIT_MS}")
        try:
            # A savepoint only inside a transaction (tests): on PostgreSQL a failed statement
            # would otherwise break the surrounding one. Outside, each statement commits alone.
            with transaction.atomic() if connection.in_atomic_block else nullcontext():
                yield cursor
        finally:
            if vendor == "sqlite":
                cursor.execute(f"PRAGMA busy_timeout = {int(connection.settings_dict['OPTIONS'].get('timeout', 5) * 1000)}")
            elif vendor == "postgresql":
                cursor.execute("RESET lock_timeout")


def _table() -> str:
    return connection.ops.quote_name(ThrottleSlot._meta.db_table)


def count_hit(scope: str, client: str, slot: int, *, expires: int) -> tuple[int, int]:
    """Count one request in (scope, client, slot); return this slot's and the previous slot's hits.

    One upsert, atomic in both SQLite (3.35+) and PostgreSQL: concurrent requests of one
    client each get their own count.
    """
    table = _table()
    with _counter_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (scope, client, slot, hits, expires) VALUES (%s, %s, %s, 1, %s) "
            f"ON CONFLICT (scope, client, slot) DO UPDATE SET hits = {table}.hits + 1 RETURNING hits",
            [scope, client, slot, expires],
        )
        current = cursor.fetchone()[0]
        cursor.execute(f"SELECT hits FROM {table} WHERE scope = %s AND client = %s AND slot = %s", [scope, client, slot - 1])
        row = cursor.fetchone()
    return current, (row[0] if row else 0)


def uncount_hit(scope: str, client: str, slot: int) -> None:
    """Take back a request count_hit counted (a refused request)."""
    with _counter_cursor() as cursor:
        cursor.execute(f"UPDATE {_table()} SET hits = hits - 1 WHERE scope = %s AND client = %s AND slot = %s",
                       [scope, client, slot])


def forget_expired(now: float | None = None) -> int:
    """Delete the slots no throttle reads any more; returns how many."""
    deleted, _ = ThrottleSlot.objects.filter(expires__lt=int(now if now is not None else time.time())).delete()
    return deleted
