"""Search benchmark (issue 5): GET /api/v1/search/ beside the raw Meilisearch query.

A child process with a throwaway var dir (own SQLite file) and its own Meilisearch on a
free port loads 20,000 synthetic contacts (labelled "(synthetisch)", benchmarks/synthetic.py)
over real districts through the real importer, never mixed with demo data. Then, in one
run and interleaved, for the same mix of requests (near postcode / town / point, district,
state, q, incident and kind filters, flags, pages):

    api        GET /api/v1/search/ through Django's full handler (test client, in process),
               as in production: groups another search already asked for come from the
               per-process result cache (search/cache.py)
    api-cold   the same with the result cache off (SEARCH_CACHE_MB=0): every group asked
               of Meilisearch, what a search no one made before costs
    raw        the multi-search body of a search nobody made before (search/engine.py
               meili_request: the one query, plus the later groups' page queries) POSTed
               straight to Meilisearch (kept-alive requests.Session, Accept-Encoding: identity)
    client     the same body through the official meilisearch client's multi_search: the
               figure that decides whether searches may use it (search/client.py)
    one        only the body's first query (first group's page, every group's total, the
               facets): the least any plan that answers with facets asks of Meilisearch,
               the floor of api-cold on this machine (issue 21)
    database   the degraded path (DatabaseExecutor) for the same queries, as a baseline

prints p50/p95/p99, the api/raw and api-cold/raw ratios and the cache's hit rate.
Targets: ratio ≤ 1.5, api p95 ≤ 20 ms.

Run: python -m benchmarks.bench_search [--rows 20000] [--requests 600]
     python -m benchmarks.bench_search --smoke    (CI: 300 rows, 30 requests, figures only)
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


SMOKE = {"rows": 300, "requests_": 30}


def main(rows: int = 20_000, requests_: int = 600, *, smoke: bool = False) -> int:
    if smoke:
        print("smoke mode: small sizes, no targets judged", flush=True)
        rows, requests_ = SMOKE["rows"], SMOKE["requests_"]
    with tempfile.TemporaryDirectory(prefix="lotse-bench-search-") as var:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MEILISEARCH_", "DATABASE_URL", "LOTSE_", "DJANGO_"))}
        # API throttling off: every in-process request comes from one client (the test client).
        env.update({"LOTSE_VAR_DIR": var, "MEILISEARCH_INDEX": "bench_search", "DJANGO_SETTINGS_MODULE": "lotse.settings",
                    "DEBUG": "0", "LOG_LEVEL": "WARNING", "API_THROTTLE_READ": ""})
        from search.server import free_port

        env["MEILISEARCH_PORT"] = str(free_port())
        return subprocess.call([sys.executable, "-m", "benchmarks.bench_search", "--child", str(rows), str(requests_)],
                               cwd=REPO, env=env)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def request_mix(count: int, seed: int = 5) -> list[dict[str, str]]:
    from benchmarks.synthetic import geography, taxonomies

    rng = random.Random(seed)
    geo, tax = geography(), taxonomies()
    mix = []
    for n in range(count):
        code, ags, town, lat, lng = rng.choice(geo.postcodes)
        kind = n % 8
        if kind == 0:
            params = {"near": code}
        elif kind == 1:
            params = {"near": code, "incident": rng.choice(tax["incident_types"])}
        elif kind == 2:
            params = {"district": ags, "kind": rng.choice(tax["contact_kinds"])}
        elif kind == 3:
            params = {"state": geo.state_by_district[ags]}
        elif kind == 4:
            params = {"q": rng.choice(["Opferberatung", "Beratung", "Polizei", "Bedrohng", "Weisser Ring"])}
        elif kind == 5:
            params = {"near": f"{lat:.4f},{lng:.4f}", "radius": "25"}
        elif kind == 6:
            params = {"near": code, "q": "Beratung", "free": "1"}
        else:
            params = {"state": geo.state_by_district[ags], "incident": "threat", "page": "2"}
        mix.append(params)
    return mix


def _child(rows: int, count: int) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.http import QueryDict
    from django.test import Client

    from benchmarks.synthetic import SOURCE, synthetic_csv
    from importers.services import import_run
    from search import cache as result_cache, credentials, engine
    from search.engine import DatabaseExecutor, meili_request
    from search.indexing import index_status
    from search.query import parse_query
    from search.server import ManagedMeilisearch

    server = ManagedMeilisearch(directory=Path(settings.VAR_DIR) / "meilisearch", port=settings.MEILISEARCH_PORT).start()
    try:
        settings.MEILISEARCH_API_KEY, settings.MEILISEARCH_ADMIN_KEY = server.keys["search"], server.keys["admin"]
        settings.MEILISEARCH_MANAGED = False
        settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1"]
        credentials.forget()
        call_command("migrate", verbosity=0)
        call_command("load_reference", verbosity=0, stdout=open(os.devnull, "w"))
        started = time.perf_counter()
        import_run(data=synthetic_csv(rows), filename="synthetic.csv", source_slug=SOURCE, dry_run=False, user=None)
        call_command("search_index", "sync", stdout=open(os.devnull, "w"))
        status = index_status()
        print(f"{status.indexed} synthetic contacts imported and indexed in {time.perf_counter() - started:.1f} s "
              f"(index in sync: {status.in_sync})")

        mix = request_mix(count)
        queries = [_parse(parse_query, params) for params in mix]
        bodies = [meili_request(q) for q in queries]
        web = Client()
        import requests

        session = requests.Session()  # kept alive, Accept-Encoding: identity (MEILISEARCH.md §5)
        session.headers.update({"Accept-Encoding": "identity", "Content-Type": "application/json"})
        url = settings.MEILISEARCH_URL + "/multi-search"
        headers = {"Authorization": f"Bearer {settings.MEILISEARCH_API_KEY}"}
        import json as _json

        def api(i):
            response = web.get("/api/v1/search/", mix[i])
            assert response.status_code == 200, response.content[:300]
            assert b'"degraded":false' in response.content

        cache_mb = settings.SEARCH_CACHE_MB

        def api_cold(i):
            settings.SEARCH_CACHE_MB = 0
            try:
                api(i)
            finally:
                settings.SEARCH_CACHE_MB = cache_mb

        def raw(i):
            response = session.post(url, data=_json.dumps(bodies[i]).encode(), headers=headers, timeout=5)
            assert response.status_code == 200
            response.json()

        import meilisearch

        official = meilisearch.Client(settings.MEILISEARCH_URL, settings.MEILISEARCH_API_KEY,
                                      custom_headers={"Accept-Encoding": "identity"})

        def one(i):
            response = session.post(url, data=_json.dumps({"queries": bodies[i]["queries"][:1]}).encode(), headers=headers,
                                    timeout=5)
            assert response.status_code == 200
            response.json()

        def official_client(i):
            official.multi_search(bodies[i]["queries"])

        def database(i):
            DatabaseExecutor().run(queries[i])

        for i in range(min(50, count // 3)):  # warm up connections and the gazetteer
            api_cold(i), raw(i)
        result_cache.results().clear()  # the measured run starts with an empty cache
        timings = {"api": [], "api-cold": [], "raw": [], "client": [], "one": [], "database": []}
        paths = [("api", api), ("api-cold", api_cold), ("raw", raw), ("client", official_client), ("one", one)]
        for i in range(count):
            order = paths[i % len(paths):] + paths[:i % len(paths)]
            for name, fn in order:
                t = time.perf_counter()
                fn(i)
                timings[name].append((time.perf_counter() - t) * 1000)
        for i in range(min(count // 3, 150)):
            t = time.perf_counter()
            database(i)
            timings["database"].append((time.perf_counter() - t) * 1000)

        print(f"\nsearch over {status.indexed} contacts, {count} requests (database: {len(timings['database'])})")
        print(f"{'path':<10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
        for name, values in timings.items():
            print(f"{name:<10} {percentile(values, 50):8.2f} {percentile(values, 95):8.2f} {percentile(values, 99):8.2f}")
        print(f"official client/raw: p50 {percentile(timings['client'], 50) / percentile(timings['raw'], 50):.2f}, "
              f"p95 {percentile(timings['client'], 95) / percentile(timings['raw'], 95):.2f}")
        for name in ("api", "api-cold"):
            r50 = percentile(timings[name], 50) / percentile(timings["raw"], 50)
            r95 = percentile(timings[name], 95) / percentile(timings["raw"], 95)
            print(f"ratio {name}/raw: p50 {r50:.2f}, p95 {r95:.2f} (target ≤ 1.5); "
                  f"{name} p95 {percentile(timings[name], 95):.2f} ms (target ≤ 20)")
        print(f"issue 21: api-cold/raw p95 {percentile(timings['api-cold'], 95) / percentile(timings['raw'], 95):.2f} "
              f"(target ≤ 1.1), api-cold p95 {percentile(timings['api-cold'], 95):.2f} ms (target ≤ 5); this machine's "
              f"floor, one query with facets and nothing else: p50 {percentile(timings['one'], 50):.2f}, "
              f"p95 {percentile(timings['one'], 95):.2f} ms")
        store = result_cache.results()
        print(f"result cache (api path): {store.hits / max(1, store.hits + store.misses):.0%} of group queries "
              f"answered from it ({store.hits} of {store.hits + store.misses}), {len(store)} entries, "
              f"{store.size_bytes / 1e6:.1f} MB")
        engine.reset_fallback()
        return 0
    finally:
        server.stop()


def _parse(parse_query, params):
    from django.http import QueryDict

    qd = QueryDict(mutable=True)
    for key, value in params.items():
        qd[key] = value
    return parse_query(qd)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.exit(_child(int(sys.argv[2]), int(sys.argv[3])))
    args = sys.argv[1:]
    rows = int(args[args.index("--rows") + 1]) if "--rows" in args else 20_000
    count = int(args[args.index("--requests") + 1]) if "--requests" in args else 600
    sys.exit(main(rows, count, smoke="--smoke" in args))
