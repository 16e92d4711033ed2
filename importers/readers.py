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
COMMENT_LINE = re.compile(r'"?# ')


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
    # A format with its own columns (the HSDS data package, importers/datapackage.py):
    # column index → canonical column, notes on what the file holds that is not taken over,
    # and organisation name → {uuid, website, description} for organisations new to Lotse.
    columns: dict[int, str] | None = None
    notes: list[str] = field(default_factory=list)
    organisations: dict[str, dict] = field(default_factory=dict)


def grouped(value: int) -> str:
    """A count with thousands separators: 1,000 in English, 1.000 in German."""
    return number_format(value, force_grouping=True)


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def table_read(data: bytes, filename: str = "") -> Table:
    max_bytes = _limit("IMPORT_MAX_BYTES", 20 * 1024 * 1024)
    if len(data) > max_bytes:
        raise ReadError(
            _("die Datei hat %(size)s Bytes; erlaubt sind höchstens %(limit)s Bytes (IMPORT_MAX_BYTES); bitte in kleinere Dateien aufteilen")
            % {"size": grouped(len(data)), "limit": grouped(max_bytes)}
        )
    if not data.strip(b"\xef\xbb\xbf \t\r\n"):
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
        stripped = text.lstrip()
        if name.endswith(".json") or stripped.startswith(("[", "{")):
            table = _read_json(text)
        else:
            table = _read_csv(text)
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


def _split_first_line(text: str, delimiter: str) -> int:
    first = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    return len(first)


def _read_csv(text: str) -> Table:
    # Leading comment lines ("# …", or quoted by a spreadsheet) are skipped: Lotse's own
    # export states its licence there (importers/export.py). Row numbers stay the file's.
    comments = 0
    while COMMENT_LINE.match(text):
        end = text.find("\n")
        text = text[end + 1 :] if end >= 0 else ""
        comments += 1
    # The delimiter is the one that splits the header into the most columns.
    delimiter = max(DELIMITERS, key=lambda d: _split_first_line(text, d))
    max_columns = _limit("IMPORT_MAX_COLUMNS", 200)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(reader)
        rows = []
        for number, cells in enumerate(reader, start=2 + comments):
            if len(cells) > max_columns:
                raise ReadError(
                    _("Zeile %(row)s hat %(cells)s Zellen; eine Datei darf höchstens %(max)s Spalten haben (die Kopfzeile hat %(header)s)")
                    % {"row": number, "cells": grouped(len(cells)), "max": max_columns, "header": len(headers)}
                )
            if not any(c.strip() for c in cells):
                continue
            rows.append((number, [Cell(c) for c in cells]))
    except csv.Error as exc:
        raise ReadError(_("Zeile %(row)s: die CSV-Datei kann nicht gelesen werden (%(error)s); bitte die Anführungszeichen prüfen")
                        % {"row": reader.line_num + comments, "error": exc}) from None
    return Table("csv", headers, rows, {"delimiter": DELIMITER_NAMES[delimiter]})


def _read_json(text: str) -> Table:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReadError(_("das JSON ist ungültig in Zeile %(line)s, Spalte %(column)s: %(error)s")
                        % {"line": exc.lineno, "column": exc.colno, "error": exc.msg}) from None
    if isinstance(data, dict) and isinstance(data.get("contacts"), list):
        data = data["contacts"]
    if not isinstance(data, list):
        raise ReadError(_('ein JSON-Import muss eine Liste von Objekten sein, z. B. [{"name": "…", "scope": "national", …}]'))
    headers: list[str] = []
    seen = set()
    rows = []
    max_columns = _limit("IMPORT_MAX_COLUMNS", 200)
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise ReadError(_("Zeile %(row)s: erwartet wird ein Objekt mit den Spaltennamen als Schlüsseln, gefunden: %(type)s")
                            % {"row": number, "type": type(item).__name__})
        if len(item) > max_columns:
            raise ReadError(_("Zeile %(row)s hat %(keys)s Schlüssel; eine Datei darf höchstens %(max)s Spalten haben")
                            % {"row": number, "keys": grouped(len(item)), "max": max_columns})
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
    except (zipfile.BadZipFile, ValueError):
        package = False
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


def _read_xlsx(data: bytes) -> Table:
    import openpyxl  # imported here: only workbooks need it

    _zip_bomb_check(data)
    try:
        # data_only=False: a formula arrives as its text ("=HYPERLINK(…)"), never evaluated,
        # so it can be reported instead of silently importing a cached value.
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for broken workbooks
        raise ReadError(_("die Excel-Arbeitsmappe kann nicht gelesen werden (%(error)s); bitte erneut aus Excel exportieren")
                        % {"error": type(exc).__name__}) from None
    try:
        sheet = workbook.worksheets[0]
        max_columns = _limit("IMPORT_MAX_COLUMNS", 200)
        headers: list[str] | None = None
        rows = []
        for number, row in enumerate(sheet.iter_rows(), start=1):
            if len(row) > max_columns and any(c.value not in (None, "") for c in row[max_columns:]):
                raise ReadError(_("Zeile %(row)s hat %(cells)s Zellen; eine Datei darf höchstens %(max)s Spalten haben")
                                % {"row": number, "cells": grouped(len(row)), "max": max_columns})
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
        raise ReadError(_("die JSON-Liste ist leer; es gibt nichts zu importieren"))
    if not any(h.strip() for h in table.headers):
        raise ReadError(_("die Datei hat keine Kopfzeile; die erste Zeile muss die Spalten benennen (z. B. name, scope, kinds)"))
    if not table.rows:
        raise ReadError(_("die Datei hat eine Kopfzeile, aber keine Zeilen; es gibt nichts zu importieren"))
    max_rows = _limit("IMPORT_MAX_ROWS", 100_000)
    if len(table.rows) > max_rows:
        raise ReadError(_("die Datei hat %(rows)s Zeilen; erlaubt sind höchstens %(max)s (IMPORT_MAX_ROWS)")
                        % {"rows": grouped(len(table.rows)), "max": grouped(max_rows)})
