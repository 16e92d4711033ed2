"""The one HTTP connection pool this process keeps to Meilisearch.

MEILISEARCH.md §5: the meilisearch-python client opens a new TCP connection per call, and a
gzip response on a kept-open connection stalls ~40 ms (delayed ACK). So we talk to the
REST API ourselves through one urllib3 `PoolManager` per process, with `Accept-Encoding:
identity`. urllib3 directly, not `requests` on top of it: a search's call spent ~0.7 ms of
CPU in requests' per-call preparation (merging session settings, cookies, hooks), about a
seventh of the web worker's CPU per search (py-spy under the load test). The pool is
thread-safe and never changed after it was built. A forked worker (gunicorn) builds its
own pool: a connection must never be shared across processes.
"""

from __future__ import annotations

import json as _json
import math
import os
import threading
import time
from typing import Any
from urllib.parse import urlencode

import orjson
import urllib3
from django.conf import settings

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


def wait_for_task(task_uid: int, *, timeout: float | None = None) -> dict:
    """Poll a task until it finished. Raises MeiliError for a failed or cancelled task."""
    timeout = timeout if timeout is not None else settings.MEILISEARCH_INDEXING_TIMEOUT
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        task = call("GET", f"/tasks/{task_uid}", admin=True, timeout=10)
        status = task.get("status")
        if status == "succeeded":
            return task
        if status in ("failed", "canceled"):
            error = task.get("error") or {}
            raise MeiliError(
                f"Meilisearch task {task_uid} ({task.get('type')}) {status}: {error.get('code')}: {error.get('message')}",
                code=error.get("code", status), task_uid=task_uid,
            )
        if time.monotonic() > deadline:
            raise MeiliUnavailable(f"Meilisearch task {task_uid} did not finish within {timeout:.0f} s")
        time.sleep(delay)
        delay = min(delay * 2, 0.25)


def run_task(method: str, path: str, *, json: Any = None, params: dict | None = None, timeout: float | None = None) -> dict:
    """Enqueue an admin task and wait for it to succeed."""
    enqueued = call(method, path, admin=True, json=json, params=params, timeout=30)
    return wait_for_task(enqueued["taskUid"], timeout=timeout)


def healthy(timeout: float = 0.5) -> bool:
    try:
        return (call("GET", "/health", timeout=timeout) or {}).get("status") == "available"
    except (MeiliError, MeiliUnavailable):
        return False
