"""Import limits hold while a file is read, not after (issue 17): rows, columns, distinct
JSON keys, nesting and field size are counted as the reader goes, and it stops at the
limit, so the memory of a refused upload stays bounded by the limits."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook

from directory.models import Contact, Source
from importers.models import ImportRun
from importers.readers import ReadError, table_read
from tests.importers.conftest import ERFURT, HEADER, csv_bytes, row, run

MB = 1024 * 1024


def peak_of_read(data: bytes, filename: str) -> tuple[int, str]:
    """The reader's peak memory (tracemalloc, above what was allocated before) and its refusal."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline = tracemalloc.get_traced_memory()[0]
        with pytest.raises(ReadError) as refused:
            table_read(data, filename)
        peak = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()
    return peak, str(refused.value)


def csv_of_rows(count: int) -> bytes:
    return b"name,kinds\r\n" + b"a,b\r\n" * count


def test_csv_rows_are_counted_while_reading(settings):
    # 1,000,000 rows in 5 MB: before, every row was in memory before the limit was checked
    # (375 MB for a 2 MB file).
    settings.IMPORT_MAX_ROWS = 1000
    data = csv_of_rows(1_000_000)
    peak, message = peak_of_read(data, "c.csv")
    assert message == "the file has more than 1,000 rows; the limit is 1,000 (IMPORT_MAX_ROWS); split it into smaller files"
    assert peak < len(data) + 2 * MB, f"peak {peak / MB:.1f} MB for a {len(data) / MB:.1f} MB file"


def test_csv_rows_at_the_limit_are_read(settings):
    settings.IMPORT_MAX_ROWS = 1000
    table = table_read(csv_of_rows(1000) + b"\r\n\r\n", "c.csv")  # blank lines are not rows
    assert len(table.rows) == 1000


def test_csv_header_wider_than_the_column_limit_is_refused(settings):
    settings.IMPORT_MAX_COLUMNS = 50
    data = (",".join(f"h{n}" for n in range(51)) + "\r\n" + ",".join("x" * 51) + "\r\n").encode()
    with pytest.raises(ReadError, match=r"^the header has 51 columns; the limit is 50 \(IMPORT_MAX_COLUMNS\)"):
        table_read(data, "c.csv")
    # Trailing empty header cells (a spreadsheet's leftover separators) do not count.
    table = table_read(("a,b" + "," * 60 + "\r\nx,y\r\n").encode(), "c.csv")
    assert table.headers[:2] == ["a", "b"]


def test_a_record_with_millions_of_delimiters_is_refused_before_it_is_split(settings):
    # One line of 5,000,000 separators would become a list of 5,000,000 cells.
    data = b"name,kinds\r\n" + b"xy," * 5_000_000 + b"\r\n"
    peak, message = peak_of_read(data, "c.csv")
    assert message.startswith("row 2 has more than 10,000 separators; a file may have at most 200 columns")
    assert peak < len(data) + 2 * MB, f"peak {peak / MB:.1f} MB for a {len(data) / MB:.1f} MB file"


def test_a_first_csv_field_over_the_field_limit_is_a_read_error():
    # Before, the delimiter detection raised csv.Error outside the reader's try: a 500.
    data = b'"' + b"x" * 200_000 + b'",kinds\r\na,b\r\n'
    with pytest.raises(ReadError, match=r"^row 1: the CSV cannot be read \(field larger than field limit"):
        table_read(data, "c.csv")
    # Also when a library raised the process-wide limit (frictionless does on import).
    previous = csv.field_size_limit(20_000_000)
    try:
        with pytest.raises(ReadError, match=r"^row 1: the CSV cannot be read \(field larger than field limit"):
            table_read(data, "c.csv")
        assert csv.field_size_limit() == 20_000_000
    finally:
        csv.field_size_limit(previous)


def test_json_with_distinct_keys_stops_at_the_column_limit(settings):
    # 47 KB of objects with one new key each became 9 million cells, 1.2 GB, 6.4 s.
    items = [{f"k{n}": 1} for n in range(3000)]
    data = json.dumps(items).encode()
    peak, message = peak_of_read(data, "c.json")
    assert message == "the JSON objects have more than 200 different keys; a file may have at most 200 columns (IMPORT_MAX_COLUMNS)"
    assert peak < 2 * MB, f"peak {peak / MB:.1f} MB"


def test_json_rows_are_counted_while_reading(settings):
    settings.IMPORT_MAX_ROWS = 1000
    data = b"[" + b",".join([b'{"name":"a"}'] * 500_000) + b"]"
    peak, message = peak_of_read(data, "c.json")
    assert message == "the file has more than 1,000 rows; the limit is 1,000 (IMPORT_MAX_ROWS); split it into smaller files"
    assert peak < 2 * len(data) + 2 * MB, f"peak {peak / MB:.1f} MB for a {len(data) / MB:.1f} MB file"


@pytest.mark.parametrize("data", [b"[" * 200_000 + b"]" * 200_000, b'[{"name": ' + b"[" * 5000 + b"]" * 5000 + b"}]",
                                  b'{"contacts": [{"a": ' + b'{"b":' * 3000 + b"1" + b"}" * 3000 + b"}]}"])
