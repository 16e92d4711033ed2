"""How search cost grows with the directory: 20,000 → 1,000,000 synthetic contacts.

Run once by hand with `python -m benchmarks.bench_scale --full` (20k → 1M; it takes many
minutes); its figures are in docs/scaling.md. `make bench` runs the short version (20k and
50k). It needs no database rows: documents in the
exact shape of search/documents.py are built from synthetic rows (benchmarks/synthetic.py,
names marked "(synthetisch)") and added to a throwaway Meilisearch in steps; at each step
it measures the indexing time of that step, Meilisearch's RSS (peak while indexing, and
while serving), the disk size, and the latency of the multi-search that /api/v1/search/
sends (search/engine.py: meili_request) for varied queries, over one kept-alive
connection without gzip (MEILISEARCH.md §5).

`--smoke` (CI) indexes 2,000 and 4,000 contacts and runs 20 queries per size, figures only.

Bounded: LOTSE_SCALE_SIZES (--full: 20000,100000,250000,500000,1000000; else 20000,50000)
and LOTSE_SCALE_BUDGET seconds (--full: 1500, else 300): a step that would start after the budget is
spent is not run, and the table says which sizes were measured.
"""

from __future__ import annotations

import io
import os
import shutil
import statistics
from datetime import datetime
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lotse.settings")

QUERIES = 300
WARMUP = 30
BATCH = 10_000


def _setup_django(var_dir: Path) -> None:
    os.environ["LOTSE_VAR_DIR"] = str(var_dir)
    os.environ["MEILISEARCH_URL"] = "http://127.0.0.1:9"  # replaced below by our own server
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    call_command("load_reference", verbosity=0, stdout=io.StringIO())


def _documents(start: int, count: int) -> list[dict]:
    from benchmarks.synthetic import geography, synthetic_rows, taxonomies
    from directory.text import german_fold
    from search.german import folded_text
    import json

    geo = geography()
    labels = {}
    for group in json.loads((Path(__file__).resolve().parent.parent / "fixtures/reference/taxonomies.json").read_text()).values():
        labels.update({item["slug"]: (item["name_de"], item["name_en"]) for item in group})
    points = {code: (lat, lng) for code, _, _, lat, lng in geo.postcodes}
    docs = []
    for n, row in enumerate(synthetic_rows(count, seed=start, start=start), start=start):
        split = lambda value: [v.strip() for v in value.split(";") if v.strip()]  # noqa: E731
        kinds, incidents = split(row["kinds"]), split(row["incident_types"])
        districts = split(row["districts"])
        states = sorted({geo.state_by_district[a] for a in districts}) if districts else split(row["states"])
        lat, lng = points.get(row["postcode"], (None, None)) if row["scope"] in ("district", "local") else (None, None)
        flag = {"ja": True, "nein": False, "": None}
        docs.append({
            "id": n, "uuid": f"00000000-0000-0000-0000-{n:012d}", "slug": f"synthetisch-{n}",
            "name": row["name"], "name_sort": german_fold(row["name"]).lower(), "organisation": row["organisation"],
            "kinds": kinds, "kind_labels": [labels[k][0] for k in kinds] + [labels[k][1] for k in kinds],
            "incident_types": incidents,
            "incident_labels": [labels[i][0] for i in incidents] + [labels[i][1] for i in incidents],
            "target_groups": split(row["target_groups"]), "channels": split(row["channels"]),
            "scope": row["scope"], "states": states, "districts": districts, "street": row["street"],
            "postcode": row["postcode"], "town": row["town"], "location_district": districts[0] if districts else None,
            "lat": lat, "lng": lng, "_geo": {"lat": lat, "lng": lng} if lat is not None else None,
            "phones": [{"label": "", "number": "+4930" + row["phone"][4:].replace(" ", ""), "display": row["phone"]}],
            "email": row["email"], "website": row["website"], "online_report_url": "", "opening_hours": row["opening_hours"],
            "open_24_7": row["open_24_7"] == "ja", "languages": split(row["languages"]),
            "barrier_free": flag[row["barrier_free"]], "anonymous": flag[row["anonymous"]],
            "free_of_charge": flag[row["free_of_charge"]], "source_url": "", "last_verified": None,
            "updated_at": "2026-01-01T00:00:00+00:00", "description_de": row["description_de"],
            "description_en": row["description_en"],
            "search_folded": folded_text(row["name"], row["organisation"], row["street"], row["town"], row["description_de"],
                                         " ".join(labels[k][0] for k in kinds), " ".join(labels[i][0] for i in incidents)),
        })
    return docs


class RssSampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def rss(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def run(self):
        while self.running:
            self.peak = max(self.peak, self.rss())
            time.sleep(0.1)


def _busy_seconds(session, url: str, uids: list[int]) -> float:
    """Meilisearch's own indexing time for these tasks: the union of their started→finished
    intervals (generating the documents in Python overlaps with it and is not counted)."""
    intervals = []
    for uid in uids:
        task = session.get(f"{url}/tasks/{uid}", timeout=30).json()
        intervals.append((_when(task["startedAt"]), _when(task["finishedAt"])))
    busy, end = 0.0, None
    for start, finish in sorted(intervals):
        if end is None or start > end:
            busy += finish - start
            end = finish
        elif finish > end:
            busy += finish - end
            end = finish
    return busy


def _when(stamp: str) -> float:
    # RFC 3339 with nanoseconds; Python takes at most microseconds.
    head, _, frac = stamp.rstrip("Z").partition(".")
    return datetime.fromisoformat(head).timestamp() + float("0." + (frac or "0"))


def _du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


FULL = "20000,100000,250000,500000,1000000"
SHORT = "20000,50000"


SMOKE = "2000,4000"


def main(full: bool = False, *, smoke: bool = False) -> int:
    """Run the measurement in a child process with a clean environment (own var dir)."""
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEILISEARCH_", "DATABASE_URL", "LOTSE_", "DJANGO_"))}
    if smoke:
        print("smoke mode: small sizes, no targets judged", flush=True)
        env.update(LOG_LEVEL="WARNING", LOTSE_SCALE_SIZES=SMOKE, LOTSE_SCALE_BUDGET="60", LOTSE_SCALE_QUERIES="20")
    else:
        env.update(LOG_LEVEL="WARNING", LOTSE_SCALE_SIZES=os.environ.get("LOTSE_SCALE_SIZES", FULL if full else SHORT),
                   LOTSE_SCALE_BUDGET=os.environ.get("LOTSE_SCALE_BUDGET", "1500" if full else "300"))
    return subprocess.call([sys.executable, "-m", "benchmarks.bench_scale", "--child"], cwd=Path(__file__).resolve().parent.parent, env=env)


def child() -> None:
    sizes = [int(s) for s in os.environ["LOTSE_SCALE_SIZES"].split(",")]
    budget = float(os.environ["LOTSE_SCALE_BUDGET"])
    queries = int(os.environ.get("LOTSE_SCALE_QUERIES", QUERIES))
    warmup = min(WARMUP, queries // 4)
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="lotse-bench-scale-"))
    _setup_django(work / "var")
    from django.conf import settings

    from benchmarks.queries import search_params
    from search import credentials
    from search.engine import meili_request
    from search.index import index_settings
    from search.query import parse_query
    from search.server import ManagedMeilisearch, free_port

    server = ManagedMeilisearch(directory=work / "meilisearch", port=free_port()).start()
    settings.MEILISEARCH_URL, settings.MEILISEARCH_INDEX = server.url, "scale"
    credentials.forget()
    session = requests.Session()
    session.headers.update({"Accept-Encoding": "identity", "Authorization": f"Bearer {server.keys['admin']}"})
    search_session = requests.Session()
    search_session.headers.update({"Accept-Encoding": "identity", "Authorization": f"Bearer {server.keys['search']}"})
    bodies = [meili_request(parse_query(p)) for p in search_params(queries + warmup)]

    def wait(uid: int) -> None:
        while True:
            task = session.get(f"{server.url}/tasks/{uid}", timeout=30).json()
            if task["status"] == "succeeded":
                return
            if task["status"] in ("failed", "canceled"):
                raise RuntimeError(f"task {uid} {task['status']}: {task.get('error')}")
            time.sleep(0.05)

    wait(session.post(f"{server.url}/indexes", json={"uid": "scale", "primaryKey": "id"}, timeout=30).json()["taskUid"])
    wait(session.patch(f"{server.url}/indexes/scale/settings", json=index_settings(), timeout=30).json()["taskUid"])

    rows, have, total_index = [], 0, 0.0
    try:
        for size in sizes:
            elapsed = time.monotonic() - started
            if elapsed > budget:
                print(f"budget of {budget:.0f} s spent after {elapsed:.0f} s: stopping before {size:,}", flush=True)
                break
            sampler = RssSampler(server.process.pid)
            sampler.start()
            step_started, tasks = time.monotonic(), []
            for start in range(have + 1, size + 1, BATCH):
                docs = _documents(start, min(BATCH, size + 1 - start))
                tasks.append(session.post(f"{server.url}/indexes/scale/documents", json=docs, timeout=120).json()["taskUid"])
            for uid in tasks:
                wait(uid)
            wall = time.monotonic() - step_started
            step = _busy_seconds(session, server.url, tasks)
            sampler.running = False
            sampler.join()
            total_index += step
            have = size
            latencies, server_ms = [], []
            for n, body in enumerate(bodies):
                t = time.perf_counter()
                response = search_session.post(f"{server.url}/multi-search", json=body, timeout=30)
                took = (time.perf_counter() - t) * 1000
                response.raise_for_status()
                if n >= warmup:
                    latencies.append(took)
                    server_ms.append(sum(r.get("processingTimeMs", 0) for r in response.json()["results"]))
            rows.append({
                "contacts": size, "step_s": step, "wall_s": wall, "index_s": total_index, "peak_mb": sampler.peak / 2**20,
                "serving_mb": sampler.rss() / 2**20, "disk_mb": _du(work / "meilisearch" / "data.ms") / 2**20,
                "p50": statistics.median(latencies), "p95": _pct(latencies, 95), "p99": _pct(latencies, 99),
                "server_p50": statistics.median(server_ms),
            })
            r = rows[-1]
            print(f"{size:>9,} contacts: indexing {r['step_s']:.1f} s (wall {r['wall_s']:.1f} s), peak RSS {r['peak_mb']:.0f} MB, "
                  f"serving {r['serving_mb']:.0f} MB, disk {r['disk_mb']:.0f} MB, p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms",
                  flush=True)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)  # gigabytes at 1M: never leave them behind

    print()
    print(f"Search cost by directory size (Meilisearch 1.21, --max-indexing-memory 1GiB, {os.cpu_count()} cores, "
          f"{queries} varied /api/v1/search/ multi-searches per size)")
    print("| contacts | indexing this step s | indexing total s | peak RSS MB | RSS serving MB | disk MB "
          "| query p50 ms | p95 ms | p99 ms | server time p50 ms |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['contacts']:,} | {r['step_s']:.1f} | {r['index_s']:.1f} | {r['peak_mb']:.0f} | {r['serving_mb']:.0f} "
              f"| {r['disk_mb']:.0f} | {r['p50']:.2f} | {r['p95']:.2f} | {r['p99']:.2f} | {r['server_p50']:.1f} |")
    if rows and len(rows) > 1:
        first, last = rows[0], rows[-1]
        print(f"\n×{last['contacts'] / first['contacts']:.0f} contacts: p95 ×{last['p95'] / first['p95']:.1f}, "
              f"serving RSS ×{last['serving_mb'] / first['serving_mb']:.1f}, disk ×{last['disk_mb'] / first['disk_mb']:.1f}")


if __name__ == "__main__":
    if "--child" in sys.argv:
        child()
    else:
        sys.exit(main(full="--full" in sys.argv, smoke="--smoke" in sys.argv))
