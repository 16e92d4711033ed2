"""A contact's UUID (its id in the API and HSDS) travels with the canonical format: export
writes it, a new contact gets the UUID its row names, an existing contact keeps its own."""

import csv
import io
import uuid

import pytest

from directory.models import Contact
from importers.export import contacts_export
from tests.importers.conftest import ERFURT, HEADER, HOTLINE, MUNICH, csv_bytes, export_table, run

pytestmark = pytest.mark.django_db

WITH_UUID = [*HEADER, "uuid"]
A, B = "0b6f3c9e-2d4a-4c1e-9f3a-5b7d8e9f0a1b", "6a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def test_a_new_contact_gets_the_uuid_of_its_row_and_export_writes_it():
    report = run(csv_bytes([{**ERFURT, "uuid": A.upper()}, {**MUNICH, "uuid": f"{{{B}}}"}, HOTLINE], header=WITH_UUID))
    assert report.applied and report.warnings == []
    assert str(Contact.objects.get(external_id="ezra").uuid) == A  # any spelling of a UUID, stored as one
    assert str(Contact.objects.get(external_id="before").uuid) == B
    drawn = Contact.objects.get(external_id="hilfetelefon").uuid
    assert drawn.version == 4 and str(drawn) not in (A, B)
    exported = {r["source_id"]: r["uuid"] for r in csv.DictReader(io.StringIO(export_table(contacts_export(fmt="csv", source_slug="partner"))))}
    assert exported == {"ezra": A, "before": B, "hilfetelefon": str(drawn)}


def test_a_uuid_that_is_not_one_is_refused_with_row_and_column():
    report = run(csv_bytes([{**ERFURT, "uuid": "0b6f3c9e-2d4a"}], header=WITH_UUID))
    assert not report.applied and not Contact.objects.exists()
    assert [e.message for e in report.errors] == [(
        'row 2, column "uuid": "0b6f3c9e-2d4a" is not a UUID; a UUID has 32 hexadecimal digits, '
        "e.g. 0b6f3c9e-2d4a-4c1e-9f3a-5b7d8e9f0a1b"
    )]


def test_a_uuid_taken_already_or_twice_in_the_file_gives_a_new_one_with_a_warning():
    run(csv_bytes([{**ERFURT, "uuid": A}], header=WITH_UUID), source="other")
    # The warnings name the column as the file does.
    report = run(csv_bytes([{**MUNICH, "UUID": A}, {**HOTLINE, "UUID": B}, {**ERFURT, "source_id": "ezra-2", "UUID": B}],
                           header=[*HEADER, "UUID"]))
    assert report.applied and report.counts["created"] == 3
    assert [w.message for w in report.warnings] == [
        f'row 2, column "UUID": "{A}" belongs to another contact already; the new contact gets a new UUID',
        f'row 4, column "UUID": "{B}" belongs to another contact already; the new contact gets a new UUID',
    ]
    assert str(Contact.objects.get(source__slug="other").uuid) == A
    assert str(Contact.objects.get(source__slug="partner", external_id="hilfetelefon").uuid) == B
    assert len({c.uuid for c in Contact.objects.all()}) == 4


def test_an_existing_contact_keeps_its_uuid_whatever_the_file_says():
    run(csv_bytes([{**ERFURT, "uuid": A}], header=WITH_UUID))
    before = Contact.objects.get().updated_at
    dry = run(csv_bytes([{**ERFURT, "uuid": B}], header=WITH_UUID), dry_run=True)
    assert dry.counts["unchanged"] == 1
    assert [w.message for w in dry.warnings] == [f'row 2, column "uuid": "{B}" does not belong to this contact; it keeps its UUID {A}']
    real = run(csv_bytes([{**ERFURT, "uuid": B}], header=WITH_UUID))
    assert real.applied and real.counts["unchanged"] == 1 and len(real.warnings) == 1
    contact = Contact.objects.get()
    assert (str(contact.uuid), contact.updated_at) == (A, before)
    # The same UUID, or none, says nothing.
    assert run(csv_bytes([{**ERFURT, "uuid": A}], header=WITH_UUID)).warnings == []
    assert run(csv_bytes([ERFURT])).warnings == []
    assert uuid.UUID(A) == contact.uuid
