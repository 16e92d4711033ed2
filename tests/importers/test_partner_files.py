"""Partner files as they really are (issue 22): a corpus of lists as offices keep them in
Excel and save them as CSV. Title rows, empty rows, note rows, German labels and values,
German opening hours, merged header cells; each imports with the expected contacts and
report lines, and row numbers stay the spreadsheet's own.

Messages are asserted in English (tests/importers/conftest.py); test_messages_german.py
has the German wording of the header line.
"""

import io

import openpyxl
import pytest

from directory.models import Contact
from importers.models import SourceMapping
from tests.importers.conftest import run

pytestmark = pytest.mark.django_db

HEADERS = ["Nr.", "Name", "Träger", "Art", "Vorfälle", "Zuständigkeit", "Landkreis", "Straße", "PLZ", "Ort", "Telefon", "E-Mail",
           "Webseite", "Öffnungszeiten", "Quelle"]
TITLE = "Hilfsangebote im Landkreis Gotha – Stand November 2026"
NOTE = "Hinweis: Angaben ohne Gewähr"


def xlsx(rows: list[list], merges: tuple[str, ...] = ()) -> bytes:
    """A workbook as Excel writes it: rows from row 1 (None: an empty row), merged ranges
    with their value in the first cell only."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Hilfsangebote"
    for number, cells in enumerate(rows, start=1):
        for column, value in enumerate(cells or [], start=1):
            if value not in (None, ""):
                sheet.cell(row=number, column=column, value=value)
    for cell_range in merges:
        sheet.merge_cells(cell_range)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


POLICE = ["1", "Polizeiinspektion Gotha", "Landespolizeiinspektion Gotha", "Polizei", "Bedrohung, Beleidigung", "kreisweit",
          "Gotha", "Mohrenstraße 22", "99867", "Gotha", "03621 781124", "pi.gotha@polizei.thueringen.de",
          "www.polizei.thueringen.de", "rund um die Uhr", "https://polizei.thueringen.de/lpigotha"]
COUNSEL = ["2", "Opferberatung Gotha", "ezra", "Opferberatung; Psychologische Beratung", "Bedrohungen\nHass im Netz", "Landkreis",
           "Gotha", "Erfurter Str. 3", "99867", "Gotha", "0361 2188 6700", "beratung@ezra.de", "https://ezra.de",
           "Mo-Fr 9-16 Uhr", "https://ezra.de/kontakt"]
OFFICE = ["3", "Ordnungsamt Gotha", "Landratsamt Gotha", "Behörde", "Veröffentlichung privater Daten", "kreisweit", "Gotha",
          "18.-März-Straße 50", "99867", "Gotha", "03621 214-0", "", "https://www.landkreis-gotha.de",
          "Di 10-12 Uhr, sonst nach Absprache", "https://www.landkreis-gotha.de/buergerservice"]
MOBILE = ["4", "Mobile Beratung in Thüringen", "MOBIT e.V.", "Mobile Beratung", "Einschüchterung, Störung von Sitzungen",
          "Kreisgebiet", "Gotha", "Pfeiffersgasse 15", "99084", "Erfurt", "0361 21 92 694", "mail@mobit.de", "https://mobit.de",
          "Mo.–Fr. 9:00–17:00 Uhr, feiertags geschlossen", "https://mobit.de/kontakt"]


def gotha_xlsx() -> bytes:
    """Title merged over the header's width, an empty row, the header in row 3, an empty
    row inside the data, a note below it."""
    return xlsx([[TITLE], None, HEADERS, POLICE, COUNSEL, None, OFFICE, MOBILE, None, [NOTE]], merges=("A1:O1", "A10:O10"))


def gotha_csv() -> bytes:
    """The same list saved by Excel as "CSV (Trennzeichen-getrennt)": Windows-1252, ";",
    every row padded to the sheet's width, a line break inside a quoted cell."""
    def line(cells):
        return ";".join(f'"{c}"' if any(ch in c for ch in ';\n"') else c for c in cells + [""] * (15 - len(cells)))
    lines = [line([TITLE]), line([]), line(HEADERS), line(POLICE), line(COUNSEL), line([]), line(OFFICE), line(MOBILE),
             line([]), line(["Stand: 11/2026"]), line([NOTE])]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def two_row_header_xlsx() -> bytes:
    """A header two rows high: "Name", "Art", "Zuständigkeit" and "Landkreis" merged down
    over rows 3-4, "Anschrift" over Straße/PLZ/Ort and "Telefon" over Festnetz/Hotline;
    the district merged down over the rows of its contacts."""
    rows = [
        ["Kontaktliste Stadt Erfurt"],
        None,
        ["Name", "Anschrift", None, None, "Art", "Zuständigkeit", "Landkreis", "Telefon", None, "Öffnungszeiten"],
        [None, "Straße", "PLZ", "Ort", None, None, None, "Festnetz", "Hotline", None],
        ["Polizeiinspektion Erfurt-Nord", "Andreasstraße 38", "99084", "Erfurt", "Polizeiwache", "lokal", "Erfurt",
         "0361 7840-0", "110", "täglich 0-24 Uhr"],
        ["Staatsanwaltschaft Erfurt", "Rudolfstraße 46", "99092", "Erfurt", "StA", "kreisweit", None, "0361 3775-0", None,
         "Mo-Do 8.30-15.30, Fr 8.30-13 Uhr"],
        ["Bürgeramt Erfurt", "Bürgermeister-Wagner-Straße 1", "99084", "Erfurt", "Meldebehörde", "lokal", None, "0361 655-0",
         None, "Mo, Di, Do 9-12 Uhr und 14-18 Uhr"],
    ]
    merges = ("A3:A4", "B3:D3", "E3:E4", "F3:F4", "G3:G4", "H3:I3", "J3:J4", "G5:G7")
    return xlsx(rows, merges)


