"""Page weight (issue 6, DESIGN.md): a result page transfers at most 50 KB over the wire;
a results page with its first steps at most 20 KB (issue 16).

Counts what a first visit downloads: the HTML as GZipMiddleware sends it (the client asks
for gzip) plus our CSS and JS gzip-compressed at level 9, as whitenoise's
CompressedManifestStaticFilesStorage stores them (browsers that take brotli get less).
Nothing else is loaded: no fonts, images or third-party files.

Runs in a child process with a throwaway var dir (its own SQLite file) and its own
Meilisearch on a free port, filled with the demo contacts. The unfiltered search is the
heaviest page: every group full (up to per_page hits each).

Run: python -m benchmarks.bench_page_weight
     python -m benchmarks.bench_page_weight --smoke    (CI: 2 requests per page, figures only)
"""

from __future__ import annotations

import gzip
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_BYTES = 50 * 1024
STEPS_TARGET_BYTES = 20 * 1024  # issue 16: a results page with steps, HTML and assets
PAGES = [
    # (label, path[, target bytes[, extra static files the page loads]])
    ("results with first steps (issue 16)", "/search/?near=99084&incident=threat", STEPS_TARGET_BYTES),
    ("results, general steps (issue 16)", "/search/?near=80331", STEPS_TARGET_BYTES),
    ("guide page, incident + place", "/guide/threat/?near=99084"),
    ("guide page, general", "/guide/"),
    ("evidence log", "/evidence-log/", TARGET_BYTES, ["guidance/evidence-log.js"]),
    ("results, postcode", "/search/?near=99084"),
    ("results, postcode + incident", "/search/?near=80331&incident=threat"),
    ("results, state", "/search/?state=BY"),
    ("results, unfiltered (all groups full)", "/search/"),
    ("results, nothing found", "/search/?near=99084&kind=prosecution"),
    ("results, embed", "/search/?district=16051&embed=1"),
    ("results, 100 per group", "/search/?per_page=100"),
    ("start page", "/"),
    ("state landing page", "/states/nordrhein-westfalen/"),
]
STATIC = ["css/site.css", "js/lotse.js", "favicon.svg"]


def main(*, smoke: bool = False) -> int:
    if smoke:
        print("smoke mode: small sizes, no targets judged", flush=True)
    with tempfile.TemporaryDirectory(prefix="lotse-bench-weight-") as var:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MEILISEARCH_", "DATABASE_URL", "LOTSE_", "DJANGO_"))}
        env.update({"LOTSE_VAR_DIR": var, "MEILISEARCH_INDEX": "bench_weight", "DJANGO_SETTINGS_MODULE": "lotse.settings", "LOG_LEVEL": "WARNING"})
        from search.server import free_port

        env["MEILISEARCH_PORT"] = str(free_port())
        return subprocess.call([sys.executable, "-m", "benchmarks.bench_page_weight", "--child", *(["--smoke"] if smoke else [])],
                               cwd=REPO, env=env)


def _gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def _child(*, smoke: bool = False) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.staticfiles import finders
    from django.core.management import call_command
    from django.test import Client

    from directory.reference import reference_load
    from search import credentials
    from search.server import ManagedMeilisearch
    from search.sync import push_pending

    assert settings.MEILISEARCH_MANAGED and str(settings.VAR_DIR).startswith(tempfile.gettempdir()), "throwaway only"
    key = "k" + secrets.token_urlsafe(32)
    meili = ManagedMeilisearch(directory=settings.MEILISEARCH_DIR, port=settings.MEILISEARCH_PORT, key=key).start()
    credentials.forget()
    try:
        call_command("migrate", interactive=False, verbosity=0)
        reference_load()
        call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))
        call_command("load_guidance", verbosity=0, stdout=open(os.devnull, "w"))
        push_pending(include_not_due=True)
        # The test client's host; not setup_test_environment(), whose instrumented template
        # rendering would distort the timings.
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        # The manifest storage needs collectstatic; the weight of a file does not depend on its name.
        settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

        assets = 0
        print(f"{'asset':<40} {'raw B':>8} {'gzip B':>8}")
        for name in STATIC:
            data = Path(finders.find(name)).read_bytes()
            assets += _gzip_size(data)
            print(f"{name:<40} {len(data):>8} {_gzip_size(data):>8}")

        client = Client(HTTP_ACCEPT_ENCODING="gzip", HTTP_ACCEPT_LANGUAGE="de")
        print(f"\n{'page':<40} {'hits':>5} {'steps':>5} {'HTML B':>8} {'HTML gz':>8} {'+assets':>8} {'ms p50':>7} {'ms p95':>7}  vs target")
        failed = False
        for label, path, *rest in PAGES:
            target = rest[0] if rest else TARGET_BYTES
            extra = sum(_gzip_size(Path(finders.find(name)).read_bytes()) for name in (rest[1] if len(rest) > 1 else []))
            times, response = [], None
            for _ in range(2 if smoke else 20):
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
            assert response.get("Content-Encoding") == "gzip", f"{path}: not compressed"
            compressed = len(response.content)
            html = gzip.decompress(response.content)
            hits = html.count(b'<article class="hit"')
            steps = html.count(b'<li class="step">') + html.count(b'<article class="step"')
            total = compressed + assets + extra
            ok = total <= target
            failed |= not ok
            p95 = sorted(times)[int(len(times) * 0.95) - 1]
            print(
                f"{label:<40} {hits:>5} {steps:>5} {len(html):>8} {compressed:>8} {total:>8} {statistics.median(times):>7.1f} {p95:>7.1f}"
                f"  {total / target:.0%} of {target // 1024} KB {'ok' if ok else 'OVER'}"
            )
        return 1 if failed and not smoke else 0
    finally:
        meili.stop()


if __name__ == "__main__":
    if "--child" in sys.argv:
        sys.exit(_child(smoke="--smoke" in sys.argv))
    sys.exit(main(smoke="--smoke" in sys.argv))
