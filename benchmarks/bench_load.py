"""Load test (issue 8): the production server under mixed traffic, on loopback only.

gunicorn with lotse/gunicorn.conf.py (real worker processes, DEBUG=0), the real
Meilisearch, a throwaway var dir with its own SQLite file and 20,000 synthetic contacts
(labelled "(synthetisch)", imported through the real importer; never the demo data).
Traffic, from Debian's `wrk` with a Lua script (benchmarks/load.lua), for 60 s:

    50 %  GET /api/v1/search/ with varied filters (near, radius, district, state, incident, kind, q, flags)
    20 %  GET /search/ result pages with the same kind of filters
    15 %  GET /contacts/<slug>/ contact pages
    15 %  GET /api/v1/contacts/ list calls (state, district, incident)

then a 20 s run of searches only, and a 20 s run of searches only from 4 connections
instead of 32: the latency an official sees while the server is busy but not saturated
(with 32 connections every figure is mostly queueing). Prints requests/s, searches/s,
p50/p95/p99, errors and the worker count. Target on 2 cores: ≥ 500 searches/s, 0 errors, p95 < 50 ms.
API throttling is switched off for the run (one client address sends everything).

Run: python -m benchmarks.bench_load [--rows 20000] [--seconds 60]
     python -m benchmarks.bench_load --smoke    (CI: 200 rows, 2 workers × 2 threads, the mixed and the
                                                searches-only run for 2 s each after 1 s of warm-up, figures only)
Env: LOTSE_BENCH_SWEEP="2x4,4x4" tries worker×thread counts for 15 s each first;
     WEB_CONCURRENCY / WEB_THREADS set the counts of the main run (else gunicorn.conf.py's).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "load.lua"
CONNECTIONS = 32
WRK_THREADS = 2


SMOKE = {"rows": 200, "seconds": 2}


def main(rows: int = 20_000, seconds: int = 60, *, smoke: bool = False) -> int:
    if smoke:
        print("smoke mode: small sizes, no targets judged", flush=True)
        rows, seconds = SMOKE["rows"], SMOKE["seconds"]
    if shutil.which("wrk") is None:
        print("wrk is not installed: `apt-get install -y wrk` (make bench installs it)")
        return 1
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEILISEARCH_", "DATABASE_URL", "LOTSE_", "DJANGO_"))}
    env.update(DJANGO_SETTINGS_MODULE="lotse.settings", LOG_LEVEL="WARNING")
    if os.environ.get("LOTSE_BENCH_SWEEP"):
        env["LOTSE_BENCH_SWEEP"] = os.environ["LOTSE_BENCH_SWEEP"]
    with tempfile.TemporaryDirectory(prefix="lotse-bench-load-") as work:
        env["LOTSE_VAR_DIR"] = str(Path(work) / "launcher")
        return subprocess.call([sys.executable, "-m", "benchmarks.bench_load", "--child", work, str(rows), str(seconds),
                                *(["--smoke"] if smoke else [])], cwd=REPO, env=env)


def _mix(slugs: list[str], count: int, *, searches_only: bool = False, seed: int = 11) -> list[str]:
    from benchmarks.queries import search_params
    from benchmarks.synthetic import geography, taxonomies

    rng = random.Random(seed)
    geo, tax = geography(), taxonomies()
    params = search_params(count, seed=seed)
    paths = []
    for n in range(count):
        roll = 0.0 if searches_only else rng.random()
        if roll < 0.50:
            paths.append("/api/v1/search/?" + urlencode(params[n]))
        elif roll < 0.70:
            paths.append("/search/?" + urlencode(params[n]))
        elif roll < 0.85:
            paths.append(f"/contacts/{rng.choice(slugs)}/")
        else:
            code, ags, _, _, _ = rng.choice(geo.postcodes)
            choice = rng.choice([{"state": geo.state_by_district[ags]}, {"district": ags},
                                 {"state": geo.state_by_district[ags], "incident": rng.choice(tax["incident_types"])}])
            paths.append("/api/v1/contacts/?" + urlencode(choice))
    return paths


def _wrk(url: str, paths_file: Path, seconds: int, connections: int = CONNECTIONS) -> dict:
    result = subprocess.run(
        ["wrk", "-t", str(min(WRK_THREADS, connections)), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s",
         "-s", str(LUA), url],
        env={**os.environ, "LOTSE_PATHS": str(paths_file)}, capture_output=True, text=True, timeout=seconds + 60,
    )
    line = next((l for l in result.stdout.splitlines() if l.startswith("LOTSE_RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result:\n{result.stdout}\n{result.stderr}")
    return json.loads(line.split(" ", 1)[1])


def _row(name: str, r: dict, workers: int, threads: int, search_share: float, connections: int) -> str:
    errors = r["errors"]["connect"] + r["errors"]["read"] + r["errors"]["write"] + r["errors"]["timeout"] + r["non_2xx"]
    rps = r["requests"] / r["seconds"]
    return (f"| {name} | {workers}×{threads} | {connections} | {r['seconds']:.0f} | {r['requests']:,} | {rps:,.0f} | {rps * search_share:,.0f} "
            f"| {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {errors} | {r['degraded']} "
            f"| {r['web_cpu_ms']:.1f} | {r['meili_cpu_ms']:.1f} |")


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (/proc/<pid>/stat, clock ticks)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return ticks / os.sysconf("SC_CLK_TCK")


def child(work: Path, rows: int, seconds: int, *, smoke: bool = False) -> int:
    import django

    django.setup()
    import requests

    from benchmarks.site import Site
    from benchmarks.synthetic import SOURCE, synthetic_csv
    from search.server import ManagedMeilisearch, free_port

    # Meilisearch's data and keys live outside the site's var dir: the web workers must not
    # find an admin key in var/meilisearch/keys.json.
    meili = ManagedMeilisearch(directory=work / "meilisearch", port=free_port()).start()
    site = Site(var_dir=work / "var", meilisearch_url=meili.url, search_key=meili.keys["search"],
                admin_key=meili.keys["admin"], index="bench_load", extra_env={"API_THROTTLE_READ": ""})
    try:
        started = time.monotonic()
        site.prepare()
        csv_path = work / "synthetic.csv"
        csv_path.write_bytes(synthetic_csv(rows))
        t = time.monotonic()
        site.manage("import_contacts", str(csv_path), "--source", SOURCE)
        site.manage("search_index", "sync")
        print(f"set-up: {rows:,} synthetic contacts imported and indexed in {time.monotonic() - t:.0f} s "
              f"(whole set-up {time.monotonic() - started:.0f} s)", flush=True)

        sweep = [tuple(int(x) for x in item.split("x")) for item in os.environ.get("LOTSE_BENCH_SWEEP", "").split(",") if item]
        table = []

        def run(name, workers, threads, paths, duration, share, connections=CONNECTIONS):
            site.start(workers=workers, threads=threads, port=free_port())
            try:
                actual = len(site.worker_pids())
                if not slugs:
                    body = requests.get(site.url + "/api/v1/contacts/", params={"per_page": 100}, timeout=30).json()
                    slugs.extend(item["slug"] for item in body["results"])
                paths_file = work / f"paths-{name}.txt"
                paths_file.write_text("\n".join(paths(slugs)) + "\n")
                # Warm the workers (imports, connections) before measuring.
                _wrk(site.url, paths_file, 1 if smoke else 3)
                log = site.var_dir / "gunicorn.log"
                offset = log.stat().st_size
                workers_pids = site.worker_pids()
                cpu_before = _cpu_seconds(workers_pids), _cpu_seconds([meili.process.pid])
                result = _wrk(site.url, paths_file, duration, connections)
                cpu_after = _cpu_seconds(workers_pids), _cpu_seconds([meili.process.pid])
                result["web_cpu_ms"] = (cpu_after[0] - cpu_before[0]) * 1000 / max(1, result["requests"])
                result["meili_cpu_ms"] = (cpu_after[1] - cpu_before[1]) * 1000 / max(1, result["requests"])
                with open(log, "rb") as f:
                    f.seek(offset)
                    # Searches Meilisearch did not answer in time went to the database.
                    result["degraded"] = f.read().count(b"answered from the database (degraded)")
                table.append(_row(name, result, actual, threads, share, connections))
                print(table[-1], flush=True)
                return result
            finally:
                site.stop()

        slugs: list[str] = []
        count = 500 if smoke else 5000
        mixed = lambda s: _mix(s, count)  # noqa: E731
        searches = lambda s: _mix(s, count, searches_only=True)  # noqa: E731
        for workers, threads in sweep:
            run(f"sweep mixed {workers}x{threads}", workers, threads, mixed, 15, 0.5)
        workers = int(os.environ.get("WEB_CONCURRENCY", "0")) or (2 if smoke else _conf("workers"))
        threads = int(os.environ.get("WEB_THREADS", "0")) or (2 if smoke else _conf("threads"))
        run("mixed traffic", workers, threads, mixed, seconds, 0.5)
        only = run("searches only", workers, threads, searches, min(20, seconds), 1.0)
        if not smoke:
            run("searches only, light load", workers, threads, searches, min(20, seconds), 1.0, connections=4)
    finally:
        site.stop()
        meili.stop()
    print()
    print(f"Load test: gunicorn gthread (lotse/gunicorn.conf.py) + Meilisearch 1.21 on {os.cpu_count()} cores, "
          f"{rows:,} synthetic contacts, wrk -t{WRK_THREADS} -c{CONNECTIONS}, loopback")
    print("| run | workers×threads | connections | s | requests | requests/s | searches/s | p50 ms | p95 ms | p99 ms | errors "
          "| degraded | web CPU ms/request | Meilisearch CPU ms/request |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for line in table:
        print(line)
    print("target: ≥ 500 searches/s, 0 errors, p95 < 50 ms (mixed traffic: half the requests are searches)")
    print(f"CPU per request: the web workers' and Meilisearch's user+system time over the run / requests; "
          f"{os.cpu_count()} cores give {os.cpu_count() * 1000} CPU ms per second to share (wrk included)")
    print(_ceiling(only["web_cpu_ms"], only["meili_cpu_ms"], os.cpu_count() or 1))
    return 0


def _ceiling(web_ms: float, meili_ms: float, cores: int, target: int = 500) -> str:
    """What the measured CPU per search allows on this machine, whatever the concurrency."""
    per_search = web_ms + meili_ms
    return (f"CPU ceiling (searches only): {web_ms:.1f} ms web + {meili_ms:.1f} ms Meilisearch = {per_search:.1f} CPU ms "
            f"per search; {cores} cores allow at most {cores * 1000 / per_search:,.0f} searches/s even if wrk took no CPU; "
            f"{target} searches/s would need {per_search * target / 1000:.1f} cores "
            f"(Meilisearch alone {meili_ms * target / 1000:.1f})")


def _conf(name: str) -> int:
    namespace: dict = {}
    clean = {k: v for k, v in os.environ.items()}
    for key in ("WEB_CONCURRENCY", "WEB_THREADS"):
        os.environ.pop(key, None)
    try:
        exec((REPO / "lotse" / "gunicorn.conf.py").read_text(), namespace)
    finally:
        os.environ.update(clean)
    return int(namespace[name])


if __name__ == "__main__":
    if "--child" in sys.argv:
        _, _, work, rows, seconds, *flags = sys.argv
        sys.exit(child(Path(work), int(rows), int(seconds), smoke="--smoke" in flags))
    args = [a for a in sys.argv[1:] if a != "--smoke"]
    options = dict(zip(args[::2], args[1::2]))
    sys.exit(main(rows=int(options.get("--rows", 20_000)), seconds=int(options.get("--seconds", 60)), smoke="--smoke" in sys.argv))
