"""Every benchmark runs in CI in its smoke mode (issue 17: `make bench` had rotted, its
search benchmark crashed, and nothing noticed): small sizes, no targets judged, exit 0.

The benchmarks run as `make bench` runs them (each a child process with a throwaway var
dir and its own Meilisearch), all at once to keep CI's added time near a minute.
"""

from __future__ import annotations

import os
import pkgutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 300  # seconds for all of them together
# The module's fixture starts them together, once per worker that runs this module's tests
# (meant to be one: xdist_group; see the Makefile on why it can be two).
pytestmark = pytest.mark.xdist_group("benchmarks")
BENCHMARKS = sorted(m.name for m in pkgutil.iter_modules([str(REPO / "benchmarks")]) if m.name.startswith("bench_"))


def test_the_benchmarks_are_the_ones_make_bench_runs():
    assert BENCHMARKS == ["bench_import", "bench_load", "bench_page_weight", "bench_scale", "bench_search"]


@pytest.fixture(scope="module")
def smoke_runs(tmp_path_factory):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MEILISEARCH_", "DATABASE_URL", "LOTSE_", "PYTEST"))}
    started = time.monotonic()
    runs = {}
    for name in BENCHMARKS:
        log = tmp_path_factory.mktemp(name) / "output.txt"
        with open(log, "wb") as out:
            # Its own process group: on a timeout its children (Meilisearch, gunicorn, wrk) go too.
            process = subprocess.Popen([sys.executable, "-m", f"benchmarks.{name}", "--smoke"], cwd=REPO, env=env,
                                       stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        runs[name] = (process, log)
    results = {}
    try:
        while len(results) < len(runs) and time.monotonic() - started < TIMEOUT:
            for name, (process, log) in runs.items():
                if name not in results and process.poll() is not None:
                    results[name] = (process.returncode, log.read_text(errors="replace"), time.monotonic() - started)
            time.sleep(0.2)
        for name, (process, log) in runs.items():
            results.setdefault(name, (None, log.read_text(errors="replace") + f"\n(still running after {TIMEOUT} s)", TIMEOUT))
    finally:
        for process, _log in runs.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    print(" ".join(f"{name} {seconds:.0f} s" for name, (_code, _output, seconds) in results.items()))
    return results


@pytest.mark.parametrize("name", BENCHMARKS)
def test_the_benchmark_runs_in_smoke_mode(smoke_runs, name):
    code, output, _seconds = smoke_runs[name]
    assert code == 0, output[-4000:]
    assert "smoke mode" in output, output[-2000:]
    assert "PASS" not in output and "FAIL" not in output  # no targets judged on smoke sizes
