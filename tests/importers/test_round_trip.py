"""export_contacts writes the canonical format; importing it again changes nothing."""

import csv
import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from directory.models import Contact
from importers.export import contacts_export
from tests.importers.conftest import ERFURT, csv_bytes, export_table, run

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_export_reimports_to_zero_changes(fmt):
    call_command("load_demo", verbosity=0)
    data = contacts_export(fmt=fmt, source_slug="lotse-demo")
    report = run(data, source="lotse-demo", dry_run=True, filename=f"export.{fmt}")
    assert report.errors == [] and report.warnings == []
    rows = Contact.objects.filter(source__slug="lotse-demo").count()
    assert report.counts == {"created": 0, "updated": 0, "unchanged": rows, "deactivated": 0, "invalid": 0}


def test_exported_cells_are_neutralised_against_formula_injection():
    run(csv_bytes([dict(ERFURT, name="@Hilfe -Beratung", phone="+49 361 21886700")]))
    rows = list(csv.DictReader(io.StringIO(export_table(contacts_export(fmt="csv", source_slug="partner")))))
    assert (rows[0]["name"], rows[0]["phone"]) == ("'@Hilfe -Beratung", "'+4936121886700")
    sheet = load_workbook(io.BytesIO(contacts_export(fmt="xlsx", source_slug="partner"))).active
    cells = {c.value: c.data_type for c in sheet[2]}
    assert cells["'@Hilfe -Beratung"] == "s"
    again = run(contacts_export(fmt="xlsx", source_slug="partner"), filename="export.xlsx", dry_run=True)
    assert again.counts["unchanged"] == 1 and again.errors == []


def test_export_command_writes_a_file(tmp_path):
    run(csv_bytes([ERFURT]))
    target = tmp_path / "out.csv"
    call_command("export_contacts", "--source", "partner", "-o", str(target), stderr=io.StringIO())
    notice, header = target.read_bytes().decode().split("\r\n")[:2]
    assert notice.startswith("\ufeff# Data: Lotse, licence CC-BY-4.0 (https://creativecommons.org/licenses/by/4.0/). Sources: partner.")
    assert header.startswith("source_id,name,")


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_export_neutralises_the_same_six_formula_starts(start, client):
    # Issue 17: the importer's export left tab and carriage return alone, the API's CSV
    # did all six (OWASP "CSV injection"); now both call directory.formulas.neutralise.
    from directory.models import Contact

    run(csv_bytes([ERFURT]))
    Contact.objects.update(name=f"{start}cmd|' /C calc'!A0")
    exported = contacts_export(fmt="csv", source_slug="partner").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported.partition("\r\n")[2])))  # below the licence line
    assert rows[0]["name"] == f"'{start}cmd|' /C calc'!A0"
    response = client.get("/api/v1/contacts/", {"format": "csv"})
    api = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["name"] for row in api] == [f"'{start}cmd|' /C calc'!A0"]
    again = run(contacts_export(fmt="csv", source_slug="partner"), filename="export.csv", dry_run=True)
    assert again.counts["unchanged"] == 1 and again.errors == []


def test_there_is_one_csv_injection_guard():
    from api import renderers
    from directory import formulas
    from importers import export

    assert export.neutralise is renderers.neutralise is formulas.neutralise
