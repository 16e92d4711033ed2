"""Bad input: each gets a clear message and changes nothing (issue 4)."""

import io
import zipfile

import pytest
from openpyxl import Workbook

from directory.models import Contact, Source
from tests.importers.conftest import ERFURT, HEADER, MUNICH, csv_bytes, row, run

pytestmark = pytest.mark.django_db


def refused(report) -> list[str]:
    assert not report.ok and not report.applied
    assert not Contact.objects.exists() and not Source.objects.filter(slug="partner").exists()
    return [e.message for e in report.errors]


def test_empty_file():
    assert refused(run(b"")) == ["the file is empty"]
    assert refused(run(b"\xef\xbb\xbf \r\n")) == ["the file is empty"]


def test_header_only():
    assert refused(run(csv_bytes([]))) == ["the file has a header but no rows; there is nothing to import"]


def test_binary_garbage():
    garbage = bytes(range(256)) * 40
    assert refused(run(garbage)) == ["the file holds binary data, not text; upload a CSV, XLSX or JSON file"]


def test_wrong_encoding():
    utf16 = csv_bytes([ERFURT]).decode().encode("utf-16")
    assert refused(run(utf16)) == ['the file is encoded as UTF-16; save it as "CSV UTF-8" (or as .xlsx) and try again']
    # 0x81 is undefined in Windows-1252 and invalid as UTF-8 here.
    assert refused(run(b"name,kinds,scope\r\nA\x81B,legal,national\r\n")) == [
        'byte 20 of the file is neither UTF-8 nor Windows-1252 text; save it as "CSV UTF-8" and try again'
    ]


def test_unknown_columns():
    data = csv_bytes([ERFURT], header=HEADER + ["Faxnummer"])
    assert refused(run(data)) == [
        'column "Faxnummer": is not a known column; rename it to a canonical column (see fixtures/import/README.md) '
        "or map it with a mapping file (--mapping)"
    ]


def test_missing_required_columns():
    data = csv_bytes([["x"]], header=["name"])
    assert refused(run(data)) == ["the file has no column for scope, kinds (required: name, scope, kinds)"]


def test_row_with_ten_thousand_columns():
    data = csv_bytes([ERFURT]) + b",".join([b"x"] * 10_000) + b"\r\n"
    assert refused(run(data)) == ["row 3 has 10,000 cells; a file may have at most 200 columns (the header has 11)"]


def test_file_over_the_size_limit(settings):
    settings.IMPORT_MAX_BYTES = 1000
    data = csv_bytes([ERFURT] * 20)
    assert refused(run(data)) == [
        f"the file is {len(data):,} bytes; the limit is 1,000 bytes (IMPORT_MAX_BYTES); split it into smaller files"
    ]


def _xlsx(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for r in rows:
        sheet.append([r.get(h, "") for h in header] if isinstance(r, dict) else r)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_xlsx_zip_bomb_is_refused_before_unpacking(settings):
    settings.IMPORT_MAX_XLSX_UNCOMPRESSED = 40 * 1024 * 1024
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (50 * 1024 * 1024))  # 50 MB of zeros, 50 KB packed
    messages = refused(run(out.getvalue(), filename="bomb.xlsx"))
    assert messages == [
        "the workbook unpacks to 52,428,808 bytes; the limit is 41,943,040 (IMPORT_MAX_XLSX_UNCOMPRESSED); "
        "it may be a zip bomb, or split it into smaller files"
    ]


def test_xlsx_high_compression_ratio_is_refused(settings):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (5 * 1024 * 1024))
    messages = refused(run(out.getvalue(), filename="bomb.xlsx"))
    assert len(messages) == 1 and "is compressed" in messages[0] and messages[0].endswith("that is a zip bomb, not a contact list")


def test_formulas_in_cells_are_reported_not_evaluated():
    data = _xlsx([dict(ERFURT, name='=HYPERLINK("http://evil.example","Hilfe")'), MUNICH])
    assert refused(run(data, filename="c.xlsx")) == [
        'row 2, column "name": "=HYPERLINK("http://evil.example","Hilfe")" is a formula; formulas are not evaluated, enter the value itself'
    ]
    csv_formula = csv_bytes([dict(ERFURT, phone="=1+1")])
    assert refused(run(csv_formula)) == [
        'row 2, column "phone": "=1+1" is a formula; formulas are not evaluated, enter the value itself'
    ]


def test_html_and_script_are_stored_as_text():
    name = '<script>alert("x")</script><b>Opferhilfe</b>'
    report = run(csv_bytes([dict(ERFURT, name=name)]))
    assert report.applied
    assert Contact.objects.get().name == name


def test_duplicate_source_ids():
    data = csv_bytes([ERFURT, MUNICH, dict(ERFURT, name="ezra again")])
    assert refused(run(data)) == [
        'row 2, column "source_id": "ezra" also appears in row 4; each source id may appear only once in a file',
        'row 4, column "source_id": "ezra" also appears in row 2; each source id may appear only once in a file',
    ]


def test_district_from_another_state():
    data = csv_bytes([dict(MUNICH, districts="16051")])
    assert refused(run(data)) == ['row 2, column "districts": "16051" (Erfurt) is in Thüringen, not in Bayern']


def test_broken_json():
    assert refused(run(b'[{"name": "x",}]', filename="c.json")) == [
        "the JSON is invalid at line 1, column 15: Expecting property name enclosed in double quotes"
    ]
    assert refused(run(b'{"name": "x"}', filename="c.json")) == [
        'a JSON import must be a list of objects, e.g. [{"name": "…", "scope": "national", …}]'
    ]


def test_old_xls_and_fake_xlsx():
    assert refused(run(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, filename="c.xls")) == [
        'old Excel files (.xls) cannot be read; in Excel use "Save as" → "Excel workbook (.xlsx)"'
    ]
    assert refused(run(b"name,kinds,scope\r\n", filename="c.xlsx")) == [
        "the file is named .xlsx but is not an Excel workbook; export it again from Excel"
    ]


def test_bad_source_name():
    assert refused(run(csv_bytes([ERFURT]), source="Weißer Ring!")) == [
        '"Weißer Ring!" is not a source name; use lowercase letters, digits and hyphens (e.g. weisser-ring)'
    ]


def test_every_error_of_every_row_is_collected():
    data = csv_bytes([
        row(source_id="a", name="", kinds="helping", scope="überall"),
        row(source_id="b", name="B", email="not-an-email", website="javascript:alert(1)", phone="12"),
        ERFURT,
    ])
    assert refused(run(data)) == [
        'row 2, column "name": is required',
        'row 2, column "kinds": "helping" is not known; use one of Emergency number, Police station, Online police station, '
        "State criminal police / state security, Public prosecutor (hate crime unit), Victim support, "
        "Psychological counselling, Legal advice, Mobile counselling against right-wing extremism, "
        "Reporting office for online hate, Municipal association, Prevention and training, Public authority",
        'row 2, column "scope": "überall" is not a scope; use bundesweit, landesweit, kreisweit or lokal (national, state, district, local)',
        'row 3, column "phone": "12" is not a valid phone number; write it like 0711 5401-3003 or +49 711 54013003',
        'row 3, column "email": "not-an-email" is not an email address',
        'row 3, column "website": "javascript:alert(1)" is not a web address; write it as https://…',
    ]
