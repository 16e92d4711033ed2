"""Talking to Meilisearch: the official client for the index, one small call for searches.

Index management (indexes, settings, documents, tasks, swaps) goes through the official
`meilisearch` client (`admin()`, with the admin key), wrapped below so that callers see
two errors: MeiliError (Meilisearch answered with an error, or a task failed) and
MeiliUnavailable (not reachable, or too slow).

Searches go through `call()`, one small REST call over one urllib3 `PoolManager` per
process. The official client opens a new TCP connection per call (`requests.post`):
MEILISEARCH.md §5 measured it at 2.5–2.8 ms median per multi-search on a quiet machine,
against 1.4–1.8 ms kept alive; and a search's call through `requests` spent ~0.7 ms of CPU
in its per-call preparation, about a seventh of the web worker's CPU per search (py-spy
under the load test), which urllib3 directly does not. benchmarks/bench_search.py times
the official client beside the raw call ("client" and "raw"): on the loaded machine of
issue 18's run the two were within the noise (p50 1.03×, p95 0.97×), where the network
wait hid the connection cost; the CPU per search is what the load test pays for. `Accept-Encoding: identity`: a gzip response on a kept-open
connection stalls ~40 ms (delayed ACK). The pool is thread-safe and never changed after it
was built; a forked worker (gunicorn) builds its own.
"""

from __future__ import annotations

import contextlib
import json as _json
import math
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import meilisearch
import orjson
import urllib3
from django.conf import settings
from meilisearch.errors import MeilisearchApiError, MeilisearchCommunicationError, MeilisearchTimeoutError

from search import credentials

_lock = threading.Lock()
_pool: urllib3.PoolManager | None = None
_pool_pid: int | None = None
BASE_HEADERS = {"Accept-Encoding": "identity", "Content-Type": "application/json"}


class MeiliError(RuntimeError):
    """Meilisearch answered with an error (HTTP status >= 400) or a failed task."""

    def __init__(self, message: str, *, code: str = "", status: int | None = None, task_uid: int | None = None):
        self.code, self.status, self.task_uid = code, status, task_uid
        super().__init__(message)

    @property
    def cannot_answer(self) -> bool:
        """Meilisearch cannot serve the request (its failure, or the index is not there
        yet), as opposed to refusing it as wrong (a 4xx about the request: our bug)."""
        return (self.status or 0) >= 500 or self.code == "index_not_found"


class MeiliUnavailable(RuntimeError):
    """Meilisearch cannot be reached or did not answer in time."""


def pool() -> urllib3.PoolManager:
    global _pool, _pool_pid
    pid = os.getpid()
    if _pool is None or _pool_pid != pid:
        with _lock:
            if _pool is None or _pool_pid != pid:
                # No retries: a failed call is reported at once, and search/engine.py answers
                # from the database instead. No proxy lookups: loopback or a configured URL.
                _pool, _pool_pid = urllib3.PoolManager(num_pools=4, maxsize=32, block=False, retries=False), pid
    return _pool


def reset_session() -> None:
    """Drop pooled connections (after the server was restarted on the same port)."""
    global _pool
    with _lock:
        if _pool is not None:
            _pool.clear()
        _pool = None


def call(
    method: str,
    path: str,
    *,
    admin: bool = False,
    json: Any = None,
    params: dict | None = None,
    timeout: float | None = None,
) -> Any:
    """One REST call; returns the decoded JSON body (None for an empty body)."""
    key = credentials.admin_key() if admin else credentials.search_key()
    headers = {**BASE_HEADERS, "Authorization": f"Bearer {key}"} if key else BASE_HEADERS
    url = settings.MEILISEARCH_URL.rstrip("/") + path
    if params:
        url += "?" + urlencode(params)
    data = None
    if json is not None:
        try:
            data = _encode(json)
        except ValueError as exc:
            # Our bad data, not Meilisearch being away (e.g. an infinite coordinate).
            raise MeiliError(f"Meilisearch {method} {path}: body is not valid JSON: {exc}", code="invalid_json") from exc
    seconds = timeout if timeout is not None else settings.MEILISEARCH_INDEXING_TIMEOUT
    try:
        response = pool().request(
            method, url, body=data, headers=headers, timeout=urllib3.Timeout(connect=seconds, read=seconds),
        )
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise MeiliUnavailable(f"Meilisearch at {settings.MEILISEARCH_URL} is not reachable: {type(exc).__name__}") from exc
    content = response.data
    if response.status >= 400:
        if json is not None:
            # Meilisearch may refuse (e.g. 403 for a wrong key) before reading the request
            # body; the unread body then poisons the kept-alive connection and the next
            # request on it hangs until its timeout. Drop the pooled connections.
            reset_session()
        try:
            body = orjson.loads(content)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = {"message": content[:500].decode(errors="replace"), "code": ""}
        raise MeiliError(
            f"Meilisearch {method} {path} answered {response.status}: {body.get('code')}: {body.get('message')}",
            code=body.get("code", ""), status=response.status,
        )
    if not content:
        return None
    return orjson.loads(content)


