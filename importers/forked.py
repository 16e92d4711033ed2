"""Work shared with forked child processes, for the CPU-bound halves of a large import.

An import is pure Python for most of its time (checking rows, building search documents)
on a machine whose other core idles. A forked child gets a share of the work: it inherits
everything it needs in memory (rows, plan, reference tables), never touches the
database connection, streams its results back through a pipe in length-prefixed pickled
chunks (one process talking to its own parent: nothing from outside is unpickled), and
leaves with os._exit. Whatever goes wrong with a child (it could not be started, it died,
it sent less than asked), the caller does the missing share itself: children save time,
never correctness. A child nobody reads any more is killed and reaped.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import threading
import warnings
import weakref
from collections.abc import Callable

from django.conf import settings

_HEADER = struct.Struct("!Q")
CHUNK = 1000


def processes(count: int) -> int:
    """How many processes should share `count` items: 1 when it does not pay (too few items
    for IMPORT_PARALLEL_MIN_ROWS, 0 turns this off; one core; no fork on this platform).
    IMPORT_PARALLEL_PROCESSES (default: one per usable core) caps the number."""
    minimum = int(getattr(settings, "IMPORT_PARALLEL_MIN_ROWS", 2000))
    if minimum <= 0 or count < minimum or not hasattr(os, "fork"):
        return 1
    cap = int(getattr(settings, "IMPORT_PARALLEL_PROCESSES", 0)) or _cores()
    return max(1, min(cap, count // minimum))


def shares(count: int) -> list[tuple[int, int]]:
    """`count` items split into contiguous (start, end) shares, one per process, or [] when
    one process does it all (see processes)."""
    parts = processes(count)
    if parts < 2:
        return []
    bounds = [count * i // parts for i in range(parts + 1)]
    return list(zip(bounds, bounds[1:]))


def _cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# Pipe, fork and closing the write end happen under one lock: a second import forking in
# another thread of this process meanwhile would hand our write end to its child, and our
# reader would then not see the end of the pipe when our child exits.
_FORK_LOCK = threading.Lock()


def fork_all(work: Callable[[list[int]], list], ranges: list[tuple[int, int]], *, nice: bool = False) -> list["Child"]:
    """Fork one child per range; each runs work(positions) chunk by chunk. Children that
    could not be forked are left out (their ranges are the caller's to do). `nice`: the
    children run below this process (IMPORT_PARALLEL_NICE), for work beside its own."""
    children = []
    try:
        for start, end in ranges:
            children.append(Child.fork(work, start, end, nice=nice))
    except OSError:
        pass  # no process or pipe to spare
    for child in children:
        child.listen()  # reader threads only after the last fork: no thread is copied
    return children


class Child:
    """A forked process that computes work(positions) for start..end-1, in order, and
    writes the results to a pipe as length-prefixed pickled chunks (one process talking to its own
    parent: nothing from outside is unpickled). A zero length marks a failure.

    A reader thread drains the pipe as the chunks come, so no child ever waits for the
    parent to want its share; the chunks are unpickled when the push asks for them."""

    def __init__(self, pid: int, fd: int, start: int, end: int):
        self.pid, self.fd, self.start, self.end = pid, fd, start, end
        self.received = start
        self.finished = False
        self._chunks: list[bytes | None] = []  # None: the child stopped (ended or failed)
        self._arrived = threading.Condition()
        self._reader = threading.Thread(target=_drain, args=(fd, self._chunks, self._arrived), daemon=True, name="lotse-documents")
        self._reaper = weakref.finalize(self, _reap, pid, fd, self._reader)

    @classmethod
    def fork(cls, build, start: int, end: int, *, nice: bool = False) -> "Child":
        with _FORK_LOCK:
            read_fd, write_fd = os.pipe()
            try:
                with warnings.catch_warnings():
                    # Python 3.12+ warns about forking a process with threads; the child
                    # only computes and leaves by os._exit (see the module docstring).
                    warnings.simplefilter("ignore", DeprecationWarning)
                    pid = os.fork()
            except BaseException:
                os.close(read_fd)
                os.close(write_fd)
                raise
            if pid:
                os.close(write_fd)
        if pid == 0:  # the child
            status = 1
            try:
                os.close(read_fd)
                _child_reset(nice)
                with os.fdopen(write_fd, "wb", buffering=1 << 20) as out:
                    try:
                        parent = os.getppid()
                        for first in range(start, end, CHUNK):
                            if os.getppid() != parent:
                                break  # the importing process is gone: nobody will read this
                            data = pickle.dumps(build(list(range(first, min(first + CHUNK, end)))), protocol=pickle.HIGHEST_PROTOCOL)
                            out.write(_HEADER.pack(len(data)))
                            out.write(data)
                            out.flush()
                        status = 0
                    except BaseException:
                        out.write(_HEADER.pack(0))
            finally:
                os._exit(status)
        return cls(pid, read_fd, start, end)

    def listen(self) -> None:
        """Start draining the pipe (after every child is forked: no thread is copied)."""
        self._reader.start()

    def receive_until(self, ready: dict[int, object], wanted: set[int]) -> None:
        """Take chunks until every wanted position is ready, or the child stopped sending,
        or sent nothing for IMPORT_PARALLEL_TIMEOUT seconds (a hung child is killed; its
        share is then the caller's)."""
        wanted = {p for p in wanted if self.start <= p < self.end}
        patience = float(getattr(settings, "IMPORT_PARALLEL_TIMEOUT", 60))
        while not self.finished and not wanted <= ready.keys():
            with self._arrived:
                self._arrived.wait_for(lambda: self._chunks, timeout=patience)
                data = self._chunks.pop(0) if self._chunks else None
            if data is None:
                self.finished = True  # ended or failed: the rest is the caller's to do
                self.stop()
                return
            for result in pickle.loads(data):
                ready[self.received] = result
                self.received += 1
            if self.received >= self.end:
                self.finished = True

    def stop(self) -> None:
        self._reaper()


def _drain(fd: int, chunks: list, arrived: threading.Condition) -> None:
    try:
        while True:
            header = _read_exactly(fd, _HEADER.size)
            length = _HEADER.unpack(header)[0] if header else 0
            data = _read_exactly(fd, length) if length else None
            with arrived:
                chunks.append(data)
                arrived.notify()
            if data is None:
                return
    except OSError:
        with arrived:
            chunks.append(None)
            arrived.notify()


def _read_exactly(fd: int, size: int) -> bytes | None:
    parts, left = [], size
    while left:
        part = os.read(fd, min(left, 1 << 20))
        if not part:
            return None
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _reap(pid: int, fd: int, reader: threading.Thread) -> None:
    """Kill the child if it still runs, reap it, let the reader see the end, close."""
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)
        if not finished:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    except (ChildProcessError, ProcessLookupError):
        pass
    if reader.is_alive() and reader is not threading.current_thread():
        reader.join(timeout=5)  # the write end died with the child: the reader sees the end
    try:
        os.close(fd)
    except OSError:
        pass


def _child_reset(nice: bool) -> None:
    """Per-process state a child must not share with its parent."""
    # Below the parent, which holds the transaction meanwhile (and in a web worker answers
    # requests): such children use what CPU it leaves.
    if nice:
        try:
            os.nice(int(getattr(settings, "IMPORT_PARALLEL_NICE", 5)))
        except OSError:
            pass
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
