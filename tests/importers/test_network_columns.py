"""The columns the help network needs (issue 15): "alle" incidents, Regierungsbezirke as
district lists, the source's own date and internal notes."""

import pytest

from directory.models import Contact, District
from importers.export import contacts_export
from tests.importers.conftest import csv_bytes, export_table, row, run

pytestmark = pytest.mark.django_db

HEADER = ["source_id", "name", "kinds", "incident_types", "scope", "states", "districts", "source_url", "source_date", "notes"]


def one(**values):
    return csv_bytes([row(source_id="x", name="Städtetag", **values)], header=HEADER)


@pytest.mark.parametrize("cell", ["alle", "Alle", "all", "alle Vorfälle"])
def test_alle_in_the_incident_column_marks_a_contact_for_every_incident(reference, cell):
    report = run(one(incident_types=cell, kinds="municipal_association"))
    assert report.applied, [e.message for e in report.errors]
    contact = Contact.objects.get(external_id="x")
    assert contact.all_incidents is True
    assert not contact.incident_types.exists()
    assert report.warnings == []


def test_alle_beside_single_incidents_warns_and_keeps_only_alle(reference):
    report = run(one(incident_types="alle; Bedrohung"))
    assert report.applied
    assert [w.message for w in report.warnings] == [
        'row 2, column "incident_types": "alle; Bedrohung" names "alle" and single incident types; the contact is shown '
        "for every incident, the single ones are not stored"
    ]
    contact = Contact.objects.get(external_id="x")
    assert contact.all_incidents and not contact.incident_types.exists()


def test_a_contact_leaves_all_incidents_when_the_file_names_single_ones(reference):
    run(one(incident_types="alle"))
    report = run(one(incident_types="threat"))
    assert report.counts["updated"] == 1
    contact = Contact.objects.get(external_id="x")
    assert not contact.all_incidents
    assert list(contact.incident_types.values_list("slug", flat=True)) == ["threat"]


def test_a_regierungsbezirk_prefix_covers_all_its_districts(reference):
    report = run(one(scope="kreisweit", states="NW", districts="055; 057; 059"))
    assert report.applied, [e.message for e in report.errors]
    covered = set(Contact.objects.get(external_id="x").districts.values_list("ags", flat=True))
    expected = set(District.objects.filter(ags__regex=r"^05(5|7|9)").values_list("ags", flat=True))
    assert covered == expected and len(covered) == 27  # Münster 8, Detmold 7, Arnsberg 12


def test_a_prefix_that_is_no_region_is_refused(reference):
    report = run(one(scope="kreisweit", states="NW", districts="058"))
    assert not report.applied
    assert [e.message for e in report.errors] == [
        'row 2, column "districts": "058" is not a Regierungsbezirk; a three-digit key is the beginning of district keys, '
        "e.g. 059 for Arnsberg"
    ]


def test_a_prefix_in_another_state_is_refused(reference):
    report = run(one(scope="kreisweit", states="BY", districts="059"))
    assert [e.message for e in report.errors] == ['row 2, column "districts": "059" lies in Nordrhein-Westfalen, not in Bayern']


@pytest.mark.parametrize("cell, stored", [("2025", "2025"), ("2025-03", "2025-03"), ("2025-03-14", "2025-03-14"),
                                          ("14.03.2025", "2025-03-14"), ("03/2025", "2025-03")])
def test_the_source_date_is_kept_as_precise_as_the_page_gives_it(reference, cell, stored):
    report = run(one(source_date=cell, notes="Telefon laut https://example.org/kontakt"))
    assert report.applied, [e.message for e in report.errors]
    contact = Contact.objects.get(external_id="x")
    assert (contact.source_date, contact.notes) == (stored, "Telefon laut https://example.org/kontakt")


@pytest.mark.parametrize("cell", ["2025-13", "März 2025", "2025-02-30", "25"])
def test_a_source_date_that_is_no_date_is_refused(reference, cell):
    report = run(one(source_date=cell))
    assert [e.message for e in report.errors] == [
        f'row 2, column "source_date": "{cell}" is not a date of the source; please give a year (2025), a month (2025-03) '
        "or a date (2025-03-14)"
    ]
    assert not Contact.objects.exists()


def test_export_writes_alle_and_reimports_to_no_change(reference):
    run(one(incident_types="alle", source_date="2024-10", notes="Widerspruch: zwei Nummern"), source="partner")
    exported = contacts_export(fmt="csv", source_slug="partner").decode("utf-8-sig")
    header, line = export_table(exported.encode()).splitlines()[:2]
    cells = dict(zip(header.split(","), line.split(",")))
    assert (cells["incident_types"], cells["source_date"], cells["notes"]) == ("alle", "2024-10", "Widerspruch: zwei Nummern")
    again = run(exported.encode(), source="partner", dry_run=True)
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 1, "deactivated": 0, "invalid": 0}