def english_csv() -> bytes:
    """English labels and values from a national partner, one empty first row."""
    return (
        "\n"
        "Name,Kind,Incident types,Scope,Phone,Opening hours,Target groups,Channels\n"
        "HateAid,Victim support,Online hate; Threat,national,030 252088838,Mo-Th 10-16 Uhr,Officials,Phone; Email\n"
    ).encode()


def test_a_district_workbook_with_title_empty_and_note_rows_imports_as_it_is():
    report = run(gotha_xlsx(), source="lk-gotha", filename="hilfsangebote-gotha.xlsx")
    assert report.errors == [] and report.counts["created"] == 4
    messages = [w.message for w in report.warnings]
    assert messages[0] == "header found in row 3; skipped rows 1–2"
    assert messages[1] == "row 6 is empty and was skipped"
    assert 'row 10: "Hinweis: Angaben ohne Gewähr" is below the list and is a note, not a contact; skipped' in messages
    assert ('row 7, column "Öffnungszeiten": "Di 10-12 Uhr, sonst nach Absprache" is not a known way of writing opening hours; '
            'the text is shown as written, without "open now" (understood are e.g. "Mo-Fr 9-16 Uhr" or "Mo-Fr 09:00-16:00")') in messages
    assert len(messages) == 4
    police = Contact.objects.get(external_id="1")
    assert police.name == "Polizeiinspektion Gotha" and police.opening_hours == "24/7"
    assert sorted(police.kinds.values_list("slug", flat=True)) == ["police"]
    assert sorted(police.incident_types.values_list("slug", flat=True)) == ["insult", "threat"]
    assert list(police.districts.values_list("ags", flat=True)) == ["16067"]
    counsel = Contact.objects.get(external_id="2")
    assert sorted(counsel.kinds.values_list("slug", flat=True)) == ["psychological", "victim_support"]
    assert sorted(counsel.incident_types.values_list("slug", flat=True)) == ["online_hate", "threat"]
    assert counsel.opening_hours == "Mo-Fr 09:00-16:00" and counsel.scope == "district"
    office = Contact.objects.get(external_id="3")
    assert office.opening_hours == 'unknown "Di 10-12 Uhr, sonst nach Absprache"'
    assert list(office.kinds.values_list("slug", flat=True)) == ["authority"]
    assert list(office.incident_types.values_list("slug", flat=True)) == ["doxxing"]
    mobile = Contact.objects.get(external_id="4")
    assert mobile.opening_hours == "Mo-Fr 09:00-17:00; PH off" and mobile.scope == "district"
    assert sorted(mobile.incident_types.values_list("slug", flat=True)) == ["extremist_intimidation"]


def test_the_same_list_saved_as_csv_by_excel_imports_the_same_contacts():
    from_xlsx = run(gotha_xlsx(), source="lk-gotha", filename="hilfsangebote-gotha.xlsx")
    assert from_xlsx.counts["created"] == 4
    report = run(gotha_csv(), source="lk-gotha", filename="hilfsangebote-gotha.csv", dry_run=True)
    assert report.errors == []
    assert report.counts == {"created": 0, "updated": 0, "unchanged": 4, "deactivated": 0, "invalid": 0}
    messages = [w.message for w in report.warnings]
    assert messages[:2] == ["header found in row 3; skipped rows 1–2", "row 6 is empty and was skipped"]
    assert messages[2:4] == [
        'row 10: "Stand: 11/2026" is below the list and is a note, not a contact; skipped',
        'row 11: "Hinweis: Angaben ohne Gewähr" is below the list and is a note, not a contact; skipped',
    ]


