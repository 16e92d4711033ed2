"""Background imports with the real worker (issue 18): an upload through the API is
answered at once and applied by `manage.py import_worker`; a worker killed in the middle
leaves the import applied or not at all, and the run is done again by the next worker.

The site is the production one: gunicorn, its own SQLite file, the session's Meilisearch,
and the task worker as the second process, killed with SIGKILL like a crash.
"""

from __future__ import annotations

import secrets
import sqlite3
import time

import pytest
import requests

from benchmarks.site import Site
from benchmarks.synthetic import synthetic_csv
from search.server import free_port

ROWS = 10_000


@pytest.fixture(scope="module")
def site(meilisearch_server, tmp_path_factory):
    site = Site(
        var_dir=tmp_path_factory.mktemp("site"), meilisearch_url=meilisearch_server.url,
        search_key=meilisearch_server.keys["search"], admin_key=meilisearch_server.keys["admin"],
        index=f"prod_worker_{secrets.token_hex(4)}",
        extra_env={"API_THROTTLE_WRITE": "", "API_THROTTLE_READ": "", "IMPORT_STALE_SECONDS": "2"},
    )
    site.prepare()
    site.start(workers=1, threads=2, port=free_port())
    site.token = site.manage("shell", "-c", (
        "from django.contrib.auth.models import User; from api.models import ApiToken; from directory.models import Source; "
        "u = User.objects.create_superuser('alice', password='x' * 20); t, raw = ApiToken.objects.create(user=u, name='worker'); "
        "t.sources.set([Source.objects.create(slug=s, name=s) for s in ('worker-upload', 'worker-kill')]); print(raw)"
    )).strip().splitlines()[-1]
    yield site
    site.stop()


def _db(site) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{site.var_dir / 'lotse.sqlite3'}?mode=ro", uri=True, timeout=5)


def _state(site, run_id: int, source: str) -> tuple[str, str, int]:
    """(status, phase, the source's contacts), read straight from the site's database."""
    with _db(site) as db:
        status, phase = db.execute("SELECT status, phase FROM importers_importrun WHERE id = ?", [run_id]).fetchone()
        contacts = db.execute("SELECT count(*) FROM directory_contact c JOIN directory_source s ON s.id = c.source_id "
                              "WHERE s.slug = ?", [source]).fetchone()[0]
    return status, phase, contacts


def _submit(site, data: bytes, source: str) -> tuple[dict, float]:
    started = time.monotonic()
    response = requests.post(
        f"{site.url}/api/v1/imports/", headers={"Authorization": f"Token {site.token}"}, timeout=30,
        files={"file": ("synthetic.csv", data, "text/csv")}, data={"source": source, "dry_run": "false"},
    )
    assert response.status_code == 202, response.text[:500]
    return response.json(), time.monotonic() - started


def _wait(predicate, timeout: float, step: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"not reached within {timeout} s")


def test_an_upload_is_answered_at_once_and_applied_by_the_worker(site):
    body, seconds = _submit(site, synthetic_csv(300), "worker-upload")
    assert seconds < 2 and body["status"] == "queued"  # no worker yet: the upload waits, stored
    status = requests.get(body["status_url"], headers={"Authorization": f"Token {site.token}"}, timeout=10).json()
    assert status["status"] == "queued" and status["report"] == {}
    site.start_worker()
    try:
        done = _wait(lambda: (r := requests.get(body["status_url"], headers={"Authorization": f"Token {site.token}"},
                                                 timeout=10).json())["finished_at"] and r, 120, step=0.2)
        assert done["status"] == "applied"
        assert done["created"] == 300 and done["progress_done"] == done["progress_total"] == 300
        # Searchable: the worker's commit pushed the new contacts to the index.
        found = requests.get(f"{site.url}/api/v1/search/", params={"q": "synthetisch", "per_page": 1}, timeout=10).json()
        assert found["total"] >= 300 and not found["degraded"]
    finally:
        site.stop_worker()


def test_a_killed_worker_leaves_all_or_nothing_and_the_run_is_done_again(site):
    site.start_worker()
    body, _ = _submit(site, synthetic_csv(ROWS, seed=18), "worker-kill")
    # Killed while it applies the file, inside its transaction.
    status = _wait(lambda: (s := _state(site, body["id"], "worker-kill"))[1] == "applying" or s[0] not in ("queued", "running") and s,
                   120, step=0.005)
    assert status is True, f"the import finished before it could be killed: {status}"
    site.kill_worker()
    status, _, contacts = _state(site, body["id"], "worker-kill")
    assert (status, contacts) in {("running", 0), ("applied", ROWS)}, (status, contacts)
    # The next worker finds the run its predecessor left (no heartbeat for 2 s) and does it again.
    site.start_worker()
    try:
        final = _wait(lambda: (r := requests.get(body["status_url"], headers={"Authorization": f"Token {site.token}"},
                                                  timeout=10).json())["finished_at"] and r, 180, step=0.2)
    finally:
        site.stop_worker()
    assert final["status"] == "applied", final
    assert _state(site, body["id"], "worker-kill")[2] == ROWS  # applied exactly once
    assert final["attempts"] == (2 if status == "running" else 1)
