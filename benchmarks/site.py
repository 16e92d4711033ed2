"""A throwaway production-like Lotse: its own var dir and SQLite file (or DATABASE_URL),
set up with the real management commands and served by gunicorn with lotse/gunicorn.conf.py.

Used by the load benchmark and by the fault tests (tests/production/). Roles as in
production: the set-up commands (the indexer) get the Meilisearch admin key, the gunicorn
workers only the search key; nobody gets the master key.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from lotse.private_files import write_private

REPO = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _clean_environment() -> dict[str, str]:
    drop = ("DJANGO_", "MEILISEARCH_", "DATABASE_URL", "LOTSE_", "WEB_", "PORT", "BIND", "PYTEST")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


@dataclass
class Site:
    var_dir: Path
    meilisearch_url: str
    search_key: str
    admin_key: str
    index: str
    database_url: str = ""  # empty: a SQLite file in var_dir
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen | None = field(default=None, repr=False)
    worker: subprocess.Popen | None = field(default=None, repr=False)

    def environment(self, *, indexer: bool) -> dict[str, str]:
        env = _clean_environment()
        env.update(
            DJANGO_SETTINGS_MODULE="lotse.settings",
            LOTSE_VAR_DIR=str(self.var_dir),
            DEBUG="0",
            SECRET_KEY=self._secret(),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            MEILISEARCH_URL=self.meilisearch_url,
            MEILISEARCH_API_KEY=self.search_key,
            MEILISEARCH_INDEX=self.index,
            LOG_LEVEL="WARNING",
        )
        if indexer:
            # Only the indexing path holds the admin key (issue 8, key hygiene).
            env["MEILISEARCH_ADMIN_KEY"] = self.admin_key
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        env.update(self.extra_env)
        return env

    def _secret(self) -> str:
        path = self.var_dir / "bench_secret_key"
        if not path.exists():
            write_private(path, secrets.token_urlsafe(48))
        return path.read_text()

    def manage(self, *args: str, input: bytes | None = None, timeout: float = 900) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=REPO, env=self.environment(indexer=True),
            input=input, capture_output=True, timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed ({result.returncode}):\n{result.stderr.decode()[-3000:]}")
        return result.stdout.decode()

    def prepare(self) -> None:
        """Schema, reference data and static files: what `make serve` does before it starts.
        collectstatic (~10 s, it compresses every file) needs no database: it runs beside
        load_reference."""
        self.manage("migrate", "--noinput", "-v0")
        static = subprocess.Popen([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=REPO,
                                  env=self.environment(indexer=False), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            self.manage("load_reference")
        finally:
            _, errors = static.communicate(timeout=900)
        if static.returncode != 0:
            raise RuntimeError(f"manage.py collectstatic failed ({static.returncode}):\n{errors.decode()[-3000:]}")

    def start(self, *, workers: int, threads: int, port: int, timeout: float = 60) -> None:
        self.port = port
        env = self.environment(indexer=False)
        env.update(WEB_CONCURRENCY=str(workers), WEB_THREADS=str(threads), PORT=str(port))
        log = open(self.var_dir / "gunicorn.log", "ab")
        self.process = subprocess.Popen(
            [str(GUNICORN), "lotse.wsgi", "-c", "lotse/gunicorn.conf.py"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if requests.get(f"{self.url}/health/", timeout=1).status_code == 200 and len(self.worker_pids()) == workers:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer on {self.url} within {timeout:.0f} s:\n{self.log_tail()}")

    def start_worker(self) -> subprocess.Popen:
        """The task worker for background imports (`manage.py import_worker`), the second
        process of `make serve`; in its own process group, so that it can be killed whole."""
        log = open(self.var_dir / "worker.log", "ab")
        self.worker = subprocess.Popen(
            [sys.executable, "manage.py", "import_worker"], cwd=REPO, env=self.environment(indexer=True),
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        log.close()
        return self.worker

    def kill_worker(self) -> None:
        """Kill the worker and its pool processes at once, as a crash would."""
        if self.worker is not None and self.worker.poll() is None:
            os.killpg(self.worker.pid, signal.SIGKILL)
            self.worker.wait()

    def stop_worker(self) -> None:
        if self.worker is not None and self.worker.poll() is None:
            self.worker.send_signal(signal.SIGTERM)
            try:
                self.worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill_worker()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, size: int = 3000) -> str:
        path = self.var_dir / "gunicorn.log"
        return path.read_text(errors="replace")[-size:] if path.exists() else ""

    def worker_pids(self) -> list[int]:
        """The arbiter's children, read from /proc."""
        if self.process is None:
            return []
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # Field 4 is the parent pid; the command name (field 2) may hold spaces.
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == self.process.pid and fields[0] != "Z":
                pids.append(int(entry.name))
        return sorted(pids)

    def stop(self) -> None:
        self.stop_worker()
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
