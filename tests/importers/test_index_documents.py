"""Search documents an import builds from its plan in memory must be exactly the ones the
index builds from the database, and the compound splitter's SQLite copy must split as the
compound_split package does."""

import pytest

from directory.models import Contact
from search.index import contact_document, contacts_for_index, documents, split_compound
from search.sync import _PreparedPush
from tests.importers.conftest import ERFURT, HOTLINE, MUNICH, csv_bytes, row, run

pytestmark = pytest.mark.django_db

FULL_HEADER = ["source_id", "name", "organisation", "kinds", "incident_types", "target_groups", "channels", "description_de",
               "scope", "states", "districts", "street", "postcode", "town", "phone", "email", "website", "opening_hours",
               "languages", "barrier_free", "last_verified", "active"]


def _prepared(callbacks) -> dict[int, dict]:
    pushes = [hook for hook in callbacks if isinstance(hook, _PreparedPush)]
    assert len(pushes) == 1
    prepared = pushes[0].documents
    return {doc["id"]: doc for doc in prepared.build(sorted(prepared.ids))}


def test_documents_from_the_plan_equal_the_database_documents(django_capture_on_commit_callbacks):
    rich = row(source_id="rich", name="Weißer Ring Außenstelle München", organisation="Weißer Ring e. V.",
               kinds="Opferberatung; legal", incident_types="threat; Beleidigung", target_groups="officials",
               channels="phone; email", description_de="Hasskriminalität und Betroffenenberatung", scope="kreisweit",
               states="BY", districts="09162; 09184", street="Ettstraße 2", postcode="80333", town="München",
               phone="Beratung: 089 1234567; 116 006", email="muenchen@example.org", website="www.example.org/muenchen",
               opening_hours="Mo-Fr 09:00-17:00", languages="de; tr", barrier_free="nein", last_verified="24.11.2026")
    inactive = row(source_id="old", name="Alte Stelle", active="nein")
    data = csv_bytes([ERFURT, MUNICH, HOTLINE, rich, inactive], header=FULL_HEADER)
    with django_capture_on_commit_callbacks() as callbacks:
        report = run(data)
    assert report.counts["created"] == 5
    prepared = _prepared(callbacks)
    from_db = {doc["id"]: doc for chunk in documents() for doc in chunk}
    assert prepared == from_db
    assert Contact.objects.get(external_id="old").pk not in prepared
    assert prepared == {doc["id"]: doc for doc in map(contact_document, contacts_for_index())}


def test_a_later_change_in_the_same_transaction_drops_the_prepared_document(django_capture_on_commit_callbacks):
    from django.db import transaction

    from search.sync import contacts_changed

    run(csv_bytes([ERFURT]))
    ezra = Contact.objects.get(external_id="ezra")
    class Prepared:
        ids = {ezra.pk}

        def build(self, ids):
            return [{"id": pk, "name": "prepared"} for pk in ids]

    prepared = Prepared()
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            contacts_changed([ezra.pk], documents=prepared)
            contacts_changed([ezra.pk])
    assert [hook for hook in callbacks if isinstance(hook, _PreparedPush)] and prepared.ids == set()


@pytest.mark.parametrize("word", ["Opferberatung", "Hasskriminalität", "Onlinewache", "Erfurt", "Betroffenenberatung",
                                  "Landeskriminalamt", "Präventionsstelle", "Straßen-Haltestelle", "Ab", "Wachstumsgrenze"])
def test_the_sqlite_copy_splits_as_the_package_does(word):
    from compound_split import char_split

    assert split_compound(word) == char_split.split_compound(word)


def test_prepare_compound_splitter_reports_the_table():
    import io
    import sqlite3

    from django.core.management import call_command

    out = io.StringIO()
    call_command("prepare_compound_splitter", stdout=out)
    path = out.getvalue().strip().split(": ", 1)[1]
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        assert db.execute("SELECT prob FROM ngram WHERE ngram = 'beratung' AND kind = 0").fetchone() is not None
