"""Import benchmark (issue 4): a synthetic 20,000-row file over real districts.

Runs in a child process with a throwaway var dir (its own SQLite file) and its own
Meilisearch on a free port: never the demo or a developer's database. The rows are
labelled synthetic (benchmarks/synthetic.py). Reports rows/s for the dry run and the real
import, the time until all rows are searchable (target ≤ 15 s), and re-importing the
unchanged file (target: zero writes, ≤ 5 s).

Run: python -m benchmarks.bench_import [--rows 20000]
"""

from __future__ import annotations

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


def main(rows: int = 20_000) -> int:
    with tempfile.TemporaryDirectory(prefix="lotse-bench-import-") as var:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MEILISEARCH_", "DATABASE_URL", "LOTSE_", "DJANGO_"))}
        env.update({"LOTSE_VAR_DIR": var, "MEILISEARCH_INDEX": "bench_import", "DJANGO_SETTINGS_MODULE": "lotse.settings"})
        from search.server import free_port

        env["MEILISEARCH_PORT"] = str(free_port())
        return subprocess.call([sys.executable, "-m", "benchmarks.bench_import", "--child", str(rows)], cwd=REPO, env=env)


class _Watcher(threading.Thread):
    """Polls the index's document count on its own connection until it reaches `rows`."""

    def __init__(self, uid: str, rows: int, t0: float):
        super().__init__(daemon=True)
        self.uid, self.rows, self.t0 = uid, rows, t0
        self.searchable: float | None = None

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
                return
            time.sleep(0.025)


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
        from search.index import _NGRAMS

        # The compound splitter's n-gram table is copied to SQLite once per machine (~20 s,
        # search/index.py); say whether this run paid for it (in the first dry run).
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
        watcher = _Watcher(uid, rows, t0)
        watcher.start()
        report = import_run(data=data, filename="synthetic.csv", source_slug=SOURCE, dry_run=False)
        applied = time.perf_counter() - t0  # includes the after-commit index push
        assert report.applied and report.counts["created"] == rows, report.counts
        watcher.join(120)
        if watcher.searchable is None:
            raise SystemExit("not searchable after 120 s")
        searchable = watcher.searchable
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

        print(f"{'measure':<44}{'value':>12}{'target':>12}")
        print(f"{'dry run, median of 3 (s)':<44}{statistics.median(dry):>12.2f}{'':>12}")
        print(f"{'dry run rows/s (median)':<44}{rows / statistics.median(dry):>12,.0f}{'':>12}")
        print(f"{'real import incl. index push (s)':<44}{applied:>12.2f}{'':>12}")
        print(f"{'real import rows/s':<44}{rows / applied:>12,.0f}{'':>12}")
        print(f"{'until all rows searchable (s)':<44}{searchable:>12.2f}{'<= 15':>12}")
        print(f"{'re-import unchanged (s)':<44}{unchanged:>12.2f}{'<= 5':>12}")
        print(f"{'re-import unchanged: contact writes':<44}{len(writes):>12}{'0':>12}")
        ok = searchable <= 15 and unchanged <= 5 and not writes
        print("PASS" if ok else "FAIL: a target was missed")
        return 0 if ok else 1
    finally:
        meili.stop()


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        raise SystemExit(_child(int(sys.argv[2])))
    count = int(sys.argv[sys.argv.index("--rows") + 1]) if "--rows" in sys.argv else 20_000
    raise SystemExit(main(count))
