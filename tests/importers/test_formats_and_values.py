"""Files as partners send them, values as people write them."""

import io
import json

import pytest
from openpyxl import Workbook

from directory.models import Contact
from tests.importers.conftest import ERFURT, HEADER, HOTLINE, MUNICH, csv_bytes, row, run

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_delimiters_and_encodings(delimiter, encoding):
    data = csv_bytes([dict(ERFURT, name="Beratungsstelle Straße Thüringen"), MUNICH], delimiter=delimiter, encoding=encoding)
    report = run(data)
    assert report.applied, [e.message for e in report.errors]
    assert Contact.objects.get(external_id="ezra").name == "Beratungsstelle Straße Thüringen"


def test_german_excel_export_with_aliases():
    header = ["ID", "Name", "Art", "Zuständigkeit", "Bundesland", "Landkreis", "PLZ", "Ort", "Straße", "Telefon", "E-Mail",
              "Webseite", "Vorfallarten", "Quelle", "Zuletzt geprüft", "Rund um die Uhr", "Barrierefrei", "Sprachen"]
    values = ["w-1", "WEISSER RING Außenstelle Erfurt", "Opferberatung", "kreisweit", "Thüringen", "Erfurt", "99084", "Erfurt",
              "Anger 1", "(0361) 555-123; Hotline: 116 006", "erfurt@weisser-ring.de", "www.weisser-ring.de",
              "Bedrohung; Beleidigung, Hass und Hetze im Netz", "https://weisser-ring.de/erfurt", "24.11.2026", "x", "nein",
              "Deutsch, Englisch"]
    data = csv_bytes([values], header=header, delimiter=";", encoding="cp1252")
    report = run(data)
    assert report.applied, [e.message for e in report.errors]
    contact = Contact.objects.get(external_id="w-1")
    assert contact.scope == "district"
    assert list(contact.districts.values_list("ags", flat=True)) == ["16051"]
    assert [(p.label, p.number) for p in contact.phones.all()] == [("", "+49361555123"), ("Hotline", "116006")]
    assert sorted(contact.incident_types.values_list("slug", flat=True)) == ["insult", "online_hate", "threat"]
    assert (contact.website, contact.last_verified.isoformat(), contact.open_24_7, contact.barrier_free, contact.anonymous) == (
        "https://www.weisser-ring.de", "2026-11-24", True, False, None)
    assert contact.languages == ["de", "en"]


@pytest.mark.parametrize("written", ["BY", "DE-BY", "09", "9", "Bayern", "bavaria", " bayern "])
def test_states_by_name_code_iso_or_ags(written):
    report = run(csv_bytes([row(source_id="x", name="LKA", scope="landesweit", states=written)]))
    assert report.applied, [e.message for e in report.errors]
    assert list(Contact.objects.get().states.values_list("code", flat=True)) == ["BY"]


def test_districts_by_unambiguous_name_within_the_state():
    report = run(csv_bytes([row(source_id="x", name="A", scope="kreisweit", states="BY", districts="Landkreis München")]))
    assert report.applied
    assert list(Contact.objects.get().districts.values_list("ags", flat=True)) == ["09184"]
    ambiguous = run(csv_bytes([row(source_id="y", name="B", scope="kreisweit", states="BY", districts="München")]), dry_run=True)
    assert [e.message for e in ambiguous.errors] == [
        'row 2, column "districts": "München" is ambiguous (09162 München (independent city), 09184 München (rural district)); use the AGS key'
    ]


def test_district_row_takes_its_district_from_the_postcode():
    report = run(csv_bytes([row(source_id="x", name="A", scope="lokal", postcode="99084")]))
    assert report.applied
    assert list(Contact.objects.get().districts.values_list("ags", flat=True)) == ["16051"]


def test_postcode_outside_the_given_state():
    report = run(csv_bytes([dict(ERFURT, postcode="80335")]))
    assert [e.message for e in report.errors] == ['row 2, column "postcode": "80335" is not in Thüringen']


def test_unknown_postcode_and_scope_contradicting_coverage():
    report = run(csv_bytes([dict(ERFURT, postcode="00000"), row(source_id="n", name="N", scope="bundesweit", districts="16051")]))
    assert [e.message for e in report.errors] == [
        'row 2, column "postcode": "00000" is not a known German postcode',
        'row 3, column "scope": "bundesweit" contradicts the coverage: a nationwide contact covers no single states or districts',
    ]


def test_xlsx_import_with_numeric_postcode_and_date_cells():
    from datetime import datetime

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["source_id", "name", "kinds", "scope", "postcode", "last_verified"])
    sheet.append(["d-1", "Opferberatung Dresden", "victim_support", "lokal", 1067, datetime(2026, 11, 24)])
    out = io.BytesIO()
    workbook.save(out)
    report = run(out.getvalue(), filename="liste.xlsx")
    assert report.applied, [e.message for e in report.errors]
    contact = Contact.objects.get()
    assert (contact.postcode, contact.district.ags, contact.last_verified.isoformat()) == ("01067", "14612", "2026-11-24")


def test_json_list_of_objects():
    data = json.dumps([
        {"source_id": "h", "name": "Hilfetelefon", "kinds": ["victim_support"], "scope": "national",
         "phone": [{"label": "Beratung", "number": "116 016"}], "open_24_7": True},
    ]).encode()
    report = run(data, filename="c.json")
    assert report.applied, [e.message for e in report.errors]
    contact = Contact.objects.get()
    assert contact.open_24_7 and [(p.label, p.number) for p in contact.phones.all()] == [("Beratung", "116016")]


def test_mapping_renames_and_ignores_headers():
    data = csv_bytes([["a", "Stelle A", "legal", "national", "intern"]], header=["Nr.", "Einrichtung", "kinds", "scope", "Bearbeiter"])
    refused = run(data, dry_run=True)
    assert [e.message for e in refused.errors][0].startswith('column "Einrichtung": is not a known column')
    report = run(data, mapping={"Einrichtung": "name", "Bearbeiter": ""})
    assert report.applied and Contact.objects.get().name == "Stelle A"
    bad = run(data, mapping={"Einrichtung": "title"})
    assert [e.message for e in bad.errors][0].startswith('mapping for "Einrichtung": "title" is not a canonical column')


def test_header_case_and_spacing_do_not_matter():
    data = csv_bytes([["x", "A", "legal", "national"]], header=[" SOURCE ID ", "NAME", "Kinds", "scope"])
    assert run(data).applied


def test_phone_notations_are_normalised():
    data = csv_bytes([dict(HOTLINE, phone="0711 5401-3003; (040) 284016-67; 116 006; 0800 300 99 44")])
    run(data)
    assert list(Contact.objects.get().phones.values_list("number", flat=True)) == [
        "+4971154013003", "+494028401667", "116006", "+498003009944"]


def test_a_column_given_twice():
    header = HEADER + ["email"]
    report = run(csv_bytes([ERFURT], header=header), dry_run=True)
    assert [e.message for e in report.errors] == ['column "email": means the same as column "email"; keep one of them']
