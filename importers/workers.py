"""Which process does an import run, and is it still alive?

A run's heartbeat is written with its progress; applying a large file is one transaction
in which no progress is written (and on SQLite no other write can happen beside it), so a
slow but working run would look stale by its heartbeat alone and be queued again while it
still works. The worker therefore records `host:pid:start` when it claims a run; on the same
host the process itself says whether it lives (its start time tells a reused pid apart).
Runs of other hosts are judged by the heartbeat (IMPORT_STALE_SECONDS).
"""

from __future__ import annotations

import os
import socket
from functools import lru_cache


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot, or None if it is gone (or a
    zombie: killed, not yet reaped)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError, OSError):
        return None
    state, start = fields[0], fields[19]
    return None if state in ("Z", "X") else start


@lru_cache(maxsize=1)
def _host() -> str:
    return socket.gethostname()


def worker_identity() -> str:
    pid = os.getpid()
    return f"{_host()}:{pid}:{_start_time(pid) or ''}"


def worker_alive(identity: str) -> bool:
    """True only when `identity` is a process on this host that still runs."""
    try:
        host, pid, start = identity.rsplit(":", 2)
        pid = int(pid)
    except ValueError:
        return False
    if host != _host() or not start:
        return False
    return _start_time(pid) == start
