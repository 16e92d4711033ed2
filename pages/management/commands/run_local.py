"""`make run`: the embedded default in one process tree.

Starts the project's own Meilisearch (unless MEILISEARCH_URL is set), brings the database
and the index up to date, starts the task worker for background imports beside the server
(`manage.py import_worker`), serves on 127.0.0.1:PORT, and stops worker and Meilisearch
cleanly on exit.
"""

import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from search import credentials
from search.server import ManagedMeilisearch
from search.supervisor import supervise


def _static_outdated() -> bool:
    """collectstatic compresses every file (~20 s); skip it when nothing changed since."""
    manifest = settings.STATIC_ROOT / "staticfiles.json"
    if not manifest.exists():
        return True
    sources = [settings.BASE_DIR / "requirements.lock"]
    for directory in settings.STATICFILES_DIRS:
        sources += [p for p in Path(directory).rglob("*") if p.is_file()]
    return max(p.stat().st_mtime for p in sources) > manifest.stat().st_mtime


class Command(BaseCommand):
    help = "Start Meilisearch, migrate, load reference and demo data and the first steps, index, and serve on 127.0.0.1."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="set everything up, then stop")

    def handle(self, *args, port=8000, no_serve=False, **options):
        # SIGTERM (e.g. from a process manager) takes the same clean path as Ctrl-C.
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        meili = watch = worker = None
        if settings.MEILISEARCH_MANAGED:
            meili = ManagedMeilisearch(directory=settings.MEILISEARCH_DIR, port=settings.MEILISEARCH_PORT)
            self.stdout.write(f"Starting Meilisearch on {meili.url} (data in {meili.directory}) …")
            meili.start()
            credentials.forget()
            # Killed or crashed, it is restarted and the index catches up (search/supervisor.py).
            watch = supervise(meili)
        try:
            call_command("migrate", interactive=False, verbosity=0)
            call_command("load_reference", stdout=self.stdout)
            call_command("load_demo", stdout=self.stdout)
            call_command("load_guidance", stdout=self.stdout)  # after the contacts it names (issue 16)
            call_command("search_index", "sync", stdout=self.stdout)
            if _static_outdated():
                call_command("collectstatic", interactive=False, verbosity=0)
            if not no_serve:
                # The worker inherits this environment (the managed Meilisearch's keys.json
                # is in var/); uploads through admin and API wait for it.
                worker = subprocess.Popen([sys.executable, str(settings.BASE_DIR / "manage.py"), "import_worker"])
                self.stdout.write(self.style.SUCCESS(f"Lotse: http://127.0.0.1:{port}/  (admin: /admin/)"))
                call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, use_threading=True)
        except KeyboardInterrupt:
            pass
        finally:
            if worker is not None and worker.poll() is None:
                self.stdout.write("Stopping the import worker …")
                worker.terminate()
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()
            if meili is not None:
                self.stdout.write("Stopping Meilisearch …")
                watch.stop()
