"""Bytes → a table of text cells. Knows file formats, nothing about contacts.

CSV (delimiter `;`, `,` or tab; UTF-8, UTF-8 with BOM or Windows-1252, the encoding of an
Excel export on a German Windows machine), XLSX (openpyxl in read-only mode, after a zip
bomb check) and JSON (a list of objects). Every problem is a ReadError whose message says
what is wrong and what to do, in the active language (German source strings, English in
locale/en; see importers/validate.py).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
DELIMITERS = (";", ",", "\t")
DELIMITER_NAMES = {";": "semicolon", ",": "comma", "\t": "tab"}
BLANK_FILE = re.compile(rb"(?:\xef\xbb\xbf|[ \t\r\n])*\Z")
JSON_SPACE = re.compile(r"[ \t\n\r]*")
# A record with more separators than this many times IMPORT_MAX_COLUMNS is refused before
# the csv module splits it: one line of millions of separators would become a list of
# millions of cells (issue 17). Quoted separators count too, hence the margin.
SEPARATORS_PER_COLUMN = 50
# What zipfile raises for a damaged archive (NotImplementedError: "zip file version 7.9").
ZIP_ERRORS = (zipfile.BadZipFile, ValueError, NotImplementedError, EOFError, OSError)
# The longest CSV field (the csv module's default, 128 K characters).
CSV_FIELD_LIMIT = 131_072
# Nesting of a JSON row: the row object, a list (phones), an object in it ({"label", "number"}).
JSON_MAX_DEPTH = 8
# Excel's own limits: a sheet that claims more is not an Excel export, and openpyxl would
# fill the gap up to a row number with empty rows, one by one.
XLSX_MAX_CELLS_PER_ROW = 16_384
XLSX_MAX_ROW_NUMBER = 1_048_576
# Texts up to this length are kept once per file (kinds, scope, towns, "ja" repeat in
# every row); longer ones are mostly unique.
SHARED_TEXT_LENGTH = 64
COMMENT_LINE = re.compile(r'"?# ')


class ReadError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell's text, and whether the file held it as a formula (never evaluated)."""

    text: str
    formula: bool = False
    number: bool = False  # a numeric spreadsheet cell (Excel drops a postcode's leading zero)


EMPTY = Cell("")


@dataclass
class Table:
    format: str
    headers: list[str]
    # (row number as the user sees it, cells); as read, the header is row 1 for CSV and
    # XLSX; importers/layout.py finds the real header row below a title (header_row).
    rows: list[tuple[int, list[Cell]]]
    details: dict[str, str] = field(default_factory=dict)
    header_row: int = 1

    # A format with its own columns (the HSDS data package, importers/datapackage.py):
    # column index → canonical column, notes on what the file holds that is not taken over,
    # and organisation name → {uuid, website, description} for organisations new to Lotse.
    columns: dict[int, str] | None = None
    notes: list[str] = field(default_factory=list)
    organisations: dict[str, dict] = field(default_factory=dict)


class _Cells(dict):
    """text → Cell for one file: a short text's Cell is shared by every cell that holds it
    (kinds, scope, towns, "ja" repeat in every row). A dict, so that a hit costs no Python
    call: 500,000 cells of a 20,000-row file are read at C speed."""

    def __init__(self):
        super().__init__({"": EMPTY})

    def __missing__(self, text: str) -> Cell:
        cell = Cell(text)
        if len(text) <= SHARED_TEXT_LENGTH:
            self[text] = cell
        return cell

    def typed(self, text: str, formula: bool, number: bool) -> Cell:
        return Cell(text, formula, number) if formula or number else self[text]


def grouped(value: int) -> str:
    """A count with thousands separators: 1,000 in English, 1.000 in German."""
    return number_format(value, force_grouping=True)


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _max_rows() -> int:
    return _limit("IMPORT_MAX_ROWS", 100_000)


def _max_columns() -> int:
    return _limit("IMPORT_MAX_COLUMNS", 200)


