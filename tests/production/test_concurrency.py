"""Concurrency that SQLite hides (issue 8), on PostgreSQL: two imports of one source at
the same time, and an import while searches run."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from benchmarks.queries import search_params
from benchmarks.synthetic import synthetic_csv
from directory.models import Contact
from importers.models import ImportRun
from importers.services import import_run
from search import engine
from search.models import IndexQueue
from search.query import parse_query
from tests.production.test_search_outage import _assert_index_equals_database, _wait_until_drained

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _threaded(*targets):
    failures, results = [], {}
    start = threading.Barrier(len(targets))

    def wrap(name, target):
        try:
            start.wait()
            results[name] = target()
        except Exception as exc:  # surfaced below: a thread's exception would be lost
            failures.append((name, exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=wrap, args=(name, target)) for name, target in targets]
    for thread in threads:
        thread.start()
    return threads, results, failures


def test_two_different_files_for_one_source_at_once_never_mix(own_meilisearch, reference):
    first = synthetic_csv(400, variant=" (Datei A)")
    # File B: the first 300 of the same contacts changed, the last 100 gone.
    second = synthetic_csv(300, variant=" (Datei B)")
    assert import_run(data=synthetic_csv(400), filename="s.csv", source_slug="synthetic", dry_run=False).applied

    def importer(data, name):
        return lambda: import_run(data=data, filename=name, source_slug="synthetic", dry_run=False)

    threads, results, failures = _threaded(("A", importer(first, "a.csv")), ("B", importer(second, "b.csv")))
    for thread in threads:
        thread.join(120)
    assert failures == []
    assert results["A"].applied and results["B"].applied
    # Whichever committed last decides; the other's plan was made against committed data.
    # The run ids do not tell the commit order (a run is recorded after its after-commit
    # index push); applied_at, taken under the source lock, does.
    active = Contact.objects.filter(active=True)
    descriptions = set(active.values_list("description_de", flat=True))
    winners = {name for name in "AB" if any(f"(Datei {name})" in text for text in descriptions)}
    assert len(winners) == 1, descriptions  # never a mix of both files
    last = winners.pop()
    assert all(f"(Datei {last})" in text for text in descriptions)
    assert active.count() == (400 if last == "A" else 300)
    runs = ImportRun.objects.filter(filename__in=["a.csv", "b.csv"], status="applied").order_by("applied_at")
    assert [run.filename for run in runs][-1] == f"{last.lower()}.csv"
    assert Contact.objects.count() == 400  # nobody created a duplicate of a contact
    _wait_until_drained()
    _assert_index_equals_database()


def test_an_import_while_searches_run(own_meilisearch, reference):
    assert import_run(data=synthetic_csv(300), filename="s.csv", source_slug="synthetic", dry_run=False).applied
    _wait_until_drained()
    queries = [parse_query(p) for p in search_params(60)]
    stop = threading.Event()
    answered, degraded = [], []

    def searcher():
        n = 0
        while not stop.is_set():
            result = engine.search(queries[n % len(queries)])
            n += 1
            answered.append(result.total)
            if result.degraded:
                degraded.append(result.engine)
        return n

    def importer():
        try:
            return import_run(data=synthetic_csv(1200, variant=" (neu)"), filename="s2.csv", source_slug="synthetic", dry_run=False)
        finally:
            time.sleep(0.5)
            stop.set()

    threads, results, failures = _threaded(("import", importer), ("search-1", searcher), ("search-2", searcher))
    for thread in threads:
        thread.join(180)
    assert failures == []
    report = results["import"]
    assert report.applied and (report.counts["created"], report.counts["updated"]) == (900, 300)
    assert results["search-1"] > 5 and results["search-2"] > 5
    assert degraded == []
    _wait_until_drained()
    assert not IndexQueue.objects.exists()
    _assert_index_equals_database()
