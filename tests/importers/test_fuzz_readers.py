"""Fuzzing the import readers (CSV, XLSX, JSON) and the import service (issue 17): random
and adversarial bytes and structures never raise anything but the reader's ReadError (a
message for the user), never make a table beyond the configured limits, never take more
memory than the limits allow, and a refused file changes nothing.

Small limits (IMPORT_MAX_ROWS 25, IMPORT_MAX_COLUMNS 10), so that random input reaches
them; bounded and deterministic (derandomize, no example database).
"""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
import zipfile
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from directory.models import Contact, Phone, Source
from importers.columns import CANONICAL
from importers.readers import ReadError, Table, table_read
from search.models import IndexQueue
from tests.importers.conftest import run

MAX_ROWS, MAX_COLUMNS = 25, 10
MB = 1024 * 1024
HYPOTHESIS = dict(deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
PEAKS: dict[str, int] = {}  # the largest peak seen per reader, printed at the end (-s)


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.IMPORT_MAX_ROWS = MAX_ROWS
    settings.IMPORT_MAX_COLUMNS = MAX_COLUMNS
    settings.IMPORT_MAX_BYTES = 256 * 1024
    settings.IMPORT_MAX_XLSX_UNCOMPRESSED = 4 * MB


def bounded_read(data: bytes, filename: str, kind: str) -> Table | None:
    """table_read: a Table within the limits or a ReadError, in bounded memory."""
    tracemalloc.start()
    try:
        try:
            table = table_read(data, filename)
        except ReadError as exc:
            assert str(exc), "a refusal must say why"
            table = None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    PEAKS[kind] = max(PEAKS.get(kind, 0), peak)
    # The reader's own structures are bounded by the limits (25 × 10 cells here); the file's
    # text (at most 4 bytes a character) and, for a workbook, openpyxl's parse come on top.
    assert peak < 4 * MB + 8 * len(data), f"{kind}: peak {peak / MB:.1f} MB for {len(data):,} bytes"
    if table is not None:
        assert len(table.rows) <= MAX_ROWS
        assert all(len(cells) <= MAX_COLUMNS for _, cells in table.rows)
        width = len(table.headers)
        while width and not table.headers[width - 1].strip():
            width -= 1
        assert width <= MAX_COLUMNS
        # Rows to import; the header may stand below a title (importers/layout.py finds it).
        assert table.rows
    return table


TEXT = st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs", "Cc"]), max_size=20)
CELL = st.one_of(TEXT, st.sampled_from(["", "=1+1", "'=x", '"', '""', "a\nb", "a\r\nb", ";", ",", "\t", "ja", "99084",
                                       "victim_support", "national", "x" * 300]))


@settings(max_examples=300, **HYPOTHESIS)
@given(data=st.one_of(
    st.binary(max_size=2000),
    st.binary(max_size=2000).map(lambda b: b"\xef\xbb\xbf" + b),
    st.binary(max_size=2000).map(lambda b: b"PK\x03\x04" + b),
    st.binary(max_size=2000).map(lambda b: b"[" + b),
    st.binary(max_size=2000).map(lambda b: b'{"contacts": [' + b),
    st.binary(max_size=200).map(lambda b: b"\xd0\xcf\x11\xe0" + b),
), filename=st.sampled_from(["a.csv", "a.json", "a.xlsx", "a.xls", "a", "A.JSON"]))
def test_random_bytes_are_read_or_refused_with_a_message(data, filename):
    bounded_read(data, filename, "bytes")


@settings(max_examples=200, **HYPOTHESIS)
@given(rows=st.lists(st.lists(CELL, max_size=14), min_size=0, max_size=40), delimiter=st.sampled_from([",", ";", "\t"]),
       ending=st.sampled_from(["\r\n", "\n", "\r"]), raw=st.booleans(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_csv_files_are_read_within_the_limits_or_refused(rows, delimiter, ending, raw, encoding):
    if raw:  # written without quoting: separators and quotes where they fall
        text = ending.join(delimiter.join(row) for row in rows)
    else:
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter, lineterminator=ending).writerows(rows)
        text = out.getvalue()
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:  # beyond Windows-1252: written as UTF-8
        data = text.encode("utf-8")
    bounded_read(data, "c.csv", "csv")


JSON_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT)
JSON_VALUE = st.recursive(JSON_SCALAR, lambda children: st.one_of(st.lists(children, max_size=4),
                                                                  st.dictionaries(TEXT, children, max_size=4)), max_leaves=12)
JSON_ROW = st.dictionaries(st.one_of(st.sampled_from(CANONICAL), TEXT), JSON_VALUE, max_size=14)


@settings(max_examples=100, **HYPOTHESIS)
@given(document=st.one_of(
    st.lists(JSON_ROW, max_size=40),
    st.lists(JSON_ROW, max_size=40).map(lambda rows: {"source": "x", "contacts": rows, "meta": [[1], {"a": []}]}),
    JSON_VALUE,
), indent=st.sampled_from([None, 1]), cut=st.one_of(st.none(), st.integers(min_value=0, max_value=400)))
def test_json_files_are_read_within_the_limits_or_refused(document, indent, cut):
    text = json.dumps(document, ensure_ascii=False, indent=indent)
    if cut is not None:
        text = text[:cut]  # broken off anywhere
    bounded_read(text.encode(), "c.json", "json")


# openpyxl refuses to write control characters.
XLSX_TEXT = st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"]), max_size=20)
XLSX_VALUE = st.one_of(st.none(), XLSX_TEXT, st.integers(min_value=-10**12, max_value=10**12), st.floats(allow_nan=False, allow_infinity=False),
                       st.booleans(), st.dates(min_value=date(1901, 1, 1)), st.sampled_from(["=1+1", "=HYPERLINK(\"x\")", "99084"]))


def _workbook(grid: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for r, values in enumerate(grid, start=1):
        for c, value in enumerate(values, start=1):
            if value is not None:
                sheet.cell(row=r, column=c, value=datetime.combine(value, datetime.min.time()) if isinstance(value, date) else value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@settings(max_examples=50, **HYPOTHESIS)
@given(grid=st.lists(st.lists(XLSX_VALUE, max_size=13), max_size=30),
       flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), max_size=4))
def test_xlsx_workbooks_are_read_within_the_limits_or_refused(grid, flips):
    try:
        data = _workbook(grid)
    except (ValueError, IllegalCharacterError):  # a text openpyxl itself refuses to write
        assume(False)
    bounded_read(data, "c.xlsx", "xlsx")
    if flips:  # the same workbook with some bytes changed: a damaged file
        damaged = bytearray(data)
        for position, byte in flips:
            damaged[position % len(damaged)] = byte
        bounded_read(bytes(damaged), "c.xlsx", "xlsx-damaged")


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


@settings(max_examples=60, **HYPOTHESIS)
@given(sheet=st.lists(st.one_of(st.sampled_from([b"<row>", b"</row>", b'<row r="1048577">', b'<row r="2">', b"<c>", b"</c>",
                                                 b'<c r="ZZZ9">', b'<c r="A1" t="s">', b"<v>1</v>", b"<v>x</v>",
                                                 b'<is><t>name</t></is>', b"<f>1+1</f>", b"<sheetData>", b"</sheetData>"]),
                                st.binary(max_size=8)), max_size=60))
def test_hand_made_workbook_parts_are_refused_or_read(sheet):
    data = _zip({
        "[Content_Types].xml": b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "xl/workbook.xml": b"<workbook/>",
        "xl/worksheets/sheet1.xml": b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                    + b"".join(sheet) + b"</worksheet>",
    })
    bounded_read(data, "c.xlsx", "xlsx-parts")


def _state() -> dict:
    return {model.__name__: model.objects.count() for model in (Contact, Phone, Source, IndexQueue)}


HEADERS = st.lists(st.sampled_from(CANONICAL), min_size=1, max_size=8, unique=True)


@pytest.mark.django_db
@settings(max_examples=60, **HYPOTHESIS)
@given(header=HEADERS, rows=st.lists(st.lists(CELL, min_size=0, max_size=9), max_size=12), garbage=st.binary(max_size=300),
       kind=st.sampled_from(["csv", "csv", "json", "bytes"]))
def test_the_import_service_never_raises_and_a_refused_file_changes_nothing(header, rows, garbage, kind):
    if kind == "csv":
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows([["name", "scope", "kinds", *header], *rows])
        data, filename = out.getvalue().encode(), "c.csv"
    elif kind == "json":
        data = json.dumps([dict(zip(["name", "scope", "kinds", *header], row)) for row in rows]).encode()
        filename = "c.json"
    else:
        data, filename = garbage, "c.csv"
    before = _state()
    report = run(data, source="fuzz", filename=filename)  # a real import: applied if the file is good
    if not report.ok:
        assert not report.applied and _state() == before, [e.message for e in report.errors[:3]]
    assert report.as_dict()["errors_omitted"] == max(0, len(report.errors) - 1000)


def test_zz_print_the_peaks():
    print("peak memory per reader (bytes):", PEAKS)