def _too_many_rows(max_rows: int) -> ReadError:
    return ReadError(_("die Datei hat mehr als %(max)s Zeilen; erlaubt sind höchstens %(max)s (IMPORT_MAX_ROWS); "
                       "bitte in kleinere Dateien aufteilen") % {"max": grouped(max_rows)})


def table_read(data: bytes, filename: str = "") -> Table:
    """Read a file into a table. Rows and columns are counted while reading and the reader
    stops at IMPORT_MAX_ROWS / IMPORT_MAX_COLUMNS, so a refused file never has more than
    the limits in memory (issue 17); every problem is a ReadError."""
    max_bytes = _limit("IMPORT_MAX_BYTES", 20 * 1024 * 1024)
    if len(data) > max_bytes:
        raise ReadError(
            _("die Datei hat %(size)s Bytes; erlaubt sind höchstens %(limit)s Bytes (IMPORT_MAX_BYTES); bitte in kleinere Dateien aufteilen")
            % {"size": grouped(len(data)), "limit": grouped(max_bytes)}
        )
    if BLANK_FILE.match(data):  # a match, not data.strip(): no copy of a large file
        raise ReadError(_("die Datei ist leer"))
    name = filename.lower()
    if data.startswith(XLSX_MAGIC):
        table = _read_zip(data)
    elif data.startswith(OLE_MAGIC) or name.endswith(".xls"):
        raise ReadError(_('alte Excel-Dateien (.xls) können nicht gelesen werden; in Excel bitte "Speichern unter" → "Excel-Arbeitsmappe (.xlsx)" wählen'))
    elif name.endswith(".xlsx"):
        raise ReadError(_("die Datei heißt .xlsx, ist aber keine Excel-Arbeitsmappe; bitte erneut aus Excel exportieren"))
    else:
        text = _decode(data)
        first = JSON_SPACE.match(text).end()
        if name.endswith(".json") or text.startswith(("[", "{"), first):
            table = _read_json(text)
        else:
            # The csv module's field limit is process-wide and a library may raise it
            # (frictionless sets 20 MB on import): the reader sets its own for the read.
            previous = csv.field_size_limit(CSV_FIELD_LIMIT)
            try:
                table = _read_csv(text)
            finally:
                csv.field_size_limit(previous)
    _check_shape(table)
    return table


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReadError(_('die Datei ist als UTF-16 kodiert; bitte als "CSV UTF-8" (oder als .xlsx) speichern und erneut versuchen'))
    if b"\x00" in data[:8192]:
        raise ReadError(_("die Datei enthält Binärdaten, keinen Text; bitte eine CSV-, XLSX- oder JSON-Datei hochladen"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            # Excel on a German Windows machine saves "CSV (Trennzeichen-getrennt)" in
            # Windows-1252; 5 byte values are undefined there, so this can still fail.
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise ReadError(
                _('Byte %(byte)s der Datei ist weder UTF-8 noch Windows-1252; bitte als "CSV UTF-8" speichern und erneut versuchen')
                % {"byte": exc.start + 1}
            ) from None
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\t\r\n")
    if controls:
        raise ReadError(_("die Datei enthält Binärdaten, keinen Text; bitte eine CSV-, XLSX- oder JSON-Datei hochladen"))
    return text


# --- CSV ----------------------------------------------------------------------------------


class _TooManySeparators(Exception):
    pass


class _Lines:
    """The text's lines (with their line breaks, as csv.reader wants them with newline=""),
    one at a time, without copying the text. Counts the separators of the record being
    read and stops past `limit`: a record has at most that many + 1 cells."""

    def __init__(self, text: str, delimiter: str, limit: int):
        self.text, self.delimiter, self.limit = text, delimiter, limit
        self.position = 0
        self.separators = 0
        self.newline: int | None = None  # the next "\n" at or after position (len(text): none)

    def __iter__(self):
        return self

    def __next__(self) -> str:
        start = self.position
        if start >= len(self.text):
            raise StopIteration
        if self.newline is not None and self.newline < start:
            self.newline = None
        if self.newline is None:
            # Searched again only past the last one found: a file with \r line breaks only
            # would otherwise be searched to its end for every line.
            self.newline = self.text.find("\n", start)
            if self.newline < 0:
                self.newline = len(self.text)
        stop = self.newline
        carriage = self.text.find("\r", start, stop)
        if carriage < 0:
            end = min(stop + 1, len(self.text))
        else:
            end = carriage + 2 if carriage + 1 == stop else carriage + 1
        self.separators += self.text.count(self.delimiter, start, end)
        if self.separators > self.limit:
            raise _TooManySeparators
        self.position = end
        return self.text[start:end]

    def record_read(self) -> None:
        self.separators = 0


def _csv_error(line: int, exc: Exception) -> ReadError:
    return ReadError(_("Zeile %(row)s: die CSV-Datei kann nicht gelesen werden (%(error)s); bitte die Anführungszeichen prüfen")
                     % {"row": line, "error": exc})


def _separators_refused(row: int, limit: int, max_columns: int) -> ReadError:
    return ReadError(_("Zeile %(row)s hat mehr als %(count)s Trennzeichen; eine Datei darf höchstens %(max)s Spalten haben; "
                       "bitte auf Trennzeichen ohne Anführungszeichen prüfen")
                     % {"row": row, "count": grouped(limit), "max": max_columns})


def _width(cells: list[str]) -> int:
    """Cells up to the last one with text: trailing empty cells (a spreadsheet's leftover
    separators) do not count against the column limit."""
    width = len(cells)
    while width and not cells[width - 1].strip():
        width -= 1
    return width


# Records looked at to choose the delimiter, and rows searched for the header
# (importers/layout.py): a title and empty rows may stand above it.
HEADER_SEARCH_ROWS = 10
HEADER_SEARCH_CHARS = 256 * 1024


def _split_first_line(text: str, delimiter: str, limit: int, max_columns: int) -> int:
    """The width of the first record that `delimiter` splits at all, within the first few:
    the header, also below a title without separators (issue 22). A title's own comma
    splits it in two only, the header into many. Separators are counted while reading, so
    a record of millions of them is refused before it is split (issue 17)."""
    # Within the first 256 K characters: a header below a title is there, and a huge record
    # further down is not copied for every delimiter tried.
    lines = _Lines(text[:HEADER_SEARCH_CHARS], delimiter, limit)
    reader = csv.reader(lines, delimiter=delimiter)
    record_number = 0
    try:
        for record_number in range(1, HEADER_SEARCH_ROWS + 1):
            record = next(reader, None)
            if record is None:
                break
            lines.record_read()
            if len(record) > 1:
                return len(record)
    except csv.Error:
        return 0  # not this delimiter; if none fits, reading reports the error with its row
    except _TooManySeparators:
        raise _separators_refused(record_number, limit, max_columns) from None
    return 1


def _read_csv(text: str) -> Table:
    # Leading comment lines ("# …", or quoted by a spreadsheet) are skipped: Lotse's own
    # export states its licence there (importers/export.py). Row numbers stay the file's.
    comments = start = 0
    while COMMENT_LINE.match(text, start):
        end = text.find("\n", start)
        start = end + 1 if end >= 0 else len(text)
        comments += 1
    if start:
        text = text[start:]
    max_rows, max_columns = _max_rows(), _max_columns()
    limit = max_columns * SEPARATORS_PER_COLUMN
    # The delimiter is the one that splits the first records into the most columns.
    delimiter = max(DELIMITERS, key=lambda d: _split_first_line(text, d, limit, max_columns))
    lines = _Lines(text, delimiter, limit)
    reader = csv.reader(lines, delimiter=delimiter)
    cell = _Cells()
    number = 1 + comments
    try:
        headers = next(reader)
        lines.record_read()
        if _width(headers) > max_columns:
            raise ReadError(_("die Kopfzeile hat %(count)s Spalten; erlaubt sind höchstens %(max)s (IMPORT_MAX_COLUMNS); "
                              "bitte die Spalten entfernen, die niemand liest") % {"count": grouped(_width(headers)), "max": max_columns})
        rows = []
        for number, cells in enumerate(reader, start=2 + comments):
            lines.record_read()
            width = _width(cells)
            if width > max_columns:
                raise ReadError(
                    _("Zeile %(row)s hat %(cells)s Zellen; eine Datei darf höchstens %(max)s Spalten haben (die Kopfzeile hat %(header)s)")
                    % {"row": number, "cells": grouped(width), "max": max_columns, "header": len(headers)}
                )
            if not width:
                continue
            if len(rows) >= max_rows:
                raise _too_many_rows(max_rows)
            rows.append((number, [cell[c] for c in cells[:width]]))
    except csv.Error as exc:
        raise _csv_error(reader.line_num + comments, exc) from None
    except _TooManySeparators:
        raise _separators_refused(number + 1, limit, max_columns) from None
    return Table("csv", headers, rows, {"delimiter": DELIMITER_NAMES[delimiter]}, header_row=1 + comments)


# --- JSON ---------------------------------------------------------------------------------

_DECODER = json.JSONDecoder()


def _json_invalid(exc: json.JSONDecodeError) -> ReadError:
    return ReadError(_("das JSON ist ungültig in Zeile %(line)s, Spalte %(column)s: %(error)s")
                     % {"line": exc.lineno, "column": exc.colno, "error": exc.msg})


def _json_too_deep(row: int) -> ReadError:
    return ReadError(_("Zeile %(row)s: das JSON ist zu tief verschachtelt; erlaubt sind höchstens %(max)s Ebenen")
                     % {"row": row, "max": JSON_MAX_DEPTH})


def _json_not_a_list() -> ReadError:
    return ReadError(_('ein JSON-Import muss eine Liste von Objekten sein, z. B. [{"name": "…", "scope": "national", …}]'))


def _json_space(text: str, position: int) -> int:
    return JSON_SPACE.match(text, position).end()


def _json_value(text: str, position: int, row: int):
    """One JSON value at `position` (no leading space): (value, end). json's own decoder,
    one value at a time, so that limits are checked between values."""
    try:
        return _DECODER.raw_decode(text, position)
    except json.JSONDecodeError as exc:
        raise _json_invalid(exc) from None
    except RecursionError:
        raise _json_too_deep(row) from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise ReadError(_("Zeile %(row)s: ein Wert im JSON kann nicht gelesen werden (%(error)s)") % {"row": row, "error": exc}) from None


def _json_expected(text: str, position: int, what: str) -> ReadError:
    return _json_invalid(json.JSONDecodeError(what, text, position))


_SKIP_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]|[^"\[\]{}]+', re.DOTALL)


def _json_skip(text: str, position: int) -> int:
    """The end of the value at `position`, without building it: a member of the wrapper
    object other than "contacts" is not read, and must not cost memory. Its brackets must
    balance; its scalars are not checked."""
    if not text.startswith(("[", "{"), position):
        return _json_value(text, position, 0)[1]
    depth = 0
    for token in _SKIP_TOKEN.finditer(text, position):
        mark = token.group()
        if mark in ("[", "{"):
            depth += 1
        elif mark in ("]", "}"):
            depth -= 1
            if depth == 0:
                return token.end()
    raise _json_expected(text, len(text), "Expecting ']' or '}'")


def _json_wrapper(text: str, position: int) -> tuple[Table, int]:
    """{"contacts": [...], …}: the rows of the "contacts" member; the other members are
    skipped, not built. Returns the table and the position after the closing brace."""
    position = _json_space(text, position + 1)
    table = None
    while not text.startswith("}", position):
        if not text.startswith('"', position):
            raise _json_expected(text, position, "Expecting property name enclosed in double quotes")
        key, position = _json_value(text, position, 0)
        position = _json_space(text, position)
        if not text.startswith(":", position):
            raise _json_expected(text, position, "Expecting ':' delimiter")
        position = _json_space(text, position + 1)
        if key == "contacts" and table is None and text.startswith("[", position):
            table, position = _json_rows(text, position)
        else:
            position = _json_skip(text, position)
        position = _json_space(text, position)
        if text.startswith(",", position):
            position = _json_space(text, position + 1)
            if text.startswith("}", position):
                raise _json_expected(text, position, "Expecting property name enclosed in double quotes")
        elif not text.startswith("}", position):
            raise _json_expected(text, position, "Expecting ',' delimiter")
    if table is None:
        raise _json_not_a_list()
    return table, position + 1


def _json_depth(value, limit: int) -> int:
    """How deeply `value` nests (a scalar: 0), counting no further than limit + 1."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            stack.extend((child, depth) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _read_json(text: str) -> Table:
    position = _json_space(text, 0)
    if text.startswith("[", position):
        table, position = _json_rows(text, position)
    elif text.startswith("{", position):
        table, position = _json_wrapper(text, position)
    else:
        _json_value(text, position, 0)  # invalid JSON says where; a valid scalar is no list
        raise _json_not_a_list()
    position = _json_space(text, position)
    if position != len(text):
        raise _json_expected(text, position, "Extra data")
    return table


def _json_rows(text: str, position: int) -> tuple[Table, int]:
    """The list of row objects at `position` (its "["), read one object at a time: rows,
    distinct keys and nesting are counted as they come. Returns the table and the position
    after the closing bracket."""
    max_rows, max_columns = _max_rows(), _max_columns()
    headers: list[str] = []
    index: dict[str, int] = {}
    rows = []
    cell = _Cells()
    number = 0
    position = _json_space(text, position + 1)
    while not text.startswith("]", position):
        number += 1
        if number > max_rows:
            raise _too_many_rows(max_rows)
        item, position = _json_value(text, position, number)
        if not isinstance(item, dict):
            raise ReadError(_("Zeile %(row)s: erwartet wird ein Objekt mit den Spaltennamen als Schlüsseln, gefunden: %(type)s")
                            % {"row": number, "type": type(item).__name__})
        if len(item) > max_columns:
            raise ReadError(_("Zeile %(row)s hat %(keys)s Schlüssel; eine Datei darf höchstens %(max)s Spalten haben")
                            % {"row": number, "keys": grouped(len(item)), "max": max_columns})
        if _json_depth(item, JSON_MAX_DEPTH) > JSON_MAX_DEPTH:
            raise _json_too_deep(number)
        for key in item:
            if key not in index:
                if len(headers) >= max_columns:
                    raise ReadError(_("die JSON-Objekte haben mehr als %(max)s verschiedene Schlüssel; eine Datei darf "
                                      "höchstens %(max)s Spalten haben (IMPORT_MAX_COLUMNS)") % {"max": max_columns})
                index[key] = len(headers)
                headers.append(key)
        cells = [EMPTY] * len(headers)
        for key, value in item.items():
            cells[index[key]] = cell[_json_text(value)]
        rows.append((number, cells))
        position = _json_space(text, position)
        if text.startswith(",", position):
            position = _json_space(text, position + 1)
            if text.startswith("]", position):
                raise _json_expected(text, position, "Expecting value")
        elif not text.startswith("]", position):
            raise _json_expected(text, position, "Expecting ',' delimiter")
    return Table("json", headers, rows), position + 1


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
    except ZIP_ERRORS:
        raise ReadError(_("die Excel-Arbeitsmappe ist beschädigt (kein gültiges ZIP-Archiv); bitte erneut aus Excel exportieren")) from None
    total = sum(info.file_size for info in infos)
    if total > max_total:
        raise ReadError(
            _("entpackt wäre die Arbeitsmappe %(total)s Bytes groß; erlaubt sind höchstens %(max)s (IMPORT_MAX_XLSX_UNCOMPRESSED); "
              "vielleicht ist sie eine ZIP-Bombe, sonst bitte in kleinere Dateien aufteilen")
            % {"total": grouped(total), "max": grouped(max_total)}
        )
    for info in infos:
        if info.compress_size and info.file_size / info.compress_size > max_ratio and info.file_size > 1024 * 1024:
            raise ReadError(
                _('der Teil "%(part)s" der Arbeitsmappe ist im Verhältnis %(ratio)s:1 komprimiert; das ist eine ZIP-Bombe, keine Kontaktliste')
                % {"part": info.filename, "ratio": info.file_size // info.compress_size}
            )
    if not any(info.filename.startswith("xl/worksheets/") for info in infos):
        raise ReadError(_("die Datei ist ein ZIP-Archiv, aber keine Excel-Arbeitsmappe; bitte eine .xlsx-Datei hochladen"))


def _read_zip(data: bytes) -> Table:
    """A workbook, or an HSDS data package (a zip with datapackage.json)."""
    from importers import datapackage  # it reads contacts' HSDS tables; this module stays about formats

    try:
        package = datapackage.is_package(zipfile.ZipFile(io.BytesIO(data)))
    except ZIP_ERRORS:
        package = False  # _read_xlsx says what is wrong with it
    return datapackage.package_read(data) if package else _read_xlsx(data)


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


def _xlsx_unreadable(exc: Exception) -> ReadError:
    return ReadError(_("die Excel-Arbeitsmappe kann nicht gelesen werden (%(error)s); bitte erneut aus Excel exportieren")
                     % {"error": type(exc).__name__})


@dataclass
class _SheetShape:
    sheet: bool = False  # the part has a <sheetData>
    rows_with_values: int = 0  # the header too; counted up to the row limit + 2
    widest: int = 0  # the rightmost column holding a value, up to the column limit
    too_wide: tuple[int, int] | None = None  # (row, column) of the first value beyond it


def _xlsx_shape(source, max_rows: int, max_columns: int, *, first: bool = False) -> _SheetShape:
    """One streaming pass over an XML part of the workbook, before openpyxl opens it.
    openpyxl builds a whole row (every cell of it) before it hands it out, walks a sheet
    without a <dimension> to its end when it opens the workbook, and fills gaps in the row
    numbers with empty rows one by one. Here every element is dropped as soon as it ends,
    so a row of a million cells or a row numbered 10**12 is refused with nothing kept in
    memory (issue 17). What a sheet holds (rows with values, the columns of the values) is
    judged for the first sheet only: at once when this is it (`first`), else once openpyxl
    says which sheet is first."""
    from defusedxml.ElementTree import iterparse
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    shape = _SheetShape()
    open_elements: list = []
    in_row = cell_has_value = row_has_value = False
    row_number = cells = column = 0
    for event, element in iterparse(source, events=("start", "end")):
        name = element.tag.rpartition("}")[2]
        if event == "start":
            if not open_elements and name != "worksheet":
                return shape  # styles, shared strings, …: not a sheet
            parent = open_elements[-1].tag.rpartition("}")[2] if open_elements else ""
            open_elements.append(element)
            if name == "sheetData":
                shape.sheet = True
            elif name == "row" and parent == "sheetData":
                in_row, row_has_value, cells, column = True, False, 0, 0
                reference = element.get("r")
                row_number = int(reference) if reference and reference.isascii() and reference.isdigit() else row_number + 1
                if row_number > XLSX_MAX_ROW_NUMBER:
                    raise ReadError(_("Zeile %(row)s: eine Excel-Tabelle hat höchstens %(max)s Zeilen; bitte erneut aus Excel exportieren")
                                    % {"row": grouped(row_number), "max": grouped(XLSX_MAX_ROW_NUMBER)})
            elif name == "c" and in_row and parent == "row":
                cells += 1
                if cells > XLSX_MAX_CELLS_PER_ROW:
                    raise ReadError(_("Zeile %(row)s hat mehr als %(cells)s Zellen; eine Datei darf höchstens %(max)s Spalten haben")
                                    % {"row": grouped(row_number), "cells": grouped(XLSX_MAX_CELLS_PER_ROW), "max": max_columns})
                reference = element.get("r")
                try:
                    column = column_index_from_string(coordinate_from_string(reference)[0]) if reference else column + 1
                except ValueError:
                    column += 1  # openpyxl refuses it with its own error later
                cell_has_value = False
            continue
        open_elements.pop()
        if open_elements:
            open_elements[-1].remove(element)  # the last (only) child: nothing is kept
        parent = open_elements[-1].tag.rpartition("}")[2] if open_elements else ""
        if name in ("v", "is", "f") and parent == "c":
            cell_has_value = True
        elif name == "c" and in_row and parent == "row" and cell_has_value:
            row_has_value = True
            if column <= max_columns:
                shape.widest = max(shape.widest, column)
            elif shape.too_wide is None:
                shape.too_wide = (row_number, column)
                if first:
                    _xlsx_shape_check(shape, max_rows, max_columns)
        elif name == "row" and in_row and parent == "sheetData":
            in_row = False
            if row_has_value and shape.rows_with_values <= max_rows + 1:
                shape.rows_with_values += 1
                if first:
                    _xlsx_shape_check(shape, max_rows, max_columns)
    return shape


def _xlsx_root(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    """The name of a part's root element (it is read no further)."""
    from defusedxml.ElementTree import iterparse

    for _event, element in iterparse(archive.open(info), events=("start",)):
        return element.tag.rpartition("}")[2]
    return ""


def _xlsx_parts_shape(data: bytes, max_rows: int, max_columns: int) -> dict[str, _SheetShape]:
    """_xlsx_shape of every sheet part (any of them may be a sheet openpyxl opens). With
    one sheet only, it is the first: refused as soon as it passes a limit."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheets = [info for info in archive.infolist()
                      if info.filename.lower().endswith(".xml") and _xlsx_root(archive, info) == "worksheet"]
            return {info.filename: _xlsx_shape(archive.open(info), max_rows, max_columns, first=len(sheets) == 1)
                    for info in sheets}
    except ReadError:
        raise
    except Exception as exc:  # broken XML or zip member (ParseError, BadZipFile, zlib.error, …)
        raise _xlsx_unreadable(exc) from None


def _xlsx_shape_check(shape: _SheetShape, max_rows: int, max_columns: int) -> None:
    from openpyxl.utils import get_column_letter

    if shape.too_wide:
        row, column = shape.too_wide
        raise ReadError(
            _("Zeile %(row)s hat einen Wert in Spalte %(column)s; eine Datei darf höchstens %(max)s Spalten haben "
              "(bis Spalte %(last)s)")
            % {"row": grouped(row), "column": get_column_letter(min(column, 18278)), "max": max_columns,
               "last": get_column_letter(max_columns)}
        )
    if shape.rows_with_values > max_rows + 1:  # + the header
        raise _too_many_rows(max_rows)


def _read_xlsx(data: bytes) -> Table:
    import openpyxl  # imported here: only workbooks need it

    _zip_bomb_check(data)
    max_rows, max_columns = _max_rows(), _max_columns()
    shapes = _xlsx_parts_shape(data, max_rows, max_columns)
    sheets = [shape for shape in shapes.values() if shape.sheet]
    if len(sheets) == 1:
        _xlsx_shape_check(sheets[0], max_rows, max_columns)  # before openpyxl reads anything
    try:
        # data_only=False: a formula arrives as its text ("=HYPERLINK(…)"), never evaluated,
        # so it can be reported instead of silently importing a cached value.
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for broken workbooks
        raise _xlsx_unreadable(exc) from None
    try:
        if not workbook.worksheets:
            raise ReadError(_("die Excel-Arbeitsmappe hat kein Tabellenblatt; bitte erneut aus Excel exportieren"))
        sheet = workbook.worksheets[0]
        # openpyxl names a read-only sheet's part only in _worksheet_path (the zip member).
        shape = shapes.get(getattr(sheet, "_worksheet_path", ""), _SheetShape(widest=max_columns))
        _xlsx_shape_check(shape, max_rows, max_columns)
        # Rows as wide as the rightmost value: a claimed size (<dimension ref="A1:XFD1048576"/>)
        # would make every row that wide.
        sheet.reset_dimensions()
        headers: list[str] | None = None
        rows = []
        cell = _Cells()
        gap = None
        try:
            for number, row in enumerate(sheet.iter_rows(max_col=max(shape.widest, 1)), start=1):
                if row is gap:
                    continue  # openpyxl hands out one empty tuple for every missing row
                cells = [
                    cell.typed(
                        _xlsx_text(c.value),
                        formula=getattr(c, "data_type", "") == "f",
                        number=isinstance(c.value, (int, float)) and not isinstance(c.value, bool),
                    )
                    for c in row
                ]
                if headers is None:
                    headers = [c.text for c in cells]
                    while headers and not headers[-1].strip():
                        headers.pop()
                    continue
                if not any(c.text.strip() for c in cells):
                    gap = row
                    continue
                if len(rows) >= max_rows:
                    raise _too_many_rows(max_rows)
                rows.append((number, cells))
        except ReadError:
            raise
        except Exception as exc:  # a cell openpyxl cannot read (a bad reference, type or date)
            raise _xlsx_unreadable(exc) from None
        merges = _xlsx_merges(data, getattr(sheet, "_worksheet_path", ""), last_row=rows[-1][0] if rows else 1)
    finally:
        workbook.close()
    _merges_fill(headers or [], rows, merges)
    return Table("xlsx", headers or [], rows, {"sheet": sheet.title})


MAX_MERGES = 10_000


def _xlsx_merges(data: bytes, part: str, *, last_row: int) -> list[tuple[int, int, int, int]]:
    """The sheet's merged ranges (min_col, min_row, max_col, max_row, 1-based) that span
    rows and start within the rows read. openpyxl's read-only mode does not read them; the
    sheet's XML is streamed once more and every element dropped as it ends."""
    from defusedxml.ElementTree import iterparse
    from openpyxl.utils.cell import range_boundaries

    if not part:
        return []
    found = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for _event, element in iterparse(archive.open(part), events=("end",)):
                if element.tag.rpartition("}")[2] == "mergeCell":
                    try:
                        bounds = range_boundaries(element.get("ref") or "")
                    except (TypeError, ValueError):
                        bounds = (None,)
                    if None not in bounds and bounds[1] < bounds[3] and bounds[1] <= last_row:
                        found.append(bounds)
                        if len(found) > MAX_MERGES:
                            raise ReadError(_("die Tabelle hat mehr als %(max)s verbundene Zellbereiche; bitte die Verbindungen aufheben")
                                            % {"max": grouped(MAX_MERGES)})
                element.clear()
    except ReadError:
        raise
    except Exception:  # the sheet was read already; a broken merge list only loses the merges
        return []
    return found


def _merges_fill(headers: list[str], rows: list[tuple[int, list[Cell]]], merges) -> None:
    """A cell merged over several rows is read as its value in each of them (issue 22): a
    header merged over a two-row header, a district merged over the rows of its contacts.
    Only rows that were read get the value (no row is added), in the range's first column;
    a range within one row keeps its value in its first cell (a note row stays one cell)."""
    if not merges:
        return
    by_number = {number: cells for number, cells in rows}
    if headers:
        by_number[1] = [Cell(h) for h in headers]
    for min_col, min_row, _max_col, max_row in merges:
        first = by_number.get(min_row)
        index = min_col - 1
        if first is None or index >= len(first) or not first[index].text.strip():
            continue
        value = first[index]
        for number in range(min_row + 1, max_row + 1):
            cells = by_number.get(number)
            if cells is None:
                continue
            while len(cells) <= index:
                cells.append(Cell(""))
            if not cells[index].text.strip():
                cells[index] = Cell(value.text, number=value.number)


def _check_shape(table: Table) -> None:
    if table.format == "json" and not table.rows:
        raise ReadError(_("die JSON-Liste ist leer; es gibt nichts zu importieren"))
    if not any(h.strip() for h in table.headers) and not table.rows:
        raise ReadError(_("die Datei hat keine Kopfzeile; die erste Zeile muss die Spalten benennen (z. B. name, scope, kinds)"))
    if not table.rows:
        raise ReadError(_("die Datei hat eine Kopfzeile, aber keine Zeilen; es gibt nichts zu importieren"))
