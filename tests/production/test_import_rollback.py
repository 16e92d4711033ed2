"""The database fails in the middle of an import (issue 8): the import's one transaction
rolls back and nothing is half-applied: no contact, phone, queue row or run record of it."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from django.db import DatabaseError, connection

from benchmarks.synthetic import synthetic_csv
from directory.models import Contact, Phone, Source
from importers.models import ImportRun
from importers.services import import_run
from search.models import IndexQueue

pytestmark = pytest.mark.django_db(transaction=True)

FIRST = synthetic_csv(300)
# The same 300 contacts with new descriptions, and 300 more.
SECOND = synthetic_csv(600, variant=" (zweite Fassung)")


def _snapshot() -> dict:
    return {
        "contacts": sorted(Contact.objects.values_list("external_id", "name", "description_de", "active", "scope")),
        "phones": sorted(Phone.objects.values_list("contact__external_id", "number")),
        "sources": sorted(Source.objects.values_list("slug", flat=True)),
        "queued": IndexQueue.objects.count(),
        "applied_runs": ImportRun.objects.filter(status="applied").count(),
    }


def _import(data: bytes, *, source: str = "synthetic"):
    return import_run(data=data, filename="s.csv", source_slug=source, dry_run=False)


def _first_import_indexed() -> dict:
    assert _import(FIRST).applied
    # The index is not under test here: drop the queue rows the sync left behind.
    IndexQueue.objects.all().delete()
    return _snapshot()


FAIL_AFTER = 450  # contacts in the table: the second import fails after 150 of its 300 new ones

TRIGGERS = {
    "sqlite": (
        [f"""CREATE TRIGGER lotse_fault BEFORE INSERT ON directory_contact
             WHEN (SELECT COUNT(*) FROM directory_contact) >= {FAIL_AFTER}
             BEGIN SELECT RAISE(ABORT, 'injected fault: disk gone'); END"""],
        ["DROP TRIGGER lotse_fault"],
    ),
    "postgresql": (
        [f"""CREATE FUNCTION lotse_fault() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
               IF (SELECT COUNT(*) FROM directory_contact) >= {FAIL_AFTER} THEN
                 RAISE EXCEPTION 'injected fault: disk gone';
               END IF;
               RETURN NEW;
             END $$""",
         "CREATE TRIGGER lotse_fault BEFORE INSERT ON directory_contact FOR EACH ROW EXECUTE FUNCTION lotse_fault()"],
        ["DROP TRIGGER lotse_fault ON directory_contact", "DROP FUNCTION lotse_fault()"],
    ),
}


def test_a_database_error_half_way_through_an_import_rolls_everything_back(own_meilisearch, reference):
    before = _first_import_indexed()
    create, drop = TRIGGERS[connection.vendor]
    with connection.cursor() as cursor:
        for statement in create:
            cursor.execute(statement)
    try:
        with pytest.raises(DatabaseError, match="injected fault"):
            _import(SECOND)
        assert _snapshot() == before
    finally:
        with connection.cursor() as cursor:
            for statement in drop:
                cursor.execute(statement)
    # The same file goes through once the database is well again.
    report = _import(SECOND)
    assert (report.counts["created"], report.counts["updated"]) == (300, 300)


def _has_written_contacts(watch: psycopg.Connection, pid: int) -> bool:
    row = watch.execute(
        """SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
           WHERE l.pid = %s AND c.relname = 'directory_contact' AND l.mode = 'RowExclusiveLock'""",
        (pid,),
    ).fetchone()
    return row is not None


@pytest.mark.postgres
def test_the_database_connection_killed_mid_import_leaves_nothing_half_applied(own_meilisearch, reference):
    before = _first_import_indexed()
    backend, outcome = [], []

    def run():
        connection.ensure_connection()
        backend.append(connection.connection.info.backend_pid)
        try:
            outcome.append(_import(SECOND))
        except Exception as exc:
            outcome.append(exc)
        finally:
            connection.close()

    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k in ("dbname", "user", "host", "port", "password")},
                         autocommit=True) as watch:
        worker = threading.Thread(target=run)
        worker.start()
        deadline = time.monotonic() + 60
        while not backend or not _has_written_contacts(watch, backend[0]):
            assert worker.is_alive(), f"the import finished before it was interrupted: {outcome}"
            assert time.monotonic() < deadline, "the import never wrote a contact"
            time.sleep(0.005)
        time.sleep(0.05)  # well inside the writes
        assert worker.is_alive()
        terminated = watch.execute("SELECT pg_terminate_backend(%s)", (backend[0],)).fetchone()[0]
        worker.join(60)
    assert terminated is True
    assert len(outcome) == 1 and isinstance(outcome[0], DatabaseError), outcome
    connection.close()
    assert _snapshot() == before
    report = _import(SECOND)
    assert (report.counts["created"], report.counts["updated"]) == (300, 300)
