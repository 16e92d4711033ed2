"""An API rate limit holds across the production server's workers (issue 8): gunicorn with
three worker processes counts one client's requests together, not three times the rate."""

from __future__ import annotations

import secrets

import pytest
import requests

from benchmarks.site import Site
from search.server import free_port

RATE = 6


@pytest.fixture(scope="module")
def site(meilisearch_server, tmp_path_factory):
    site = Site(
        var_dir=tmp_path_factory.mktemp("throttled-site"), meilisearch_url=meilisearch_server.url,
        search_key=meilisearch_server.keys["search"], admin_key=meilisearch_server.keys["admin"],
        index=f"prod_throttle_{secrets.token_hex(4)}", extra_env={"API_THROTTLE_READ": f"{RATE}/hour"},
    )
    site.prepare()
    site.start(workers=3, threads=1, port=free_port())
    yield site
    site.stop()


def test_one_client_gets_the_rate_once_across_all_workers(site):
    assert len(site.worker_pids()) == 3
    statuses = []
    for _ in range(4 * RATE):
        # A new connection each time, so the workers take turns accepting.
        response = requests.get(site.url + "/api/v1/states/", headers={"Connection": "close"}, timeout=10)
        statuses.append(response.status_code)
    assert statuses == [200] * RATE + [429] * (3 * RATE), statuses
    refused = requests.get(site.url + "/api/v1/states/", headers={"Connection": "close"}, timeout=10)
    assert refused.json()["error"]["code"] == "throttled"
    assert int(refused.headers["Retry-After"]) > 0
