"""Import benchmark (issue 4): a synthetic 20,000-row file over real districts.

Runs in a child process with a throwaway var dir (its own SQLite file) and its own
Meilisearch on a free port: never the demo or a developer's database. The rows are
labelled synthetic (benchmarks/synthetic.py). Reports rows/s for the dry run and the real
import, the time until all rows are searchable (target ≤ 15 s), and re-importing the
unchanged file (target: zero writes, ≤ 5 s).

Beside them, the floor this machine sets (issue 21 asks for searchable within 5 s): the time
Meilisearch alone takes to index the same documents, sent as the push sends them into an
empty index with the same settings while nothing else runs (no import can be searchable
sooner with this engine on this machine), and the CPU seconds the importing process (with
its pool processes) and Meilisearch used until all rows were searchable; divided by the
cores this process may use, the least wall time any schedule of that work needs.

Each run is a fresh child (its own database, Meilisearch and file); this shared 2-core
machine varies by ±1.5 s within an hour, so the verdict is on the median of the runs
(3 by default), and every run's figures are printed beside it.

Run: python -m benchmarks.bench_import [--rows 20000] [--runs 3]
     python -m benchmarks.bench_import --smoke    (CI: one run of 300 rows, figures only)
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCE = "bench-synthetic"


SMOKE = {"rows": 300, "runs": 1}


def main(rows: int = 20_000, runs: int = 3, *, smoke: bool = False) -> int:
    from search.server import free_port

    if smoke:
        print("smoke mode: small sizes, no targets judged", flush=True)
        rows, runs = SMOKE["rows"], SMOKE["runs"]
    results = []
    for run in range(1, runs + 1):
        print(f"--- run {run} of {runs}", flush=True)
        with tempfile.TemporaryDirectory(prefix="lotse-bench-import-") as var:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("MEILISEARCH_", "DATABASE_URL", "LOTSE_", "DJANGO_"))}
            env.update({"LOTSE_VAR_DIR": var, "MEILISEARCH_INDEX": "bench_import", "DJANGO_SETTINGS_MODULE": "lotse.settings",
                        "MEILISEARCH_PORT": str(free_port())})
            child = subprocess.run([sys.executable, "-m", "benchmarks.bench_import", "--child", str(rows)], cwd=REPO, env=env,
                                   stdout=subprocess.PIPE, text=True, check=False)
        for line in child.stdout.splitlines():
            if line.startswith(RESULT):
                results.append(json.loads(line[len(RESULT):]))
            else:
                print(line, flush=True)
        if child.returncode != 0 or len(results) < run:
            print(f"run {run} failed (exit status {child.returncode})")
            return 2
    return _summary(rows, results, judge=not smoke)


RESULT = "BENCH_IMPORT "
MEASURES = [  # key, label, target (None: none), format
    ("dry", "dry run, median of 3 (s)", None, "{:.2f}"),
    ("dry_rows", "dry run rows/s", None, "{:,.0f}"),
    ("applied", "real import incl. index push (s)", None, "{:.2f}"),
    ("applied_rows", "real import rows/s", None, "{:,.0f}"),
    ("searchable", "until all rows searchable (s)", "<= 15", "{:.2f}"),
    ("unchanged", "re-import unchanged (s)", "<= 5", "{:.2f}"),
    ("writes", "re-import unchanged: contact writes", "0", "{:.0f}"),
    ("indexing", "floor: Meilisearch alone indexing them (s)", None, "{:.2f}"),
    ("cpu_import", "CPU until searchable: importer (s)", None, "{:.1f}"),
    ("cpu_meili", "CPU until searchable: Meilisearch (s)", None, "{:.1f}"),
    ("cpu_floor", "floor: that CPU spread on all cores (s)", None, "{:.2f}"),
]


def _summary(rows: int, results: list[dict], *, judge: bool = True) -> int:
    print(f"\nImport benchmark: {rows:,} synthetic rows, {len(results)} runs, each in a fresh database and Meilisearch")
    print(f"{'measure':<40}{'median':>10}{'min':>10}{'max':>10}{'target':>9}   runs")
    for key, label, target, fmt in MEASURES:
        values = [r[key] for r in results]
        cells = "".join(f"{fmt.format(v):>10}" for v in (statistics.median(values), min(values), max(values)))
        print(f"{label:<40}{cells}{target or '':>9}   {', '.join(fmt.format(v) for v in values)}")
    if not judge:
        return 0
    searchable = statistics.median(r["searchable"] for r in results)
    ok = searchable <= 15 and all(r["unchanged"] <= 5 and r["writes"] == 0 for r in results)
    print(f"runs with all rows searchable within 15 s: {sum(r['searchable'] <= 15 for r in results)} of {len(results)}")
    floor = statistics.median(max(r["indexing"], r["cpu_floor"]) for r in results)
    print(f"issue 21 asks for searchable within 5 s: median {searchable:.2f} s; this machine's floor {floor:.2f} s "
          f"(Meilisearch alone indexing the documents, or the import's CPU on {_cores()} cores, whichever is longer)")
    print("PASS (median until searchable <= 15 s; every unchanged re-import <= 5 s with 0 writes)" if ok else "FAIL: a target was missed")
    return 0 if ok else 1


class _Watcher(threading.Thread):
    """Polls the index's document count on its own connection until it reaches `rows`."""

    def __init__(self, uid: str, rows: int, t0: float, meili_pid: int):
        super().__init__(daemon=True)
        self.uid, self.rows, self.t0, self.meili_pid = uid, rows, t0, meili_pid
        self.searchable: float | None = None
        self.cpu: tuple[float, float] | None = None  # this process's and Meilisearch's CPU then

    def run(self) -> None:
        import requests
        from django.conf import settings

        from search import credentials

        session = requests.Session()
        headers = {"Authorization": f"Bearer {credentials.admin_key()}"}
        url = f"{settings.MEILISEARCH_URL}/indexes/{self.uid}/stats"
        while time.perf_counter() - self.t0 < 120:
            response = session.get(url, headers=headers, timeout=5)
            if response.ok and response.json()["numberOfDocuments"] >= self.rows:
                self.searchable = time.perf_counter() - self.t0
                self.cpu = _cpu_seconds(), _cpu_seconds(self.meili_pid)
                return
            time.sleep(0.025)


