"""Real transactions: two imports of one source never interleave, and a real import leaves
the changed contacts searchable in the real Meilisearch (through search.sync)."""

import threading

import pytest
from django.db import connection

from directory.models import Contact
from importers.models import ImportRun
from search import client
from search.sync import index_uid
from tests.importers.conftest import ERFURT, HOTLINE, MUNICH, csv_bytes, run

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_same_file_imported_twice_at_once(reference):
    data = csv_bytes([ERFURT, MUNICH, HOTLINE])
    reports, failures = [], []
    start = threading.Barrier(2)

    def worker():
        try:
            start.wait()
            reports.append(run(data, source="partner"))
        except Exception as exc:  # surfaced below: a thread's exception would be lost
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    counts = sorted((r.counts["created"], r.counts["unchanged"]) for r in reports)
    # One import created the three contacts; the other waited for it and found nothing to do.
    assert counts == [(0, 3), (3, 0)]
    assert Contact.objects.count() == 3
    assert ImportRun.objects.filter(status="applied").count() == 2


def _search(q: str) -> list[tuple[int, str]]:
    # The index outlives the flush between transactional tests: compare ids, not just names.
    hits = client.call("POST", f"/indexes/{index_uid()}/search", json={"q": q, "attributesToRetrieve": ["id", "name"]})["hits"]
    return [(int(hit["id"]), hit["name"]) for hit in hits]


def test_a_real_import_is_searchable_and_deactivation_leaves_the_index(reference):
    run(csv_bytes([ERFURT, MUNICH, HOTLINE]), source="searchable")
    ezra, hotline = (Contact.objects.get(external_id=i).pk for i in ("ezra", "hilfetelefon"))
    assert (ezra, "ezra Opferberatung") in _search("ezra")
    assert (hotline, "Hilfetelefon Gewalt gegen Frauen") in _search("Hilfetelefon")
    run(csv_bytes([dict(ERFURT, name="ezra Beratungsnetz"), MUNICH]), source="searchable")
    assert (ezra, "ezra Beratungsnetz") in _search("Beratungsnetz")
    assert hotline not in [pk for pk, _ in _search("Hilfetelefon")]


def test_a_dry_run_sends_nothing_to_the_index(reference):
    run(csv_bytes([dict(HOTLINE, source_id="dry", name="Probelauf Kontakt Zebra")]), source="dry", dry_run=True)
    assert [name for _, name in _search("Zebra")] == []
