"""Runs whose worker died (importers/tasks.py imports_recover): queued again while
attempts are left, then marked failed; a live or finished run is left alone."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from directory.models import Contact
from importers.models import ImportRun
from importers.tasks import import_file, imports_recover
from tests.importers.conftest import ERFURT, MUNICH, csv_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.IMPORT_STALE_SECONDS, settings.IMPORT_MAX_ATTEMPTS = 60, 3


def _running(*, attempts: int, seconds_ago: float, upload=csv_bytes([ERFURT, MUNICH])) -> ImportRun:
    return ImportRun.objects.create(
        filename="liste.csv", source_slug="partner", dry_run=False, status="running", phase="applying", attempts=attempts,
        heartbeat_at=timezone.now() - timedelta(seconds=seconds_ago), upload=upload, via="api",
        options={"skip_invalid": False, "deactivate": True},
    )


def test_a_run_whose_worker_stopped_is_queued_again_and_then_done():
    stale = _running(attempts=1, seconds_ago=120)
    assert imports_recover() == [stale.pk]
    stale.refresh_from_db()
    assert stale.status == "queued" and stale.phase == ""
    task = DBTaskResult.objects.get()
    assert task.task_path == "importers.tasks.import_file" and task.args_kwargs["args"] == [stale.pk]
    import_file.call(stale.pk)  # the worker's turn
    stale.refresh_from_db()
    assert stale.status == "applied" and stale.attempts == 2 and Contact.objects.count() == 2


def test_a_run_that_used_up_its_attempts_is_marked_failed_and_applies_nothing():
    stale = _running(attempts=3, seconds_ago=120)
    english = _running(attempts=3, seconds_ago=120)
    ImportRun.objects.filter(pk=english.pk).update(language="en")
    with translation.override("en"):  # whatever the worker thread has active: the run's language
        assert sorted(imports_recover()) == sorted([stale.pk, english.pk])
    stale.refresh_from_db()
    assert stale.status == "failed" and stale.upload is None and stale.finished_at is not None
    assert stale.failure.startswith("der Import wurde 3-mal abgebrochen, bevor er fertig war; nichts wurde übernommen")
    assert ImportRun.objects.get(pk=english.pk).failure.startswith("the import was interrupted 3 times before it finished")
    assert not DBTaskResult.objects.exists() and not Contact.objects.exists()


def test_a_live_or_finished_run_is_left_alone():
    live = _running(attempts=1, seconds_ago=5)
    done = _running(attempts=1, seconds_ago=600)
    ImportRun.objects.filter(pk=done.pk).update(status="applied")
    assert imports_recover() == []
    assert ImportRun.objects.get(pk=live.pk).status == "running"


def test_a_quiet_run_whose_worker_process_lives_on_this_host_is_left_alone():
    # Applying a large file writes no heartbeat for a while; its process is alive.
    import subprocess

    from importers.workers import worker_alive, worker_identity

    quiet = _running(attempts=1, seconds_ago=600)
    ImportRun.objects.filter(pk=quiet.pk).update(worker=worker_identity())
    assert worker_alive(worker_identity())
    assert imports_recover() == []
    assert ImportRun.objects.get(pk=quiet.pk).status == "running"
    # A process that has ended (here: a finished child) is dead, whatever its heartbeat says.
    child = subprocess.Popen(["true"])
    child.wait()
    host = worker_identity().split(":")[0]
    ImportRun.objects.filter(pk=quiet.pk).update(worker=f"{host}:{child.pid}:123")
    assert not worker_alive(f"{host}:{child.pid}:123")
    assert imports_recover() == [quiet.pk]
    # Another host's worker is judged by its heartbeat alone.
    assert not worker_alive("elsewhere:1:1")
