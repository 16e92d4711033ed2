"""Keeps the managed Meilisearch (search/server.py) alive under `make run` (issue 17).

Killed (SIGKILL, the OOM killer, a crash), the process used to stay a zombie and every
search was answered from the database until `make run` was restarted. A supervisor thread
waits on the process (which reaps it), logs the exit, restarts it with backoff (doubling
from `min_delay` up to `max_delay` while restarts fail or the process keeps dying soon
after a start; back to `min_delay` once it ran for `stable` seconds), and after each
restart lets the index catch up from the durable queue (search/sync.py) and lets searches
go to Meilisearch again at once. `/health/` shows its status (lotse/health.py).

Production runs Meilisearch under its own service manager (MEILISEARCH_URL): nothing here
applies there.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timezone

from search.server import ManagedMeilisearch

logger = logging.getLogger(__name__)

_current: "Supervisor | None" = None
_current_lock = threading.Lock()


def catch_up() -> None:
    """After a restart: forget connections to the dead process, search Meilisearch again
    at once, and send what the index missed meanwhile (the queue's due rows)."""
    from django.db import close_old_connections, connection

    from search import client, credentials, engine, sync

    credentials.forget()
    engine.reset_fallback()
    close_old_connections()
    try:
        # A few quick tries: a fresh process can refuse a connection for a moment after its
        # first health answer. Then the drainer takes over (its own backoff).
        for attempt in range(5):
            client.reset_session()
            sync.forget_ensured()
            report = sync.push_pending()
            if not report.unavailable:
                break
            time.sleep(0.2 * 2**attempt)
        if not report.ok:
            sync.ensure_drainer()
            logger.warning("index not caught up after the restart (%s); the drainer retries", report.unavailable or report.failed)
        else:
            logger.info("index caught up after the restart: %d upserted, %d deleted", report.upserted, report.deleted)
    finally:
        connection.close()  # this thread's own connection


def _reason(exc: Exception) -> str:
    """One line: what failed and, from the log tail ManagedMeilisearch.start puts into its
    error, Meilisearch's own "Error: …" line (e.g. "Address already in use")."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    why = [line for line in lines[1:] if line.startswith("Error:")]
    return f"{lines[0].rstrip(':')}: {why[-1][len('Error:'):].strip()}" if why else lines[0]


class Supervisor(threading.Thread):
    def __init__(self, server: ManagedMeilisearch, *, on_restart=catch_up, min_delay: float = 0.5, max_delay: float = 30.0,
                 stable: float = 60.0):
        super().__init__(name="lotse-meilisearch-supervisor", daemon=True)
        self.server, self.on_restart = server, on_restart
        self.min_delay, self.max_delay, self.stable = min_delay, max_delay, stable
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._started_at = time.monotonic()
        self._status = {"state": "running", "pid": server.process.pid if server.process else None, "restarts": 0,
                        "failed_starts": 0, "last_exit": None, "last_restart": None}

    def status(self) -> dict:
        with self._lock:
            return dict(self._status)

    def _update(self, **changes) -> None:
        with self._lock:
            self._status.update(changes)

    def run(self) -> None:
        delay = self.min_delay
        while not self._stopping.is_set():
            process = self.server.process
            code = process.wait()  # reaps it: no zombie
            if self._stopping.is_set():
                return
            if time.monotonic() - self._started_at >= self.stable:
                delay = self.min_delay
            exited = time.monotonic()
            self._update(state="restarting", pid=None, last_exit=code)
            logger.error("Meilisearch (pid %s) exited with %s; restarting in %.1f s", process.pid, code, delay)
            while True:
                if self._stopping.wait(delay):
                    return
                try:
                    self.server.start()
                    break
                except Exception as exc:  # noqa: BLE001 - whatever stops the start, try again later
                    delay = min(delay * 2, self.max_delay)
                    with self._lock:
                        self._status["failed_starts"] += 1
                    reason = _reason(exc)
                    logger.error("Meilisearch restart failed (%s); next try in %.1f s", reason, delay)
            if self._stopping.is_set():
                self.server.stop()
                return
            self._started_at = time.monotonic()
            delay = min(delay * 2, self.max_delay)  # dying again soon: wait longer next time
            with self._lock:
                self._status.update(state="running", pid=self.server.process.pid,
                                    last_restart=datetime.now(timezone.utc).isoformat(timespec="seconds"))
                self._status["restarts"] += 1
                restarts = self._status["restarts"]
            logger.warning("Meilisearch restarted (pid %s) %.1f s after it exited (restart %d)",
                           self.server.process.pid, time.monotonic() - exited, restarts)
            try:
                self.on_restart()
            except Exception:  # noqa: BLE001 - the drainer and `search_index sync` retry later
                logger.exception("index catch-up after the Meilisearch restart failed")

    def stop(self, timeout: float = 15.0) -> None:
        """Stop supervising and stop Meilisearch."""
        global _current
        self._stopping.set()
        self.server.stop()
        self.join(timeout)
        self._update(state="stopped", pid=None)
        with _current_lock:
            if _current is self:
                _current = None


def supervise(server: ManagedMeilisearch, **options) -> Supervisor:
    """Start supervising a started server; `options` as for Supervisor."""
    global _current
    supervisor = Supervisor(server, **options)
    supervisor.start()
    with _current_lock:
        _current = supervisor
    return supervisor


def current_status() -> dict | None:
    """The status of this process's supervisor, or None when it supervises nothing."""
    with _current_lock:
        supervisor = _current
    return supervisor.status() if supervisor is not None else None
