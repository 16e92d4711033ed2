"""Bytes → a table of text cells. Knows file formats, nothing about contacts.

CSV (delimiter `;`, `,` or tab; UTF-8, UTF-8 with BOM or Windows-1252, the encoding of an
Excel export on a German Windows machine), XLSX (openpyxl in read-only mode, after a zip
bomb check) and JSON (a list of objects). Every problem is a ReadError whose message says
what is wrong and what to do.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
DELIMITERS = (";", ",", "\t")
DELIMITER_NAMES = {";": "semicolon", ",": "comma", "\t": "tab"}


class ReadError(ValueError):
    pass


@dataclass
class Cell:
    """A cell's text, and whether the file held it as a formula (never evaluated)."""

    text: str
    formula: bool = False
    number: bool = False  # a numeric spreadsheet cell (Excel drops a postcode's leading zero)


@dataclass
class Table:
    format: str
    headers: list[str]
    # (row number as the user sees it, cells); for CSV and XLSX the header is row 1.
    rows: list[tuple[int, list[Cell]]]
    details: dict[str, str] = field(default_factory=dict)


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def table_read(data: bytes, filename: str = "") -> Table:
    max_bytes = _limit("IMPORT_MAX_BYTES", 20 * 1024 * 1024)
    if len(data) > max_bytes:
        raise ReadError(
            f"the file is {len(data):,} bytes; the limit is {max_bytes:,} bytes (IMPORT_MAX_BYTES); split it into smaller files"
        )
    if not data.strip(b"\xef\xbb\xbf \t\r\n"):
        raise ReadError("the file is empty")
    name = filename.lower()
    if data.startswith(XLSX_MAGIC):
        table = _read_xlsx(data)
    elif data.startswith(OLE_MAGIC) or name.endswith(".xls"):
        raise ReadError('old Excel files (.xls) cannot be read; in Excel use "Save as" → "Excel workbook (.xlsx)"')
    elif name.endswith(".xlsx"):
        raise ReadError("the file is named .xlsx but is not an Excel workbook; export it again from Excel")
    else:
        text = _decode(data)
        stripped = text.lstrip()
        if name.endswith(".json") or stripped.startswith(("[", "{")):
            table = _read_json(text)
        else:
            table = _read_csv(text)
    _check_shape(table)
    return table


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReadError('the file is encoded as UTF-16; save it as "CSV UTF-8" (or as .xlsx) and try again')
    if b"\x00" in data[:8192]:
        raise ReadError("the file holds binary data, not text; upload a CSV, XLSX or JSON file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            # Excel on a German Windows machine saves "CSV (Trennzeichen-getrennt)" in
            # Windows-1252; 5 byte values are undefined there, so this can still fail.
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise ReadError(
                f"byte {exc.start + 1} of the file is neither UTF-8 nor Windows-1252 text; "
                'save it as "CSV UTF-8" and try again'
            ) from None
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\t\r\n")
    if controls:
        raise ReadError("the file holds binary data, not text; upload a CSV, XLSX or JSON file")
    return text


def _split_first_line(text: str, delimiter: str) -> int:
    first = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    return len(first)


def _read_csv(text: str) -> Table:
    # The delimiter is the one that splits the header into the most columns.
    delimiter = max(DELIMITERS, key=lambda d: _split_first_line(text, d))
    max_columns = _limit("IMPORT_MAX_COLUMNS", 200)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(reader)
        rows = []
        for number, cells in enumerate(reader, start=2):
            if len(cells) > max_columns:
                raise ReadError(
                    f"row {number} has {len(cells):,} cells; a file may have at most {max_columns} columns "
                    f"(the header has {len(headers)})"
                )
            if not any(c.strip() for c in cells):
                continue
            rows.append((number, [Cell(c) for c in cells]))
    except csv.Error as exc:
        raise ReadError(f"row {reader.line_num}: the CSV cannot be read ({exc}); check its quotes") from None
    return Table("csv", headers, rows, {"delimiter": DELIMITER_NAMES[delimiter]})


def _read_json(text: str) -> Table:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReadError(f"the JSON is invalid at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    if isinstance(data, dict) and isinstance(data.get("contacts"), list):
        data = data["contacts"]
    if not isinstance(data, list):
        raise ReadError('a JSON import must be a list of objects, e.g. [{"name": "…", "scope": "national", …}]')
    headers: list[str] = []
    seen = set()
    rows = []
    max_columns = _limit("IMPORT_MAX_COLUMNS", 200)
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise ReadError(f"row {number}: expected an object with column names as keys, found {type(item).__name__}")
        if len(item) > max_columns:
            raise ReadError(f"row {number} has {len(item):,} keys; a file may have at most {max_columns} columns")
        for key in item:
            if key not in seen:
                seen.add(key)
                headers.append(key)
    for number, item in enumerate(data, start=1):
        rows.append((number, [Cell(_json_text(item.get(h))) for h in headers]))
    return Table("json", headers, rows)


def _json_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, list):
        return "; ".join(_json_text(v) for v in value)
    if isinstance(value, dict):
        # {"label": "Beratung", "number": "0711 …"} for phones.
        if "number" in value:
            return f'{value.get("label") or ""}: {value["number"]}'.lstrip(": ")
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _zip_bomb_check(data: bytes) -> None:
    """Refuse a workbook whose declared uncompressed size is too large before openpyxl unpacks it."""
    max_total = _limit("IMPORT_MAX_XLSX_UNCOMPRESSED", 200 * 1024 * 1024)
    max_ratio = _limit("IMPORT_MAX_XLSX_RATIO", 200)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise ReadError("the Excel workbook is damaged (not a valid zip archive); export it again from Excel") from None
    total = sum(info.file_size for info in infos)
    if total > max_total:
        raise ReadError(
            f"the workbook unpacks to {total:,} bytes; the limit is {max_total:,} (IMPORT_MAX_XLSX_UNCOMPRESSED); "
            "it may be a zip bomb, or split it into smaller files"
        )
    for info in infos:
        if info.compress_size and info.file_size / info.compress_size > max_ratio and info.file_size > 1024 * 1024:
            raise ReadError(
                f'the workbook part "{info.filename}" is compressed {info.file_size // info.compress_size}:1; '
                "that is a zip bomb, not a contact list"
            )
    if not any(info.filename.startswith("xl/worksheets/") for info in infos):
        raise ReadError("the file is a zip archive but not an Excel workbook; upload an .xlsx file")


def _xlsx_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(data: bytes) -> Table:
    import openpyxl  # imported here: only workbooks need it

    _zip_bomb_check(data)
    try:
        # data_only=False: a formula arrives as its text ("=HYPERLINK(…)"), never evaluated,
        # so it can be reported instead of silently importing a cached value.
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for broken workbooks
        raise ReadError(f"the Excel workbook cannot be read ({type(exc).__name__}); export it again from Excel") from None
    try:
        sheet = workbook.worksheets[0]
        max_columns = _limit("IMPORT_MAX_COLUMNS", 200)
        headers: list[str] | None = None
        rows = []
        for number, row in enumerate(sheet.iter_rows(), start=1):
            if len(row) > max_columns and any(c.value not in (None, "") for c in row[max_columns:]):
                raise ReadError(f"row {number} has {len(row):,} cells; a file may have at most {max_columns} columns")
            cells = [
                Cell(
                    _xlsx_text(c.value),
                    formula=getattr(c, "data_type", "") == "f",
                    number=isinstance(c.value, (int, float)) and not isinstance(c.value, bool),
                )
                for c in row[:max_columns]
            ]
            if headers is None:
                headers = [c.text for c in cells]
                while headers and not headers[-1].strip():
                    headers.pop()
                continue
            if not any(c.text.strip() for c in cells):
                continue
            rows.append((number, cells))
    finally:
        workbook.close()
    return Table("xlsx", headers or [], rows, {"sheet": sheet.title})


def _check_shape(table: Table) -> None:
    if table.format == "json" and not table.rows:
        raise ReadError("the JSON list is empty; there is nothing to import")
    if not any(h.strip() for h in table.headers):
        raise ReadError("the file has no header row; the first row must name the columns (e.g. name, scope, kinds)")
    if not table.rows:
        raise ReadError("the file has a header but no rows; there is nothing to import")
    max_rows = _limit("IMPORT_MAX_ROWS", 100_000)
    if len(table.rows) > max_rows:
        raise ReadError(f"the file has {len(table.rows):,} rows; the limit is {max_rows:,} (IMPORT_MAX_ROWS)")
