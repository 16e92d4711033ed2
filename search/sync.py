"""After-commit index sync that loses nothing (issue 5, DESIGN.md "Architecture").

Every write to contacts ends in directory.services.contacts_touched, which sends
`contacts_changed` inside the writer's transaction. `contacts_queue` (connected in
search/apps.py) writes one `IndexQueue` row per id in that same transaction and, once per
transaction, an on-commit push. The push reads the queue (these rows and any older ones
that are due), builds the documents from the committed database state (the one builder,
search/documents.py), upserts active contacts and deletes inactive or deleted ones in
batches, waits for Meilisearch to report each task, and only then deletes the rows it
applied. So:

- a rolled-back transaction leaves no rows and pushes nothing;
- if Meilisearch is down, the rows stay; a background drainer thread in this process
  retries with backoff until the queue is empty, and `manage.py search_index sync` (run by
  `run_local` on every start) drains whatever a dead process left behind;
- a failed Meilisearch task is logged with its uid and error and kept on the queue rows
  (`last_error`, `attempts`, `next_attempt_at`); a failing batch is split so that one bad
  document does not hold back the others;
- pushes never overtake each other with older data: each batch reads its documents and
  hands them to Meilisearch under one lock shared by every process (`push_lock`), and
  Meilisearch applies an index's tasks in the order they were enqueued. A commit's own
  push reads after that commit, so the last document enqueued for a contact is never
  older than its last commit. Without the lock, an import's push that read the contacts
  before another import committed could reach Meilisearch after that import's push and
  leave the older documents in the index (seen on PostgreSQL in CI).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from search import client
from search.cache import bump_generation
from search.client import MeiliError, MeiliUnavailable
from search.documents import documents
from search.index import index_settings
from search.models import IndexQueue

logger = logging.getLogger(__name__)

BATCH = 2000
MAX_BACKOFF = 3600


@dataclass
class PushReport:
    upserted: int = 0
    deleted: int = 0
    failed: list[str] = field(default_factory=list)
    unavailable: str = ""

    @property
    def ok(self) -> bool:
        return not self.failed and not self.unavailable


class _Transaction(threading.local):
    """The queue row (id, queued_at) that marks this thread's open transaction as having
    its push registered (see contacts_queue). The time goes with the id: SQLite reuses the
    ids of rolled-back rows."""

    marker: tuple[int, object] | None = None


_open = _Transaction()


def contacts_queue(sender=None, *, ids: list[int], **kwargs) -> None:
    """Queue these contacts for the index, in the caller's transaction, and push once after
    its commit (the receiver of directory.services.contacts_changed)."""
    if not ids:
        return
    stamp = queue_write(ids)
    if transaction.get_autocommit():
        _push_after_commit()  # no transaction: the rows are committed already
    elif not _push_registered():
        # One push per transaction, however many writes it made (an admin save touches a
        # contact, its relations and phones ~10 times). The marker is this transaction's
        # own row: a rolled-back transaction takes it away, and the next one registers anew.
        marker = IndexQueue.objects.filter(contact_id=ids[0], queued_at=stamp).order_by("-id").values_list("id", flat=True).first()
        _open.marker = (marker, stamp)
        transaction.on_commit(_push_after_commit, robust=True)


def queue_write(ids: list[int]):
    """One queue row per contact id, in the caller's transaction; returns their queued_at."""
    stamp = timezone.now()
    now = IndexQueue._meta.get_field("queued_at").get_db_prep_save(stamp, connection)
    # Plain executemany, not bulk_create: a 20,000-row import queues 20,000 rows, and
    # building model instances and SQL per row took seconds (issue 4 benchmark).
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(IndexQueue._meta.db_table)} ({quote('contact_id')}, {quote('queued_at')}, "
           f"{quote('attempts')}, {quote('last_error')}, {quote('next_attempt_at')}) VALUES (%s, %s, 0, '', NULL)")
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 5000):
            cursor.executemany(sql, [(pk, now) for pk in ids[start : start + 5000]])
    return stamp


def _push_registered() -> bool:
    if _open.marker is None:
        return False
    marker, stamp = _open.marker
    return IndexQueue.objects.filter(pk=marker, queued_at=stamp).exists()


def _push_after_commit() -> None:
    _open.marker = None
    report = push_pending()
    if not report.ok:
        ensure_drainer()


def index_uid() -> str:
    return settings.MEILISEARCH_INDEX


_thread_push_lock = threading.Lock()


def _new_thread_lock_after_fork() -> None:
    global _thread_push_lock
    _thread_push_lock = threading.Lock()  # a child is one thread; the parent's may be held


os.register_at_fork(after_in_child=_new_thread_lock_after_fork)


