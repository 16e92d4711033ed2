"""Whole-index operations behind `manage.py search_index rebuild|status|sync`.

rebuild: build a new index under a temporary name (settings + every active contact), wait
until Meilisearch reports it complete, then swap it with the live one in one task
(MEILISEARCH.md §4: ~1 ms; no search sees an empty or half-built index) and drop the old
one. Changes committed during the build went to the old index; a drift repair after the
swap catches them.

status: database vs index (counts, missing, stale and extra ids, settings, queue).
sync: create the index with settings if missing, update drifted settings, drain the queue,
push missing and stale contacts, delete extra documents. Cheap when nothing changed: one
settings read, one id list from each side.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from django.conf import settings

from directory.models import Contact
from search import client, sync
from search.cache import bump_generation
from search.documents import documents
from search.index import index_settings

logger = logging.getLogger(__name__)

BUILD_MARK = "__build_"


@dataclass
class IndexStatus:
    index: str
    exists: bool
    database: int = 0
    indexed: int = 0
    missing: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)
    settings_drift: list[str] = field(default_factory=list)
    queue: dict = field(default_factory=dict)

    @property
    def in_sync(self) -> bool:
        return self.exists and not (self.missing or self.stale or self.extra or self.settings_drift or self.queue.get("queued"))

    def lines(self) -> list[str]:
        def some(ids):
            return ", ".join(map(str, ids[:10])) + (" …" if len(ids) > 10 else "")

        lines = [f"index {self.index}: {'present' if self.exists else 'MISSING'}",
                 f"active contacts in database: {self.database}", f"documents in index: {self.indexed}"]
        if self.missing:
            lines.append(f"missing from index: {len(self.missing)} ({some(self.missing)})")
        if self.stale:
            lines.append(f"stale in index: {len(self.stale)} ({some(self.stale)})")
        if self.extra:
            lines.append(f"in index but not active in database: {len(self.extra)} ({some(self.extra)})")
        if self.settings_drift:
            lines.append(f"settings differ: {', '.join(self.settings_drift)}")
        queue = self.queue
        lines.append(f"queue: {queue.get('queued', 0)} rows for {queue.get('contacts', 0)} contacts, {queue.get('failing', 0)} failing")
        if queue.get("last_error"):
            lines.append(f"last error: {queue['last_error']}")
        lines.append("in sync" if self.in_sync else "NOT in sync: run `manage.py search_index sync`")
        return lines


def _indexed_stamps(uid: str) -> dict[int, str | None]:
    stamps: dict[int, str | None] = {}
    offset, limit = 0, 10000
    while True:
        with client.managing(f"documents of {uid}"):
            page = client.admin(timeout=60).index(uid).get_documents({"fields": ["id", "updated_at"], "limit": limit, "offset": offset})
        for doc in page.results:
            stamps[int(doc.id)] = getattr(doc, "updated_at", None)
        offset += limit
        if offset >= page.total:
            return stamps


def settings_drift(uid: str) -> list[str]:
    with client.managing(f"settings of {uid}"):
        current = client.admin(timeout=10).index(uid).get_settings()
    wanted = index_settings()
    drift = []
    for name in ("searchableAttributes", "rankingRules", "synonyms", "stopWords", "proximityPrecision", "facetSearch"):
        if current.get(name) != wanted[name]:
            drift.append(name)
    for name in ("filterableAttributes", "sortableAttributes"):
        have = {a if isinstance(a, str) else tuple(a.get("attributePatterns", [])) for a in current.get(name, [])}
        if have != set(wanted[name]):
            drift.append(name)
    if current.get("typoTolerance", {}).get("minWordSizeForTypos") != wanted["typoTolerance"]["minWordSizeForTypos"]:
        drift.append("typoTolerance")
    if current.get("pagination") != wanted["pagination"]:
        drift.append("pagination")
    if any(current.get("faceting", {}).get(k) != v for k, v in wanted["faceting"].items()):
        drift.append("faceting")
    return drift


def index_status() -> IndexStatus:
    uid = settings.MEILISEARCH_INDEX
    database = {pk: stamp.isoformat() for pk, stamp in Contact.objects.filter(active=True).values_list("id", "updated_at")}
    status = IndexStatus(index=uid, exists=client.index_exists(uid), database=len(database), queue=sync.queue_status())
    if not status.exists:
        status.missing = sorted(database)
        return status
    indexed = _indexed_stamps(uid)
    status.indexed = len(indexed)
    status.missing = sorted(set(database) - set(indexed))
    status.extra = sorted(set(indexed) - set(database))
    status.stale = sorted(pk for pk in set(database) & set(indexed) if database[pk] != indexed[pk])
    status.settings_drift = settings_drift(uid)
    return status


def index_sync() -> tuple[IndexStatus, sync.PushReport]:
    """Bring the index in line with the database; returns the status before and the push."""
    uid = settings.MEILISEARCH_INDEX
    sync.forget_ensured()
    sync.ensure_index(uid)
    before = index_status()
    if before.settings_drift:
        client.run(f"settings of {uid}", lambda c: c.index(uid).update_settings(index_settings()))
    report = sync.push_pending(include_not_due=True)
    repair = before.missing + before.stale + before.extra
    if repair:
        # Through the queue: the same durable path, and a failure stays visible there.
        sync.queue_write(repair)
        more = sync.push_pending(include_not_due=True)
        report.upserted += more.upserted
        report.deleted += more.deleted
        report.failed += more.failed
        report.unavailable = more.unavailable or report.unavailable
    return before, report


@dataclass
class RebuildReport:
    index: str
    documents: int
    seconds: float
    repaired: int


def index_rebuild(*, batch: int = 1000) -> RebuildReport:
    uid = settings.MEILISEARCH_INDEX
    started = time.monotonic()
    _drop_leftover_builds(uid)
    temporary = f"{uid}{BUILD_MARK}{int(time.time() * 1000)}"
    try:
        client.index_create(temporary, index_settings())
        tasks, count = [], 0
        for chunk in documents(chunk=batch):
            tasks.append(client.documents_send(temporary, chunk))
            count += len(chunk)
        for task_uid in tasks:
            client.wait_for_task(task_uid)
        if client.index_exists(uid):
            client.run("swap", lambda c: c.swap_indexes([{"indexes": [uid, temporary]}]))
        else:
            # rename: the first index takes the second name (which must not exist yet).
            client.run("swap", lambda c: c.swap_indexes([{"indexes": [temporary, uid], "rename": True}]))
    except Exception:
        client.index_delete(temporary)
        raise
    # After a swap the temporary name holds the old index.
    bump_generation()  # cached results of the old index are not served again
    client.index_delete(temporary)
    sync.forget_ensured()
    before, _ = index_sync()
    repaired = len(before.missing) + len(before.stale) + len(before.extra)
    return RebuildReport(uid, count, round(time.monotonic() - started, 2), repaired)


def _drop_leftover_builds(uid: str) -> None:
    """A rebuild that died half-way leaves its temporary index behind: drop it."""
    with client.managing("GET /indexes"):
        indexes = client.admin(timeout=10).get_indexes({"limit": 1000})["results"]
    for index in indexes:
        if index.uid.startswith(f"{uid}{BUILD_MARK}"):
            client.index_delete(index.uid)
