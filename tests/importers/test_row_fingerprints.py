"""Re-importing an unchanged file skips rows whose fingerprint matches (issue 4 speed), but
never when the contact changed since its import: any change must be found and undone by
the next import exactly as without fingerprints."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory.models import Contact, ContactKind, Organisation, Phone
from importers.models import RowFingerprint
from importers.readers import table_read
from importers.sync import StaleFingerprint, known_fingerprints, plan_build
from importers.validate import rows_validate
from tests.importers.conftest import ERFURT, HOTLINE, MUNICH, csv_bytes, row, run

pytestmark = pytest.mark.django_db

WITH_ORG = ["source_id", "name", "organisation", "kinds", "scope", "states", "districts", "postcode", "town", "phone"]


def _validate_again(data, source):
    return rows_validate(table_read(data, "contacts.csv"), known=known_fingerprints(source))


def test_unchanged_rows_are_not_parsed_again_and_nothing_is_written(three_rows):
    run(three_rows)
    ezra = Contact.objects.get(external_id="ezra")
    assert RowFingerprint.objects.count() == 3
    validation = _validate_again(three_rows, ezra.source)
    assert [r.values for r in validation.records] == [None, None, None]
    assert {r.contact_id for r in validation.records} == set(Contact.objects.values_list("id", flat=True))
    with CaptureQueriesContext(connection) as queries:
        report = run(three_rows)
    assert report.counts == {"created": 0, "updated": 0, "unchanged": 3, "deactivated": 0, "invalid": 0}
    writes = [q["sql"] for q in queries if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}]
    assert all("importers_importrun" in sql for sql in writes), writes


def test_a_changed_row_is_parsed_and_gets_a_new_fingerprint(three_rows):
    run(three_rows)
    before = RowFingerprint.objects.get(contact__external_id="ezra").fingerprint
    report = run(csv_bytes([dict(ERFURT, phone="0361 2188 6701"), MUNICH, HOTLINE]))
    assert report.counts["updated"] == 1 and report.counts["unchanged"] == 2
    assert RowFingerprint.objects.get(contact__external_id="ezra").fingerprint != before
    assert _validate_again(csv_bytes([dict(ERFURT, phone="0361 2188 6701"), MUNICH, HOTLINE]),
                           Contact.objects.get(external_id="ezra").source).records[0].values is None


def test_an_edit_saved_in_the_admin_is_undone_by_the_next_import(three_rows):
    run(three_rows)
    ezra = Contact.objects.get(external_id="ezra")
    ezra.name = "edited by hand"
    ezra.save()
    report = run(three_rows)
    assert report.counts["updated"] == 1
    assert report.plan.updates[0].changes == {"name": ["edited by hand", "ezra Opferberatung"]}
    assert Contact.objects.get(external_id="ezra").name == "ezra Opferberatung"


def test_changes_that_leave_updated_at_alone_are_found_too(three_rows):
    run(three_rows)
    ezra = Contact.objects.get(external_id="ezra")
    Phone.objects.filter(contact=ezra).update(number="+49361999")  # no signal, no updated_at
    ezra.phones.create(number="+4930123456", position=5)  # signal: fingerprint forgotten
    Contact.objects.get(external_id="before").kinds.add(ContactKind.objects.get(slug="legal"))
    report = run(three_rows)
    assert report.counts["updated"] == 2
    changed = {u.name: set(u.changes) for u in report.plan.updates}
    assert changed == {"ezra Opferberatung": {"phones"}, "BEFORE Beratungsstelle": {"kinds"}}
    assert list(Contact.objects.get(external_id="ezra").phones.values_list("number", flat=True)) == ["+4936121886700"]


def test_a_renamed_organisation_is_found(three_rows):
    data = csv_bytes([dict(ERFURT, organisation="ezra e. V.")], header=WITH_ORG)
    run(data)
    organisation = Organisation.objects.get(name="ezra e. V.")
    organisation.name = "ezra (renamed)"
    organisation.save()
    report = run(data)
    assert report.counts["updated"] == 1
    assert report.plan.updates[0].changes == {"organisation": ["ezra (renamed)", "ezra e. V."]}


def test_a_contact_changed_after_validation_makes_the_plan_refuse_the_fingerprints(three_rows):
    run(three_rows)
    ezra = Contact.objects.get(external_id="ezra")
    validation = _validate_again(three_rows, ezra.source)
    ezra.name = "changed meanwhile"
    ezra.save()
    with pytest.raises(StaleFingerprint):
        plan_build(source=ezra.source, source_slug="partner", records=validation.records, invalid_keys=set(), deactivate=True)


def test_rows_with_warnings_or_without_source_id_are_always_parsed():
    nameless = row(name="Ohne ID", scope="landesweit", states="TH", postcode="99084")
    unknown_town = row(source_id="amb", name="Irgendwo", scope="bundesweit", town="Nirgendwo am See")
    data = csv_bytes([nameless, unknown_town])
    report = run(data)
    assert report.counts["created"] == 2 and report.warnings
    assert not RowFingerprint.objects.exists()
    again = run(data)
    assert again.counts["unchanged"] == 2 and again.warnings == report.warnings


def test_missing_rows_are_still_deactivated_when_the_rest_is_known(three_rows):
    run(three_rows)
    report = run(csv_bytes([ERFURT, MUNICH]))
    assert report.counts == {"created": 0, "updated": 0, "unchanged": 2, "deactivated": 1, "invalid": 0}
    assert not Contact.objects.get(external_id="hilfetelefon").active
