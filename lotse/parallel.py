"""How many processes share CPU-bound work on large inputs (checking an import's rows,
building search documents): one per usable core, from IMPORT_PARALLEL_MIN_ROWS items on."""

import os

from django.conf import settings


def parallel_processes(count: int, *, per_process: int | None = None) -> int:
    """1 when it does not pay (fewer than IMPORT_PARALLEL_MIN_ROWS items; 0 turns it off;
    one core), else one process per usable core, capped by IMPORT_PARALLEL_PROCESSES and
    so that each has at least `per_process` items (default: the threshold)."""
    minimum = settings.IMPORT_PARALLEL_MIN_ROWS
    if minimum <= 0 or count < minimum:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(settings.IMPORT_PARALLEL_PROCESSES or cores, count // (per_process or minimum)))
