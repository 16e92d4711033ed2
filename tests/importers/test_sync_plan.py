"""Sync semantics per source: create, update with diffs, unchanged writes nothing, deactivate."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory.models import Contact, Phone, PostalCode, Source
from importers.models import ImportRun
from tests.importers.conftest import ERFURT, HEADER, HOTLINE, MUNICH, csv_bytes, row, run

pytestmark = pytest.mark.django_db


def test_first_import_creates_source_and_contacts(three_rows):
    report = run(three_rows)
    assert report.ok and report.applied
    assert report.counts == {"created": 3, "updated": 0, "unchanged": 0, "deactivated": 0, "invalid": 0}
    assert Source.objects.filter(slug="partner").exists()
    ezra = Contact.objects.get(external_id="ezra")
    assert (ezra.scope, list(ezra.states.values_list("code", flat=True)), ezra.district.ags) == ("state", ["TH"], "16051")
    centre = PostalCode.objects.get(code="99084")
    assert (ezra.lat, ezra.lng) == (centre.lat, centre.lng)
    assert ezra.phones.get().number == "+4936121886700"
    before = Contact.objects.get(external_id="before")
    assert list(before.kinds.values_list("slug", flat=True)) == ["victim_support"]
    assert list(before.districts.values_list("ags", flat=True)) == ["09162"]
    assert not before.states.exists()
    assert Contact.objects.get(external_id="hilfetelefon").phones.get().number == "116016"
    assert ezra.slug == "ezra-opferberatung-erfurt"


def test_dry_run_writes_nothing_but_the_history(three_rows):
    report = run(three_rows, dry_run=True)
    assert report.ok and not report.applied
    assert report.counts["created"] == 3
    assert not Contact.objects.exists() and not Source.objects.filter(slug="partner").exists()
    history = ImportRun.objects.get(pk=report.run_id)
    assert (history.dry_run, history.status, history.created) == (True, "previewed", 3)


def test_dry_run_reports_field_changes_old_to_new(three_rows):
    run(three_rows)
    changed = csv_bytes([dict(ERFURT, phone="0361 2188 6701", kinds="victim_support; legal"), MUNICH, HOTLINE])
    report = run(changed, dry_run=True)
    assert report.counts == {"created": 0, "updated": 1, "unchanged": 2, "deactivated": 0, "invalid": 0}
    update = report.as_dict()["changes"]["updated"][0]
    assert update["name"] == "ezra Opferberatung"
    assert update["fields"] == {
        "phones": [["+4936121886700"], ["+4936121886701"]],
        "kinds": [["victim_support"], ["legal", "victim_support"]],
    }
    assert Contact.objects.get(external_id="ezra").phones.get().number == "+4936121886700"


def test_real_run_applies_the_previewed_plan(three_rows):
    run(three_rows)
    changed = csv_bytes([dict(ERFURT, name="ezra – Opferberatung Thüringen"), MUNICH])
    preview = run(changed, dry_run=True)
    report = run(changed, expected_plan_digest=preview.as_dict()["plan_digest"])
    assert report.applied and report.as_dict()["changes"] == preview.as_dict()["changes"]
    assert Contact.objects.get(external_id="ezra").name == "ezra – Opferberatung Thüringen"


def test_unchanged_file_writes_nothing(three_rows):
    run(three_rows)
    stamps = dict(Contact.objects.values_list("id", "updated_at"))
    with CaptureQueriesContext(connection) as queries:
        report = run(three_rows)
    assert report.counts == {"created": 0, "updated": 0, "unchanged": 3, "deactivated": 0, "invalid": 0}
    writes = [q["sql"] for q in queries if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}]
    # The only write is the history row of this run (insert, then its report).
    assert all("importers_importrun" in sql for sql in writes), writes
    assert dict(Contact.objects.values_list("id", "updated_at")) == stamps


def test_missing_rows_are_deactivated_not_deleted(three_rows):
    run(three_rows)
    report = run(csv_bytes([ERFURT, MUNICH]))
    assert report.counts["deactivated"] == 1
    hotline = Contact.objects.get(external_id="hilfetelefon")
    assert hotline.active is False


def test_no_deactivate_keeps_missing_rows_active(three_rows):
    run(three_rows)
    report = run(csv_bytes([ERFURT]), deactivate=False)
    assert report.counts["deactivated"] == 0
    assert Contact.objects.filter(active=True).count() == 3


def test_a_returning_row_is_reactivated(three_rows):
    run(three_rows)
    run(csv_bytes([ERFURT, MUNICH]))
    report = run(three_rows)
    assert report.as_dict()["changes"]["updated"][0]["fields"] == {"active": [False, True]}
    assert Contact.objects.get(external_id="hilfetelefon").active


def test_other_sources_are_left_alone(three_rows):
    run(three_rows, source="one")
    report = run(csv_bytes([HOTLINE]), source="two")
    assert report.counts == {"created": 1, "updated": 0, "unchanged": 0, "deactivated": 0, "invalid": 0}
    assert Contact.objects.filter(source__slug="one", active=True).count() == 3


def test_row_without_source_id_is_matched_by_normalised_name_and_postcode():
    first = csv_bytes([row(name="Opferhilfe  Erfurt e.V.", scope="lokal", postcode="99084")], header=["name", "kinds", "scope", "postcode"])
    run(first)
    again = csv_bytes([row(name="OPFERHILFE Erfurt e. V.", scope="lokal", postcode="99084")], header=["name", "kinds", "scope", "postcode"])
    report = run(again)
    assert report.counts["created"] == 0 and report.counts["updated"] == 1
    assert Contact.objects.get().name == "OPFERHILFE Erfurt e. V."


def test_any_invalid_row_imports_nothing_by_default(three_rows):
    bad = csv_bytes([ERFURT, dict(MUNICH, postcode="8000"), HOTLINE])
    report = run(bad)
    assert not report.ok and not report.applied
    assert [e.message for e in report.errors] == ['row 3, column "postcode": "8000" is not a postcode']
    assert not Contact.objects.exists()
    assert ImportRun.objects.get(pk=report.run_id).status == "rejected"


def test_skip_invalid_imports_the_valid_rows_and_keeps_the_invalid_ones_contacts(three_rows):
    run(three_rows)
    bad = csv_bytes([dict(ERFURT, name="ezra neu"), dict(MUNICH, postcode="8000")])
    report = run(bad, skip_invalid=True)
    assert report.ok and report.applied
    assert report.counts == {"created": 0, "updated": 1, "unchanged": 0, "deactivated": 1, "invalid": 1}
    assert Contact.objects.get(external_id="before").active  # its row was invalid: not deactivated
    assert not Contact.objects.get(external_id="hilfetelefon").active


def test_rows_written_in_bulk_arrive_exactly_as_given():
    """importers.sync._insert_rows (one JSON array per chunk on SQLite, executemany on
    PostgreSQL) and _contacts_insert keep text, numbers, order and missing values exactly."""
    from importers.sync import _insert_rows

    run(csv_bytes([{**ERFURT, "languages": "de; tr; ar", "last_verified": "14.03.2025"},
                   {**MUNICH, "languages": "de; tr; ar"}, {**HOTLINE, "languages": "en"}],
                  header=[*HEADER, "languages", "last_verified"]))
    contact = Contact.objects.get(external_id="ezra")
    labels = ['Beratung "24/7"', "Zentrale\\Büro", "Notruf: ☎ ñ 𝄞", "", "x" * 100, "'; DROP TABLE x; --", "null"]
    _insert_rows(Phone, ["contact", "label", "number", "position"],
                 [(contact.pk, label, f"+49361{n:06d}", 10 + n) for n, label in enumerate(labels)])
    stored = list(contact.phones.filter(position__gte=10).order_by("position").values_list("label", "number", "position"))
    assert stored == [(label, f"+49361{n:06d}", 10 + n) for n, label in enumerate(labels)]
    # The contact's own row: its languages (JSON), UUID and last check went in converted.
    assert contact.languages == ["de", "tr", "ar"] and str(contact.last_verified) == "2025-03-14"
    assert Contact.objects.get(external_id="before").languages == ["de", "tr", "ar"]
    assert Contact.objects.get(external_id="before").last_verified is None
    assert Contact.objects.get(external_id="hilfetelefon").languages == ["en"]
    assert contact.uuid.version == 4 and len(set(Contact.objects.values_list("uuid", flat=True))) == 3