def test_a_two_row_header_with_merged_cells_reads_each_cell_as_its_value():
    report = run(two_row_header_xlsx(), source="stadt-erfurt", filename="kontakte-erfurt.xlsx")
    assert report.errors == [], [e.message for e in report.errors]
    assert [w.message for w in report.warnings] == ["header found in row 4; skipped rows 1–3"]
    assert report.counts["created"] == 3
    police = Contact.objects.get(name="Polizeiinspektion Erfurt-Nord")
    assert sorted(p.number for p in police.phones.all()) == ["+4936178400", "110"]
    assert police.opening_hours == "Mo-Su 00:00-24:00" and police.street == "Andreasstraße 38"
    # "Erfurt" merged down over the three rows: each of them names the district.
    prosecutor = Contact.objects.get(name="Staatsanwaltschaft Erfurt")
    assert list(prosecutor.districts.values_list("ags", flat=True)) == ["16051"]
    assert list(prosecutor.kinds.values_list("slug", flat=True)) == ["prosecution"]
    assert prosecutor.opening_hours == "Mo-Th 08:30-15:30; Fr 08:30-13:00"
    office = Contact.objects.get(name="Bürgeramt Erfurt")
    assert office.opening_hours == "Mo,Tu,Th 09:00-12:00,14:00-18:00"


def test_english_labels_and_an_empty_first_row():
    report = run(english_csv(), source="hateaid", filename="hateaid.csv")
    assert report.errors == [] and report.counts["created"] == 1
    assert [w.message for w in report.warnings] == ["header found in row 2; skipped row 1"]
    hateaid = Contact.objects.get()
    assert sorted(hateaid.incident_types.values_list("slug", flat=True)) == ["online_hate", "threat"]
    assert sorted(hateaid.channels.values_list("slug", flat=True)) == ["email", "phone"]
    assert list(hateaid.target_groups.values_list("slug", flat=True)) == ["officials"]
    assert hateaid.opening_hours == "Mo-Th 10:00-16:00"


def test_row_numbers_in_errors_stay_the_spreadsheets_own():
    bad = list(COUNSEL)
    bad[8] = "9986"  # a postcode with a digit missing
    report = run(xlsx([[TITLE], None, HEADERS, POLICE, bad]), source="lk-gotha", filename="liste.xlsx")
    assert [e.message for e in report.errors] == ['row 5, column "PLZ": "9986" is not a postcode']
    assert report.errors[0].row == 5


def test_a_list_without_any_known_header_is_refused_with_its_first_row_named():
    data = xlsx([[TITLE], None, ["Einrichtung", "Rubrik", "Gebiet"], ["Opferhilfe", "Beratung", "Gotha"]])
    report = run(data, source="x", filename="liste.xlsx")
    messages = [e.message for e in report.errors]
    assert 'column "Einrichtung": is not a known column; rename it to a canonical column (see fixtures/import/README.md) ' \
           "or map it with a mapping file (--mapping)" in messages
    assert not Contact.objects.exists()


def test_an_unknown_value_is_mapped_and_the_mapping_is_remembered_for_the_next_file():
    rows = [HEADERS, POLICE[:3] + ["Polizeiposten Ohrdruf"] + POLICE[4:]]  # "Polizeiposten Ohrdruf" is no kind
    refused = run(xlsx(rows), source="lk-gotha", filename="november.xlsx")
    assert not refused.ok
    assert refused.as_dict()["unmapped"] == {"columns": [], "values": {"kinds": ["Polizeiposten Ohrdruf"]}}
    mapping = {"values": {"kinds": {"Polizeiposten Ohrdruf": "police"}}}
    applied = run(xlsx(rows), source="lk-gotha", filename="november.xlsx", mapping=mapping)
    assert applied.ok and applied.applied and applied.counts["created"] == 1
    assert SourceMapping.objects.get(source__slug="lk-gotha").mapping == {"columns": {}, "values": mapping["values"]}
    december = run(xlsx([HEADERS, POLICE[:3] + ["polizeiposten ohrdruf"] + POLICE[4:13] + ["Mo-Fr 8-18 Uhr"] + POLICE[14:]]),
                   source="lk-gotha", filename="dezember.xlsx")
    assert december.ok and december.counts["updated"] == 1 and december.mapping_stored == 1
    assert Contact.objects.get(external_id="1").opening_hours == "Mo-Fr 08:00-18:00"
