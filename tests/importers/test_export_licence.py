"""Every canonical export states the data's licence and attribution (issue 20), and
still re-imports to no change."""

import io
import json

import pytest
from openpyxl import load_workbook

from directory.models import Source
from importers.export import contacts_export
from tests.importers.conftest import ERFURT, HOTLINE, csv_bytes, run

pytestmark = pytest.mark.django_db

NOTICE = ("Data: Lotse, licence DL-DE-BY-2.0 (https://www.govdata.de/dl-de/by-2-0). Sources: Partnerliste Thüringen. "
          "Geodata: © GeoNames (geonames.org): postcodes and places, CC-BY-4.0; "
          "© Statistisches Bundesamt (Destatis): Gemeindeverzeichnis 04-kreise, CC-BY-4.0.")


@pytest.fixture
def exported(settings):
    settings.DATA_LICENCE, settings.DATA_LICENCE_URL = "DL-DE-BY-2.0", "https://www.govdata.de/dl-de/by-2-0"
    run(csv_bytes([ERFURT, HOTLINE]))
    Source.objects.filter(slug="partner").update(name="Partnerliste Thüringen", url="https://example.org/liste")


def test_csv_export_begins_with_the_licence_line(exported):
    text = contacts_export(fmt="csv", source_slug="partner").decode("utf-8-sig")
    assert text.split("\r\n")[0] == f"# {NOTICE}"


def test_json_export_carries_licence_sources_and_contacts(exported):
    document = json.loads(contacts_export(fmt="json", source_slug="partner"))
    assert document["licence"] == {"name": "DL-DE-BY-2.0", "path": "https://www.govdata.de/dl-de/by-2-0"}
    assert document["attribution"] == NOTICE
    assert document["sources"] == [{"title": "Partnerliste Thüringen", "path": "https://example.org/liste", "slug": "partner", "contacts": 2}]
    assert [row["name"] for row in document["contacts"]] == ["Hilfetelefon Gewalt gegen Frauen", "ezra Opferberatung"]


def test_xlsx_export_has_a_licence_sheet_after_the_contacts(exported):
    workbook = load_workbook(io.BytesIO(contacts_export(fmt="xlsx", source_slug="partner")))
    assert workbook.sheetnames == ["contacts", "Licence"]
    rows = [[cell for cell in row if cell is not None] for row in workbook["Licence"].iter_rows(values_only=True)]
    assert rows == [
        ["Licence", "DL-DE-BY-2.0", "https://www.govdata.de/dl-de/by-2-0"],
        ["Attribution", NOTICE],
        ["Source", "Partnerliste Thüringen", "https://example.org/liste"],
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_each_export_reimports_to_no_change(exported, fmt):
    again = run(contacts_export(fmt=fmt, source_slug="partner"), dry_run=True, filename=f"export.{fmt}")
    assert again.errors == [] and again.warnings == []
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 2, "deactivated": 0, "invalid": 0}


def test_comment_lines_keep_the_files_row_numbers():
    data = "# a comment\r\n\"# quoted by a spreadsheet\";;\r\n".encode() + csv_bytes([ERFURT, dict(HOTLINE, scope="weltweit")])
    report = run(data, dry_run=True)
    assert [error.message for error in report.errors] == [
        'row 5, column "scope": "weltweit" is not a scope; use bundesweit, landesweit, kreisweit or lokal (national, state, district, local)'
    ]