@contextlib.contextmanager
def push_lock() -> Iterator[None]:
    """Held while a batch reads its documents and enqueues them (see the module docstring).

    One lock for every process that pushes to this index: a PostgreSQL advisory lock (any
    number of machines), or for SQLite, whose processes share one machine, a file lock
    beside the database. Both go with a dead process. Not reentrant."""
    with _thread_push_lock:
        if connection.vendor == "postgresql":
            key = int.from_bytes(hashlib.sha256(f"lotse-index-push:{index_uid()}".encode()).digest()[:8], "big", signed=True)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [key])
            try:
                yield
            finally:
                try:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
                except DatabaseError:
                    pass  # the connection is gone, and the session's lock with it
            return
        name = str(connection.settings_dict["NAME"])
        if connection.vendor != "sqlite" or name == ":memory:" or name.startswith("file:"):
            yield  # one process: the thread lock is all there is to share
            return
        with open(Path(f"{name}.index-push.lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


_ensured: set[str] = set()


def ensure_index(uid: str | None = None) -> bool:
    """Create the index with our settings if it does not exist. True if it was created."""
    uid = uid or index_uid()
    if uid in _ensured:
        return False
    created = not client.index_exists(uid)
    if created:
        client.index_create(uid, index_settings())
    _ensured.add(uid)
    return created


def forget_ensured() -> None:
    _ensured.clear()


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** max(attempts, 0), MAX_BACKOFF))


def push_pending(*, include_not_due: bool = False) -> PushReport:
    """Apply every due queue row to the index. Never raises for Meilisearch trouble.

    Upserts are sent batch after batch without waiting in between, then waited for once at
    the end: Meilisearch indexes one batch while we build the next, and a 20,000-contact
    import does not pay one indexing round trip per batch (issue 4 benchmark). Queue rows
    are deleted only after their task succeeded.
    """
    report = PushReport()
    # A row is processed at most once per call: rows queued while we run wait for the
    # on-commit push of their own transaction (or the next call).
    ceiling = IndexQueue.objects.aggregate(top=Max("id"))["top"]
    if ceiling is None:
        return report
    floor = 0
    sent: list[tuple[int, list[dict], dict[int, list[int]]]] = []  # (task uid, documents, queue rows)
    try:
        while True:
            with push_lock():
                due = IndexQueue.objects.filter(id__gt=floor, id__lte=ceiling)
                if not include_not_due:
                    due = due.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()))
                rows = list(due.order_by("id").values_list("id", "contact_id")[:BATCH])
                if not rows:
                    break
                floor = rows[-1][0]
                try:
                    ensure_index()
                except (MeiliUnavailable, MeiliError) as exc:
                    _postpone([r[0] for r in rows], sent, exc, report)
                    return report
                by_contact: dict[int, list[int]] = {}
                for row_id, contact_id in rows:
                    by_contact.setdefault(contact_id, []).append(row_id)
                try:
                    _apply(by_contact, report, sent)
                except MeiliUnavailable as exc:
                    _postpone([r[0] for r in rows], sent, exc, report)
                    return report
        _settle(sent, report)
    except MeiliUnavailable as exc:
        _postpone([], sent, exc, report)
    return report


def _postpone(row_ids: list[int], sent: list, exc: Exception, report: PushReport) -> None:
    """Meilisearch went away: every row not confirmed yet stays queued, marked."""
    unconfirmed = row_ids + [row for _, _, by_contact in sent for rows in by_contact.values() for row in rows]
    sent.clear()
    _mark_failed(unconfirmed, str(exc), backoff=False)
    report.unavailable = str(exc)
    logger.warning("index sync postponed, %d queued changes wait: %s", IndexQueue.objects.count(), exc)


def _apply(by_contact: dict[int, list[int]], report: PushReport, sent: list | None) -> None:
    """Build and enqueue the documents of one batch; the caller holds push_lock. The upsert
    task goes on `sent`, to be waited for later; without `sent` it is waited for here."""
    uid = index_uid()
    docs = [doc for chunk in documents(list(by_contact), chunk=BATCH) for doc in chunk]
    active = {doc["id"] for doc in docs}
    gone = sorted(set(by_contact) - active)
    if gone:
        # Deleting an id that is not in the index succeeds: idempotent.
        client.documents_delete(uid, gone)
        report.deleted += len(gone)
        _done([row for pk in gone for row in by_contact[pk]])
    if docs and sent is None:
        _upsert(uid, docs, by_contact, report)
    elif docs:
        try:
            task_uid = client.documents_send(uid, docs)
        except MeiliError:
            _upsert(uid, docs, by_contact, report)  # refused at once (e.g. invalid JSON): split
            return
        sent.append((task_uid, docs, {doc["id"]: by_contact[doc["id"]] for doc in docs}))


