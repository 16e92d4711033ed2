"""A per-process cache of Meilisearch group results, never older than the index.

A search asks Meilisearch one query per group (search/engine.py). Many searches share
groups: every search in Thuringia shares the state-wide group with the same filters, every
search anywhere the nationwide one; a partner's embedded page repeats its whole query. So
each group's result is kept here, keyed by its exact Meilisearch query, as compact JSON
bytes in a least-recently-used map bounded by SEARCH_CACHE_MB.

Freshness: every entry carries the index generation (search.models.IndexGeneration) it was
read under. The generation is bumped, in the database, after Meilisearch reported a change
applied (sync push, rebuild swap); each search reads the current generation first and only
takes entries of that generation. So a change applied by any process (an import command, a
drainer, another worker) is seen by every worker's next search. SEARCH_CACHE_SECONDS bounds
the age of an entry as a safety net (e.g. an index changed by hand in Meilisearch).

Privacy: the keys hold search parameters (a place); they live only in this process's memory,
are never logged or written anywhere, and are evicted by size and age.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

import orjson
from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone

from search.models import IndexGeneration


def generation() -> tuple:
    """The current index generation (one primary-key read).

    The bump time goes with the counter: should a bump ever be rolled back (a restored
    database; the test suite's transactions), the next bump still makes a new generation.
    """
    table = connection.ops.quote_name(IndexGeneration._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value, changed_at FROM {table} WHERE id = 1")
        row = cursor.fetchone()
    return tuple(row) if row else (0, None)


def bump_generation() -> None:
    """Mark the index as changed; call after Meilisearch applied a change (not before)."""
    updated = IndexGeneration.objects.filter(pk=1).update(value=F("value") + 1, changed_at=timezone.now())
    if not updated:
        IndexGeneration.objects.get_or_create(pk=1, defaults={"value": 1, "changed_at": timezone.now()})


class ResultCache:
    """LRU of JSON bytes by key, bounded in bytes, each entry tagged with a generation."""

    def __init__(self, max_bytes: int, max_age: float):
        self.max_bytes, self.max_age = max_bytes, max_age
        self._entries: OrderedDict[bytes, tuple[tuple, float, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: bytes, generation: tuple) -> dict | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            entry_generation, stored_at, data = entry
            if entry_generation != generation or time.monotonic() - stored_at >= self.max_age:
                self._drop(key)
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
        return orjson.loads(data)

    def put(self, key: bytes, generation: tuple, value: dict) -> None:
        if self.max_bytes <= 0:
            return
        data = orjson.dumps(value)
        size = len(key) + len(data)
        if size > self.max_bytes:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (generation, time.monotonic(), data)
            self._bytes += size
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: bytes) -> None:
        _, _, data = self._entries.pop(key)
        self._bytes -= len(key) + len(data)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return self._bytes


_cache: ResultCache | None = None
_cache_lock = threading.Lock()


def results() -> ResultCache | None:
    """This process's cache, or None when SEARCH_CACHE_MB is 0."""
    global _cache
    max_bytes = settings.SEARCH_CACHE_MB * 1024 * 1024
    if max_bytes <= 0:
        return None
    if _cache is None or _cache.max_bytes != max_bytes or _cache.max_age != settings.SEARCH_CACHE_SECONDS:
        with _cache_lock:
            if _cache is None or _cache.max_bytes != max_bytes or _cache.max_age != settings.SEARCH_CACHE_SECONDS:
                _cache = ResultCache(max_bytes, settings.SEARCH_CACHE_SECONDS)
    return _cache


def key_for(body: dict) -> bytes:
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
