"""A per-process cache of Meilisearch group results, never older than the index.

A search asks Meilisearch one query per group (search/engine.py). Many searches share
groups: every search in Thuringia shares the state-wide group with the same filters, every
search anywhere the nationwide one; a partner's embedded page repeats its whole query. So
each group's result is kept here, keyed by its exact Meilisearch query, as compact JSON
bytes in a least-recently-used map bounded by SEARCH_CACHE_MB.

Freshness: every entry carries the index generation (search.models.IndexGeneration) it was
read under. The entries live in a cachetools TTLCache sized in bytes. The generation is bumped, in the database, after Meilisearch reported a change
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

import orjson
from cachetools import TTLCache
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
    """JSON bytes by key, least recently used out first, bounded in bytes and by age,
    each entry tagged with the generation it was read under."""

    def __init__(self, max_bytes: int, max_age: float):
        self.max_bytes, self.max_age = max_bytes, max_age
        # value: (generation, JSON bytes, size counted against max_bytes)
        self._entries = TTLCache(maxsize=max(max_bytes, 1), ttl=max(max_age, 1e-9), timer=time.monotonic,
                                 getsizeof=lambda value: value[2])
        self._lock = threading.Lock()  # cachetools' caches are not thread-safe
        self.hits = self.misses = 0

    def get(self, key: bytes, generation: tuple) -> dict | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != generation:
                if entry is not None:
                    del self._entries[key]
                self.misses += 1
                return None
            self.hits += 1
        return orjson.loads(entry[1])

    def put(self, key: bytes, generation: tuple, value: dict) -> None:
        if self.max_bytes <= 0 or self.max_age <= 0:
            return
        data = orjson.dumps(value)
        size = len(key) + len(data)
        if size > self.max_bytes:
            return
        with self._lock:
            self._entries[key] = (generation, data, size)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        with self._lock:
            self._entries.expire()
            return len(self._entries)

    @property
    def size_bytes(self) -> int:
        with self._lock:
            self._entries.expire()
            return int(self._entries.currsize)


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