def test_deeply_nested_json_is_a_read_error(data):
    # Before: RecursionError, an uncaught exception (a 500 for the API).
    with pytest.raises(ReadError, match="nested"):
        table_read(data, "c.json")


def test_json_in_a_contacts_object_is_read_and_counted(settings):
    settings.IMPORT_MAX_ROWS = 2
    data = json.dumps({"source": "x", "contacts": [{"name": "a", "kinds": "legal"}, {"name": "b", "kinds": "legal"}]}).encode()
    table = table_read(data, "c.json")
    assert table.headers == ["name", "kinds"] and [[c.text for c in cells] for _, cells in table.rows] == [["a", "legal"], ["b", "legal"]]
    too_many = json.dumps({"contacts": [{"name": str(n)} for n in range(3)]}).encode()
    with pytest.raises(ReadError, match="more than 2 rows"):
        table_read(too_many, "c.json")


def _xlsx_rows(count: int, width: int = 3) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([f"h{n}" for n in range(width)])
    for n in range(count):
        sheet.append([n] * width)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_xlsx_rows_are_counted_while_reading(settings):
    settings.IMPORT_MAX_ROWS = 1000
    data = _xlsx_rows(15_000)
    peak, message = peak_of_read(data, "c.xlsx")
    assert message == "the file has more than 1,000 rows; the limit is 1,000 (IMPORT_MAX_ROWS); split it into smaller files"
    assert peak < 4 * MB, f"peak {peak / MB:.1f} MB"


def _xlsx_with_sheet(sheet_data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"))
        archive.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"))
        archive.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="Kontakte" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        archive.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"))
        archive.writestr("xl/worksheets/sheet1.xml", b'<?xml version="1.0" encoding="UTF-8"?>'
                         b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                         + sheet_data + b"</sheetData></worksheet>")
    return out.getvalue()


def test_a_hand_made_workbook_reads():
    data = _xlsx_with_sheet(b'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c><c r="B1" t="inlineStr"><is><t>kinds</t></is></c></row>'
                            b'<row r="2"><c r="A2" t="inlineStr"><is><t>Stelle</t></is></c><c r="B2"><v>7</v></c></row>')
    table = table_read(data, "c.xlsx")
    assert table.headers == ["name", "kinds"]
    assert [(n, [c.text for c in cells]) for n, cells in table.rows] == [(2, ["Stelle", "7"])]


def test_an_xlsx_row_of_a_million_cells_is_refused_before_it_is_built(settings):
    cells = b"".join(b"<c><v>%d</v></c>" % n for n in range(1_000_000))  # distinct values: no zip bomb
    data = _xlsx_with_sheet(b'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row><row r="2">' + cells + b"</row>")
    peak, message = peak_of_read(data, "c.xlsx")
    assert message.startswith("row 2 has")
    assert "a file may have at most 200 columns" in message
    assert peak < 8 * MB, f"peak {peak / MB:.1f} MB"


def test_xlsx_values_beyond_the_column_limit_are_refused(settings):
    settings.IMPORT_MAX_COLUMNS = 5
    data = _xlsx_with_sheet(b'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>'
                            b'<row r="2"><c r="A2"><v>1</v></c><c r="XFD2"><v>1</v></c></row>')
    with pytest.raises(ReadError, match=r"^row 2 has a value in column XFD; a file may have at most 5 columns \(up to column E\)"):
        table_read(data, "c.xlsx")


# --- the import service: a refused file changes nothing, and keeps a bounded report ------


@pytest.mark.django_db
def test_the_stored_error_list_is_capped_and_says_how_many_more(settings):
    rows = [row(source_id=f"r{n}", name=f"Stelle {n}", kinds="helping") for n in range(1500)]
    report = run(csv_bytes(rows))
    assert not report.ok and not Contact.objects.exists() and not Source.objects.exists()
    assert len(report.errors) == 1500  # the report in memory has them all
    body = report.as_dict()
    assert len(body["errors"]) == 1000 and body["errors_omitted"] == 500
    stored = ImportRun.objects.get()
    assert len(stored.errors) == 1000 and len(stored.report["errors"]) == 1000
    assert stored.report["errors_omitted"] == 500


@pytest.mark.django_db
def test_a_file_of_unknown_headers_is_refused_at_the_column_limit(settings):
    header = HEADER + [f"Spalte {n}" for n in range(500)]
    report = run(csv_bytes([ERFURT], header=header))
    assert [e.message for e in report.errors] == [
        "the header has 511 columns; the limit is 200 (IMPORT_MAX_COLUMNS); remove the columns nobody reads"]
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_the_admin_preview_says_how_many_errors_are_not_shown(admin_client, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    rows = [row(source_id=f"r{n}", name=f"Stelle {n}", kinds="helping") for n in range(1002)]
    response = admin_client.post("/admin/importers/importrun/upload/",
                                 {"file": SimpleUploadedFile("liste.csv", csv_bytes(rows)), "source": "partner"})
    # The upload answers with the run's progress page; the tests' task backend has read the
    # file by the time it is followed (tests/conftest.py).
    assert response.status_code == 302
    body = admin_client.get(response["Location"]).content.decode()
    assert body.count("ist nicht bekannt") == 1000
    assert "<li>… und 2 weitere Fehler</li>" in body