def _cores() -> int:
    """The cores this process may use (a container's or taskset's limit, not the host's)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU of a process (/proc/<pid>/stat), or of this one and its reaped children."""
    if pid is None:
        import resource

        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _indexing_alone(uid: str) -> float:
    """Seconds until Meilisearch holds the index's documents in a new index of the same
    settings, sent in the push's batches one after the other without waiting (as
    search/sync.py does) while nothing else runs."""
    from search import client
    from search.documents import documents
    from search.sync import BATCH, ensure_index

    docs = [doc for chunk in documents() for doc in chunk]
    alone = f"{uid}_alone"
    ensure_index(alone)
    t0 = time.perf_counter()
    tasks = [client.documents_send(alone, docs[start : start + BATCH]) for start in range(0, len(docs), BATCH)]
    for task in tasks:
        client.wait_for_task(task, timeout=120)
    return time.perf_counter() - t0


def _child(rows: int) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from benchmarks.synthetic import synthetic_csv
    from directory.models import Contact
    from directory.reference import reference_load
    from importers.services import import_run
    from search import client, credentials
    from search.server import ManagedMeilisearch

    assert settings.MEILISEARCH_MANAGED and str(settings.VAR_DIR).startswith(tempfile.gettempdir()), "throwaway only"
    key = secrets.token_urlsafe(32)
    meili = ManagedMeilisearch(directory=settings.MEILISEARCH_DIR, port=settings.MEILISEARCH_PORT, key=key).start()
    credentials.forget()
    try:
        call_command("migrate", interactive=False, verbosity=0, run_syncdb=True)
        reference_load()
        data = synthetic_csv(rows)
        print(f"synthetic file: {rows:,} rows, {len(data) / 1e6:.1f} MB (labelled synthetic, throwaway database)")
        from search.german import _NGRAMS

        # The compound splitter's n-gram table is copied to SQLite once per machine (~20 s,
        # search/german.py); say whether this run paid for it (in the first dry run).
        cache = _NGRAMS.path()
        print(f"compound splitter n-gram copy: {'reused' if cache.exists() else 'built in this run'} ({cache})")

        dry = []
        for _ in range(3):
            t0 = time.perf_counter()
            report = import_run(data=data, filename="synthetic.csv", source_slug=SOURCE, dry_run=True)
            dry.append(time.perf_counter() - t0)
        assert report.ok, [e.message for e in report.errors[:5]]

        uid = settings.MEILISEARCH_INDEX
        t0 = time.perf_counter()
        # "Searchable" is the moment Meilisearch holds all rows, watched from beside the
        # import (every 25 ms): the import itself returns a little later, after clearing its
        # queue rows and recording the run.
        watcher = _Watcher(uid, rows, t0, meili.process.pid)
        cpu0 = _cpu_seconds(), _cpu_seconds(meili.process.pid)
        watcher.start()
        report = import_run(data=data, filename="synthetic.csv", source_slug=SOURCE, dry_run=False)
        applied = time.perf_counter() - t0  # includes the after-commit index push
        assert report.applied and report.counts["created"] == rows, report.counts
        watcher.join(120)
        if watcher.searchable is None:
            raise SystemExit("not searchable after 120 s")
        searchable = watcher.searchable
        # CPU until searchable (the watcher's polling, every 25 ms, is in it: ~1 %)
        cpu_import, cpu_meili = watcher.cpu[0] - cpu0[0], watcher.cpu[1] - cpu0[1]
        assert client.call("GET", f"/indexes/{uid}/stats", admin=True)["numberOfDocuments"] == rows

        stamp = Contact.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
        connection.force_debug_cursor = True
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            again = import_run(data=data, filename="synthetic.csv", source_slug=SOURCE, dry_run=False)
            unchanged = time.perf_counter() - t0
        writes = [q["sql"] for q in queries if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"} and "importers_importrun" not in q["sql"]]
        assert again.counts["unchanged"] == rows, again.counts
        assert Contact.objects.order_by("-updated_at").values_list("updated_at", flat=True).first() == stamp

        indexing = _indexing_alone(uid)
        print(f"  dry run (median of 3) {statistics.median(dry):.2f} s, real import {applied:.2f} s, all rows searchable after "
              f"{searchable:.2f} s, unchanged re-import {unchanged:.2f} s with {len(writes)} writes; Meilisearch alone indexes "
              f"them in {indexing:.2f} s; CPU importer {cpu_import:.1f} s + Meilisearch {cpu_meili:.1f} s", flush=True)
        print(RESULT + json.dumps({
            "dry": statistics.median(dry), "dry_rows": rows / statistics.median(dry), "applied": applied, "applied_rows": rows / applied,
            "searchable": searchable, "unchanged": unchanged, "writes": len(writes), "indexing": indexing,
            "cpu_import": cpu_import, "cpu_meili": cpu_meili, "cpu_floor": (cpu_import + cpu_meili) / _cores(),
        }), flush=True)
        return 0
    finally:
        meili.stop()


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        raise SystemExit(_child(int(sys.argv[2])))
    count = int(sys.argv[sys.argv.index("--rows") + 1]) if "--rows" in sys.argv else 20_000
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 3
    raise SystemExit(main(count, runs, smoke="--smoke" in sys.argv))