def _settle(sent: list, report: PushReport) -> None:
    """Wait for the sent upserts. A failed one is sent again in halves (see _upsert), from
    the database: what was sent may be older than what has been committed since."""
    while sent:
        task_uid, docs, by_contact = sent[0]
        try:
            client.wait_for_task(task_uid)
        except MeiliError:
            with push_lock():
                _apply(by_contact, report, None)
            sent.pop(0)
            continue
        sent.pop(0)
        report.upserted += len(docs)
        _done([row for doc in docs for row in by_contact[doc["id"]]])


def _upsert(uid: str, docs: list[dict], by_contact: dict[int, list[int]], report: PushReport) -> None:
    try:
        client.wait_for_task(client.documents_send(uid, docs))
    except MeiliError as exc:
        if len(docs) > 1:
            # One bad document fails the whole task (MEILISEARCH.md §2, e.g. a broken _geo):
            # split until the bad one is alone, so the others still get through.
            half = len(docs) // 2
            _upsert(uid, docs[:half], by_contact, report)
            _upsert(uid, docs[half:], by_contact, report)
            return
        pk = docs[0]["id"]
        message = f"contact {pk}: {exc}"
        logger.error("index task failed (task uid %s): %s", exc.task_uid, message)
        report.failed.append(message)
        _mark_failed(by_contact[pk], str(exc))
        return
    report.upserted += len(docs)
    _done([row for doc in docs for row in by_contact[doc["id"]]])


def _done(row_ids: list[int]) -> None:
    """Meilisearch applied these rows: drop them, and let every process's result cache know."""
    for start in range(0, len(row_ids), 500):
        IndexQueue.objects.filter(id__in=row_ids[start : start + 500]).delete()
    if row_ids:
        bump_generation()


def _mark_failed(row_ids: list[int], error: str, *, backoff: bool = True) -> None:
    """Keep the error on the rows. A failed task backs off per row (it will likely fail
    again); an unreachable server does not: the drainer's own backoff paces those retries."""
    now = timezone.now()
    for row in IndexQueue.objects.filter(id__in=row_ids).only("id", "attempts"):
        row.attempts += 1
        row.last_error = error[:2000]
        fields = ["attempts", "last_error"]
        if backoff:
            row.next_attempt_at = now + _backoff(row.attempts - 1)
            fields.append("next_attempt_at")
        row.save(update_fields=fields)


# --- The background drainer -------------------------------------------------------------

_drainer_lock = threading.Lock()
_drainer: threading.Thread | None = None


def ensure_drainer() -> threading.Thread:
    """Start this process's drainer thread unless it runs already."""
    global _drainer
    with _drainer_lock:
        if _drainer is None or not _drainer.is_alive():
            _drainer = threading.Thread(target=_drain_loop, name="lotse-index-drainer", daemon=True)
            _drainer.start()
        return _drainer


def drainer_running() -> bool:
    return _drainer is not None and _drainer.is_alive()


def _drain_loop() -> None:
    delay = settings.SEARCH_DRAIN_MIN_DELAY
    try:
        while True:
            time.sleep(delay)
            close_old_connections()
            try:
                report = push_pending()
                if report.unavailable:
                    # Pooled connections may point at a dead server process.
                    client.reset_session()
                    forget_ensured()
                    delay = min(delay * 2, settings.SEARCH_DRAIN_MAX_DELAY)
                else:
                    delay = settings.SEARCH_DRAIN_MIN_DELAY
                if not IndexQueue.objects.exists():
                    logger.info("index queue drained")
                    return
                if not report.unavailable:
                    # Only backed-off rows left (failed tasks): sleep until the first is due.
                    first_due = IndexQueue.objects.exclude(next_attempt_at=None).order_by("next_attempt_at").first()
                    if first_due is not None and not IndexQueue.objects.filter(next_attempt_at=None).exists():
                        wait = (first_due.next_attempt_at - timezone.now()).total_seconds()
                        delay = min(max(wait, settings.SEARCH_DRAIN_MIN_DELAY), MAX_BACKOFF)
            except Exception:  # the drainer must outlive database hiccups too
                logger.exception("index drainer pass failed")
                delay = min(delay * 2, settings.SEARCH_DRAIN_MAX_DELAY)
    finally:
        connection.close()


def queue_status() -> dict:
    rows = IndexQueue.objects.all()
    failing = rows.exclude(last_error="")
    return {
        "queued": rows.count(),
        "contacts": rows.values("contact_id").distinct().count(),
        "failing": failing.count(),
        "last_error": failing.order_by("-id").values_list("last_error", flat=True).first() or "",
    }