COORDINATES = ("lat", "lng")


def _encode(body: Any) -> bytes:
    """JSON bytes by orjson (20,000 documents: ~1 s less than json.dumps). orjson writes
    NaN and infinity as null, which Meilisearch would take for "no point": a document list
    is checked for non-finite coordinates first (the only floats our documents carry), any
    other body goes through json.dumps, which refuses them."""
    if isinstance(body, list) and body and isinstance(body[0], dict):
        for document in body:
            points = [document.get(name) for name in COORDINATES]
            geo = document.get("_geo")
            if isinstance(geo, dict):
                points += [geo.get(name) for name in COORDINATES]
            for value in points:
                if isinstance(value, float) and not math.isfinite(value):
                    raise ValueError(f"document {document.get('id')}: coordinate {value} is not a finite number")
        return orjson.dumps(body)
    return _json.dumps(body, allow_nan=False, ensure_ascii=False).encode()


# --- index management: the official client ---------------------------------------------


def admin(timeout: float | None = None) -> meilisearch.Client:
    """The official client with the admin key (imports, the admin, `search_index`)."""
    seconds = timeout if timeout is not None else settings.MEILISEARCH_INDEXING_TIMEOUT
    return meilisearch.Client(settings.MEILISEARCH_URL, credentials.admin_key() or None, timeout=seconds,
                              custom_headers={"Accept-Encoding": "identity"})


@contextlib.contextmanager
def managing(what: str) -> Iterator[None]:
    """The client's errors as ours (see the module docstring)."""
    try:
        yield
    except MeilisearchApiError as exc:
        raise MeiliError(f"Meilisearch {what} answered {exc.status_code}: {exc.code}: {exc.message}",
                         code=exc.code or "", status=exc.status_code) from exc
    except (MeilisearchCommunicationError, MeilisearchTimeoutError) as exc:
        raise MeiliUnavailable(f"Meilisearch at {settings.MEILISEARCH_URL} is not reachable: {type(exc).__name__}") from exc


def wait_for_task(task_uid: int, *, timeout: float | None = None) -> dict:
    """Wait until a task finished. Raises MeiliError for a failed or cancelled task."""
    timeout = timeout if timeout is not None else settings.MEILISEARCH_INDEXING_TIMEOUT
    with managing(f"task {task_uid}"):
        try:
            task = admin(timeout=10).wait_for_task(task_uid, timeout_in_ms=int(timeout * 1000), interval_in_ms=10)
        except MeilisearchTimeoutError:
            raise MeiliUnavailable(f"Meilisearch task {task_uid} did not finish within {timeout:.0f} s") from None
    if task.status in ("failed", "canceled"):
        error = task.error or {}
        raise MeiliError(
            f"Meilisearch task {task_uid} ({task.type}) {task.status}: {error.get('code')}: {error.get('message')}",
            code=error.get("code", task.status), task_uid=task_uid,
        )
    return {"uid": task.uid, "status": task.status, "type": task.type}


def run(what: str, enqueue: Callable[[meilisearch.Client], Any], *, timeout: float | None = None) -> dict:
    """Enqueue an admin task (`enqueue(client)` returns its TaskInfo) and wait for it."""
    with managing(what):
        info = enqueue(admin(timeout=30))
    return wait_for_task(info.task_uid, timeout=timeout)


def index_exists(uid: str) -> bool:
    try:
        with managing(f"GET /indexes/{uid}"):
            admin(timeout=10).get_index(uid)
    except MeiliError as exc:
        if exc.code == "index_not_found":
            return False
        raise
    return True


def index_create(uid: str, index_settings: dict) -> None:
    run(f"create {uid}", lambda c: c.create_index(uid, {"primaryKey": "id"}))
    run(f"settings of {uid}", lambda c: c.index(uid).update_settings(index_settings))


def index_delete(uid: str) -> None:
    try:
        run(f"delete {uid}", lambda c: c.delete_index(uid))
    except MeiliError as exc:
        if exc.code != "index_not_found":
            raise


def documents_send(uid: str, documents: list[dict]) -> int:
    """Enqueue an upsert of these documents; returns its task uid. Encoded by orjson (a
    20,000-document import: ~1 s less than the client's json.dumps), checked first."""
    try:
        body = _encode(documents)
    except ValueError as exc:
        raise MeiliError(f"Meilisearch documents of {uid}: not valid JSON: {exc}", code="invalid_json") from exc
    with managing(f"documents of {uid}"):
        return admin(timeout=60).index(uid).add_documents_raw(body, primary_key="id", content_type="application/json").task_uid


def documents_delete(uid: str, ids: list[int]) -> None:
    run(f"delete documents of {uid}", lambda c: c.index(uid).delete_documents(ids))


def healthy(timeout: float = 0.5) -> bool:
    try:
        return (call("GET", "/health", timeout=timeout) or {}).get("status") == "available"
    except (MeiliError, MeiliUnavailable):
        return False
