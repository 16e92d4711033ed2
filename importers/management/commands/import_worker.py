"""`manage.py import_worker`: the task worker for background imports (importers/tasks.py).

Recovers runs a dead worker left behind, then works the task queue (django-tasks-db's
worker loop) and keeps looking for such runs every IMPORT_STALE_SECONDS/2.
"""

import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from importers.tasks import imports_recover


class Command(BaseCommand):
    help = "Run background imports (the database task backend's worker, with recovery of dead runs)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="work off the queued tasks, then stop")

    def handle(self, *args, batch=False, **options):
        recovered = imports_recover()
        if recovered:
            self.stdout.write(f"recovered runs: {', '.join(map(str, recovered))}")
        stop = threading.Event()
        watcher = threading.Thread(target=_watch, args=(stop,), name="lotse-import-recovery", daemon=True)
        watcher.start()
        try:
            call_command("db_worker", "--no-startup-delay", "--interval", "0.5", *(["--batch"] if batch else []))
        finally:
            stop.set()


def _watch(stop: threading.Event) -> None:
    try:
        while not stop.wait(settings.IMPORT_STALE_SECONDS / 2):
            imports_recover()
    finally:
        connection.close()
