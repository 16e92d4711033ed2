"""Imports as background tasks (django-tasks; its database backend by default).

The admin upload page and the API check and store an upload (`import_submit`) and answer
at once; the task worker (`manage.py import_worker`, beside the web server) runs
`import_file`, which does the stored run with importers.services.import_queued and reports
its progress on the run. Nothing long runs in a web worker, and nothing forks there.

A worker can die mid-import (killed, out of memory, a deploy). The import applies in one
transaction, and the run is marked applied inside it: after a crash the run is applied
with its contacts, or nothing of it is. `imports_recover` (at every worker start and
every IMPORT_STALE_SECONDS/2 while it runs) finds runs whose worker stopped reporting,
queues them again, and marks them failed after IMPORT_MAX_ATTEMPTS.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from importers.models import ImportRun
from importers.services import import_queue, import_queued
from importers.workers import worker_alive

logger = logging.getLogger(__name__)


@task()
def import_file(run_id: int) -> str:
    return import_queued(run_id)


def import_submit(**options) -> ImportRun:
    """Check and store an upload (importers.services.import_queue takes the same
    arguments) and queue its task once the run is committed."""
    run = import_queue(**options)
    _enqueue(run.pk)
    return run


def _enqueue(run_id: int) -> None:
    # At once, not on commit: with the database backend the task row commits together with
    # the run it names (and web views run in autocommit: the run is committed already).
    import_file.enqueue(run_id)


def imports_recover(*, now=None) -> list[int]:
    """Queue again, or mark failed, the runs whose worker stopped reporting; returns them."""
    now = now or timezone.now()
    stale = ImportRun.objects.filter(
        status=ImportRun.Status.RUNNING, heartbeat_at__lt=now - timedelta(seconds=settings.IMPORT_STALE_SECONDS)
    )
    recovered = []
    for run in stale.only("id", "attempts", "upload", "heartbeat_at", "worker", "language"):
        if worker_alive(run.worker):
            # Alive on this host, only quiet: applying a large file is one transaction, and
            # on SQLite no heartbeat can be written beside it.
            continue
        with transaction.atomic():
            if run.upload is not None and run.attempts < settings.IMPORT_MAX_ATTEMPTS:
                changed = ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.RUNNING, heartbeat_at=run.heartbeat_at).update(
                    status=ImportRun.Status.QUEUED, phase="", progress_done=0)
                if changed:
                    _enqueue(run.pk)
                    logger.warning("import %s: its worker stopped; queued again (attempt %s of %s)",
                                   run.pk, run.attempts + 1, settings.IMPORT_MAX_ATTEMPTS)
            else:
                # In the run's language, like its other messages (not whatever the thread has active).
                with translation.override(run.language or settings.LANGUAGE_CODE):
                    failure = _("der Import wurde %(count)s-mal abgebrochen, bevor er fertig war; nichts wurde übernommen. "
                                "Bitte die Datei erneut hochladen.") % {"count": run.attempts}
                changed = ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.RUNNING, heartbeat_at=run.heartbeat_at).update(
                    status=ImportRun.Status.FAILED, finished_at=now, phase="", upload=None, failure=failure)
                if changed:
                    logger.error("import %s: its worker stopped %s times; marked failed, nothing applied", run.pk, run.attempts)
        if changed:
            recovered.append(run.pk)
    return recovered
