"""Rows of text → ContactRecords, or RowErrors that say row, column, value and why.

Every row is checked and every error collected before anything is written (pretix checks
before writing too, but stops at the first bad row; STYLE.md). Values are read as people
write them: states by name, short code, ISO code or AGS; districts by AGS or by name
(unambiguous within the row's state); taxonomy terms by slug or German/English label;
lists split on ";", "," or a line break; German phone notations; ja/nein/x; 24.11.2026.

Messages are German source strings (English in locale/en), rendered with gettext when an
error is found, in the language active then: the admin user's, or LANGUAGE_CODE on the
command line. Forked children inherit the parent's active language, and only plain strings
cross back to it (no lazy objects through pickle). Memos hold parse results, never
messages, so one process can validate in both languages.

Identity of a row within its source: its source id (the `source_id` column, stored as
Contact.external_id). A row without a source id is identified by its normalised name
(directory.text.normalise_name: folded, lowercase, no punctuation) plus its postcode, so
"Opferhilfe  Erfurt e.V." and "OPFERHILFE Erfurt e. V.", both at 99084, are the same row.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import re
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

import orjson
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# Export neutralises cells starting with these against formula injection by prefixing "'";
# reading removes that prefix again, so an exported file re-imports to the same values.
from directory.formulas import FORMULA_START
from directory.geo import AmbiguousPlace
from directory.models import Channel, ContactKind, District, IncidentType, Phone, Scope, State, TargetGroup
from directory.phones import PhoneError, phone_to_e164

PHONE_LABEL_MAX = Phone._meta.get_field("label").max_length
from directory.services import coverage_errors, coverage_reason_text
from directory.text import normalise_name
from importers.columns import LIST_COLUMNS, REQUIRED, canonical_column, value_key
from importers.hours import hours_convert
from importers.geocoders import GazetteerGeocoder, geocoder_get
from importers.readers import Cell, Table
from importers.terms import term_find, term_lookup
from lotse.env import parse_bool
from lotse.parallel import parallel_processes

TERM_MODELS = {"kinds": ContactKind, "incident_types": IncidentType, "target_groups": TargetGroup, "channels": Channel}
# Lists are separated by comma, semicolon or line break (a cell with Alt+Enter in Excel).
LIST_SPLIT = re.compile(r"[;,\n]")
SCOPES = {
    "bundesweit": Scope.NATIONAL, "national": Scope.NATIONAL, "nationwide": Scope.NATIONAL, "bund": Scope.NATIONAL,
    "deutschlandweit": Scope.NATIONAL, "ganzdeutschland": Scope.NATIONAL, "uberregional": Scope.NATIONAL,
    "ueberregional": Scope.NATIONAL,
    "landesweit": Scope.STATE, "state": Scope.STATE, "land": Scope.STATE, "statewide": Scope.STATE, "bundesland": Scope.STATE,
    "kreisweit": Scope.DISTRICT, "district": Scope.DISTRICT, "kreis": Scope.DISTRICT, "regional": Scope.DISTRICT,
    "landkreis": Scope.DISTRICT, "landkreisweit": Scope.DISTRICT, "kreisgebiet": Scope.DISTRICT, "stadtkreis": Scope.DISTRICT,
    "lokal": Scope.LOCAL, "local": Scope.LOCAL, "ortlich": Scope.LOCAL, "oertlich": Scope.LOCAL, "kommunal": Scope.LOCAL,
    "gemeinde": Scope.LOCAL, "vorort": Scope.LOCAL,
}
LANGUAGES = {
    "deutsch": "de", "german": "de", "englisch": "en", "english": "en", "tuerkisch": "tr", "turkish": "tr",
    "arabisch": "ar", "arabic": "ar", "russisch": "ru", "russian": "ru", "ukrainisch": "uk", "ukrainian": "uk",
    "polnisch": "pl", "polish": "pl", "franzoesisch": "fr", "french": "fr", "persisch": "fa", "farsi": "fa",
    "spanisch": "es", "spanish": "es", "italienisch": "it", "italian": "it", "gebaerdensprache": "sgn",
}
MAX_LENGTH = {
    "source_id": 120, "name": 250, "organisation": 250, "street": 200, "town": 150, "opening_hours": 255,
    "email": 254, "website": 500, "online_report_url": 500, "source_url": 1000,
    "description_de": 10_000, "description_en": 10_000, "notes": 10_000,
}
# "alle" in the incident column: the contact helps with every incident (issue 15).
ALL_INCIDENTS = {"alle", "all", "allevorfaelle", "allevorfallarten", "allincidents", "jedervorfall"}
SOURCE_DATE = re.compile(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?")
EMAIL = EmailValidator()
URL = URLValidator(schemes=["http", "https"])
# Plain addresses that the Django validators above certainly accept (a strict subset of
# their patterns); anything else still goes through them. Validating a 20,000-row file
# spent ~1.5 s in the full validators (issue 4 benchmark).
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
PLAIN_URL = re.compile(rf"https?://(?:{_LABEL}\.)+[a-z]{{2,63}}(?:/[A-Za-z0-9._~%/-]*)?")
PLAIN_EMAIL = re.compile(rf"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@(?:{_LABEL}\.)+[a-z]{{2,63}}")
@dataclass(frozen=True)
class RowError:
    row: int | None
    column: str | None
    value: str
    reason: str  # in the language active when the error was found, as is `message`
    message: str = field(default="", compare=False)
    # What can be mapped in the admin preview (issue 22): "column" for an unknown header,
    # "value:<canonical column>" for an unknown value; not part of the API's error objects.
    code: str = field(default="", compare=False)

    def __post_init__(self):
        if not self.message:
            # Rendered now, not on access: the language active now is the one the reason
            # was written in (a child process or a later request may have another).
            object.__setattr__(self, "message", self._render())

    def _render(self) -> str:
        where = ", ".join(part for part in (
            _("Zeile %(row)s") % {"row": self.row} if self.row is not None else "",
            _('Spalte "%(column)s"') % {"column": self.column} if self.column else "",
        ) if part)
        shown = self.value if len(self.value) <= 80 else self.value[:77] + "…"
        what = f'"{shown}" {self.reason}' if self.value else self.reason
        return f"{where}: {what}" if where else what

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason, "message": self.message}

    def __str__(self):
        return self.message


@dataclass
class ContactRecord:
    """One valid row, in the comparable form the plan diffs against the database.

    A row whose fingerprint matches the one stored for its contact (known unchanged, see
    rows_validate) is not parsed: `values` is None and `contact_id` names the contact."""

    row: int
    key: tuple[str, ...]
    values: dict | None  # field name → JSON-serialisable value (see sync.SNAPSHOT_FIELDS)
    contact_id: int | None = None
    fingerprint: str = ""  # empty: this row's result must not be trusted without parsing


@dataclass
class Validation:
    records: list[ContactRecord] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    invalid_rows: set[int] = field(default_factory=set)
    # Identity keys of rows that failed, so --skip-invalid never deactivates their contacts.
    invalid_keys: set[tuple[str, ...]] = field(default_factory=set)
    rows: int = 0
    headers: dict[str, str] = field(default_factory=dict)  # canonical column → the file's header
    # Addresses the online geocoder's cache did not know (importers.geocoders.geocode_queue).
    geocode_pending: dict[str, dict] = field(default_factory=dict)
    organisations: dict[str, dict] = field(default_factory=dict)  # see readers.Table


class Reference:
    """Reference data loaded once per import: a 20,000-row file must not query per cell."""

    def __init__(self):
        self.states: dict[str, State] = {}
        for state in State.objects.all():
            for key in (state.code, state.iso, state.ags, str(int(state.ags)), state.name, state.name_en, state.slug):
                self.states[normalise_name(key)] = state
        self.state_by_code = {s.code: s for s in self.states.values()}
        self.districts: dict[str, District] = {}
        self.districts_by_prefix: dict[str, list[District]] = defaultdict(list)
        self.district_names: dict[str, list[District]] = defaultdict(list)
        for district in District.objects.select_related("state").order_by("ags"):
            self.districts[district.ags] = district
            self.districts_by_prefix[district.ags[:3]].append(district)
            names = {district.short_name, district.name, f"{district.kind} {district.short_name}"}
            if district.kind in (District.Kind.KREISFREIE_STADT, District.Kind.STADTKREIS):
                names |= {f"Stadt {district.short_name}", f"{district.short_name} Stadt"}
            for name in names:
                bucket = self.district_names[normalise_name(name)]
                if district not in bucket:
                    bucket.append(district)
        self.terms: dict[str, dict[str, str]] = {}
        # (German, English) labels in reference order, for messages: people name terms by
        # their labels, not by slugs (issues 17 and 22).
        self.term_labels: dict[str, list[tuple[str, str]]] = {}
        for column, model in TERM_MODELS.items():
            terms = list(model.objects.order_by("position", "slug"))
            self.terms[column] = term_lookup(column, terms)
            self.term_labels[column] = [(term.name_de, term.name_en) for term in terms]
        # The source's value mapping (importers/columns.py): column → value key → slug or "".
        self.values: dict[str, dict[str, str]] = {}
        self.gazetteer = GazetteerGeocoder()
        # Values repeat across rows (labels, hotline numbers): parse each distinct one once.
        self.memo: dict[tuple[str, str], object] = {}
        self.geocoder = geocoder_get()
        if isinstance(self.geocoder, GazetteerGeocoder):
            self.geocoder = self.gazetteer
        # Rows can be checked in other processes only when no row needs the database or the
        # network: with the offline gazetteer, which holds its tables in memory.
        self.offline = self.geocoder is self.gazetteer


def header_resolve(table: Table, mapping: dict | None) -> tuple[dict[int, str], list[RowError]]:
    """Column index → canonical column, or file-level errors for unknown/duplicate/missing
    columns. `mapping` is a checked mapping (importers/columns.py); several columns may
    feed one list column (their values are read as one list)."""
    if table.columns is not None:
        return dict(table.columns), []  # the format names its own columns (an HSDS data package)
    columns: dict[int, str] = {}
    errors: list[RowError] = []
    seen: dict[str, str] = {}
    renamed = (mapping or {}).get("columns")
    unnamed_with_values = _unnamed_with_values(table)
    for index, header in enumerate(table.headers):
        if not header.strip():
            if index in unnamed_with_values:
                errors.append(RowError(table.header_row if table.format != "json" else None, f"#{index + 1}", "", _("hat Werte, aber keine Überschrift; bitte die Spalte benennen oder löschen")))
            continue
        column = canonical_column(header, renamed)
        if column is None:
            errors.append(RowError(None, header, "", _("ist keine bekannte Spalte; bitte in eine Standardspalte umbenennen (siehe fixtures/import/README.md) "
                                                         "oder mit einer Zuordnungsdatei zuordnen (--mapping)"), code="column"))
        elif column == "":
            continue  # the mapping says: ignore this column
        elif column in seen and column in LIST_COLUMNS:
            columns[index] = column  # read together with the first one
        elif column in seen:
            errors.append(RowError(None, header, "", _('bedeutet dasselbe wie Spalte "%(other)s"; bitte nur eine der beiden behalten') % {"other": seen[column]}))
        else:
            seen[column] = header
            columns[index] = column
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        errors.append(RowError(None, None, "", _("die Datei hat keine Spalte für %(missing)s (erforderlich: %(required)s)") % {
            "missing": ", ".join(missing), "required": ", ".join(REQUIRED)}))
    return columns, errors


def _unnamed_with_values(table: Table) -> set[int]:
    """The columns without a header that hold a value in some row: one pass over the rows,
    done with a column once a value is found in it (before, every unnamed column scanned
    every row; with the header width unlimited, that was rows × columns, issue 17)."""
    pending = {index for index, header in enumerate(table.headers) if not header.strip()}
    found: set[int] = set()
    for _number, cells in table.rows:
        if not pending:
            break
        hits = {index for index in pending if index < len(cells) and cells[index].text.strip()}
        pending -= hits
        found |= hits
    return found


# Bump when parsing changes what a row means: every stored fingerprint is then stale.
FINGERPRINT_VERSION = "4"  # 4: synonyms, value mappings, German opening hours (issue 22)
DEAL = 250  # rows per run when rows are dealt out to processes (rows_validate)


def fingerprint_context(mapping: dict | None = None) -> bytes:
    """What besides the row's text decides its parsed values: the parser version, the
    geocoder, the loaded reference data (a reloaded gazetteer may place a postcode
    elsewhere) and the mapping (a value mapped otherwise parses otherwise)."""
    from django.conf import settings

    from directory.models import ReferenceVersion

    versions = sorted(ReferenceVersion.objects.values_list("name", "sha256"))
    mapped = orjson.dumps({part: entries for part, entries in (mapping or {}).items() if entries}, option=orjson.OPT_SORT_KEYS).decode()
    return repr((FINGERPRINT_VERSION, getattr(settings, "IMPORT_GEOCODER", "gazetteer"), versions, mapped)).encode()


def rows_validate(table: Table, *, mapping: dict | None = None, progress=None, known: dict[str, int] | None = None) -> Validation:
    """Check every row. `known` maps row fingerprints to the contacts they were imported
    into and that nothing has changed since (sync.known_fingerprints): such a row parsed
    to exactly that contact's values before, so it is not parsed again (issue 4: an
    unchanged re-import of 20,000 rows spent most of its time here)."""
    result = Validation(rows=len(table.rows), organisations=table.organisations)
    result.warnings = [RowError(None, None, "", note) for note in table.notes]
    columns, errors = header_resolve(table, mapping)
    if errors:
        result.errors = errors
        result.invalid_rows = {number for number, _ in table.rows}
        return result
    headers = {column: table.headers[index] for index, column in columns.items()}
    result.headers = headers
    reference = Reference()
    for column, pairs in (mapping or {}).get("values", {}).items():
        reference.values[column] = {value_key(theirs): ours for theirs, ours in pairs.items()}
    context = fingerprint_context(mapping)
    width = len(table.headers)
    rows = table.rows

    parts = parallel_processes(len(rows)) if reference.offline else 1
    runs = [list(range(start, min(start + DEAL, len(rows)))) for start in range(0, len(rows), DEAL)]
    # Rows are dealt out in runs of DEAL, so that each process gets rows from all over the
    # file (a file's rows need not cost the same throughout). This process gets one run in
    # ten more than an even share: a pool process also pays for pickling its results
    # (issue 4 benchmark: with even shares this process waited ~0.6 s at the end).
    owners = [0] * (10 // parts + 1) + [k for k in range(1, parts) for _ in range(10 // parts)] if parts > 1 else [0]
    mine = [run for n, run in enumerate(runs) if owners[n % len(owners)] == 0]
    theirs = [run for n, run in enumerate(runs) if owners[n % len(owners)] != 0]
    job = (rows, columns, headers, reference, width, context, known, translation.get_language())
    ready: dict[int, RowOutcome] = {}
    with _pool(parts - 1, job) as pool:
        futures = [(run, pool.submit(_outcomes, run)) for run in theirs] if pool else []
        for run in mine + ([] if pool else theirs):
            ready.update(zip(run, _outcomes(run, job)))
            if progress:
                progress(len(run))
        for run, future in futures:
            ready.update(zip(run, future.result()))
            if progress:
                progress(len(run))
    first_seen: dict[tuple[str, ...], int] = {}
    records_by_key: dict[tuple[str, ...], ContactRecord] = {}
    by_row = ready
    for index in range(len(rows)):
        number, key, record, row_errors, row_warnings, name = by_row[index]
        result.warnings.extend(row_warnings)
        if key and key in first_seen:
            column = "source_id" if key[0] == "id" else "name"
            also = DUPLICATE_ID if key[0] == "id" else DUPLICATE_NAME
            shown = key[1] if key[0] == "id" else name
            row_errors = row_errors + [RowError(number, headers.get(column, column), shown, _(also) % {"row": first_seen[key]})]
            earlier = records_by_key.pop(key, None)
            if earlier is not None:
                result.records.remove(earlier)
                result.invalid_rows.add(earlier.row)
            result.errors.append(RowError(first_seen[key], headers.get(column), shown, _(also) % {"row": number}))
            record = None
        elif key:
            first_seen[key] = number
        if row_errors or record is None:
            result.errors.extend(row_errors)
            result.invalid_rows.add(number)
            if key:
                result.invalid_keys.add(key)
        else:
            result.records.append(record)
            records_by_key[key] = record
    # Within a row, errors follow the columns from left to right, as the user reads them.
    position = {header: index for index, header in reversed(list(enumerate(table.headers)))}
    result.errors.sort(key=lambda e: (e.row or 0, position.get(e.column, len(position))))
    result.geocode_pending = dict(getattr(reference.geocoder, "missed", {}))
    return result


DUPLICATE_ID = gettext_noop("steht auch in Zeile %(row)s; jede Quell-ID darf in einer Datei nur einmal vorkommen")
DUPLICATE_NAME = gettext_noop(
    "steht auch in Zeile %(row)s; jeder Name darf mit derselben Postleitzahl in einer Datei nur einmal vorkommen"
)


# (row number, key, record or None, errors, warnings, the raw name): one row's check,
# computed here or in a pool process, then merged in file order.
RowOutcome = tuple

_JOB: tuple | None = None  # a pool process's job: its copy of the parent's at fork time


@contextmanager
def _pool(workers: int, job: tuple):
    """Processes that check rows beside this one, or None. Imports run in the task worker or
    on the command line, never in a web worker (importers/tasks.py), so forking is safe
    here: a forked process gets the rows and reference tables without pickling them, uses
    no database connection and leaves by os._exit."""
    global _JOB
    if workers < 1:
        yield None
        return
    _JOB = job
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            yield pool
    finally:
        _JOB = None


def _outcomes(positions: list[int], job: tuple | None = None) -> list[RowOutcome]:
    rows, columns, headers, reference, width, context, known, language = job or _JOB
    with translation.override(language):
        return [_row_outcome(*rows[p], columns, headers, reference, width, context, known) for p in positions]


def _row_outcome(number, cells, columns, headers, reference, width, context, known) -> RowOutcome:
    parser = RowParser(number, cells, columns, headers, reference, width)
    key = parser.key()
    fingerprint = parser.fingerprint(context) if key and key[0] == "id" else ""
    if fingerprint and known and fingerprint in known:
        record = ContactRecord(number, key, None, contact_id=known[fingerprint], fingerprint=fingerprint)
    else:
        record = parser.parse()
        if record is not None and not parser.warnings:
            record.fingerprint = fingerprint  # warnings are not stored: such a row is always parsed
    return number, key, record, parser.errors, parser.warnings, parser.raw("name")


class RowParser:
    def __init__(self, number: int, cells: list[Cell], columns: dict[int, str], headers: dict[str, str], reference: Reference, width: int):
        self.number, self.reference, self.headers = number, reference, headers
        self.errors: list[RowError] = []
        self.warnings: list[RowError] = []
        self.cells: dict[str, Cell] = {}
        self.texts: dict[str, str] = {}
        self.formulas: list[str] = []
        count = len(cells)
        for index, column in columns.items():
            if index >= count:
                continue
            cell = cells[index]
            text = cell.text.strip()
            if cell.formula or text.startswith("="):
                self.formulas.append(column)
            if text.startswith("'") and text[1:2] in FORMULA_START:
                text = text[1:]  # an exported, neutralised cell (see importers/export.py)
            if column in self.texts:  # a second column for one list (importers/columns.py)
                if text:
                    self.texts[column] = f"{self.texts[column]}; {text}" if self.texts[column] else text
                continue
            self.cells[column] = cell
            self.texts[column] = text
        extra = [c for c in cells[width:] if c.text.strip()]
        if extra:
            self.errors.append(RowError(number, None, "", _("hat %(cells)s Zellen, die Kopfzeile aber nur %(width)s Spalten; bitte auf Trennzeichen ohne Anführungszeichen prüfen")
                % {"cells": len(cells), "width": width}))

    # --- helpers ---------------------------------------------------------------------
    def raw(self, column: str) -> str:
        return self.texts.get(column, "")

    def error(self, column: str | None, value: str, reason: str, code: str = "") -> None:
        self.errors.append(RowError(self.number, self.headers.get(column, column) if column else None, value, reason, code=code))

    def warn(self, column: str | None, value: str, reason: str) -> None:
        self.warnings.append(RowError(self.number, self.headers.get(column, column) if column else None, value, reason))

    def items(self, column: str) -> list[str]:
        return [item.strip() for item in LIST_SPLIT.split(self.raw(column)) if item.strip()]

    def fingerprint(self, context: bytes) -> str:
        """A digest of everything parse() reads, or "" for a row that must always be parsed
        (cells beyond the header, formulas). An absent column reads as an empty one."""
        if self.errors or self.formulas:
            return ""
        postcode = self.cells.get("postcode")
        content = (sorted((column, text) for column, text in self.texts.items() if text), postcode is not None and postcode.number)
        return hashlib.blake2b(context + orjson.dumps(content), digest_size=20).hexdigest()

    def key(self) -> tuple[str, ...] | None:
        source_id = self.raw("source_id")
        if source_id:
            return ("id", source_id)
        name = normalise_name(self.raw("name"))
        return ("name", name, self.raw("postcode")) if name else None

    # --- the row ---------------------------------------------------------------------
    def parse(self) -> ContactRecord | None:
        for column in self.formulas:
            self.error(column, self.cells[column].text.strip(), _("ist eine Formel; Formeln werden nicht ausgewertet, bitte den Wert selbst eintragen"))
        if self.errors:
            return None
        for column, limit in MAX_LENGTH.items():
            if len(self.raw(column)) > limit:
                self.error(column, self.raw(column), _("ist länger als %(limit)s Zeichen") % {"limit": limit})
        for column in REQUIRED:
            if not self.raw(column):
                self.error(column, "", _("darf nicht leer sein"))
        values = {
            "external_id": self.raw("source_id"),
            "name": self.raw("name"),
            "organisation": self.raw("organisation"),
            "description_de": self.raw("description_de"),
            "description_en": self.raw("description_en"),
            "street": self.raw("street"),
            "town": self.raw("town"),
            "source_url": "",
            "source_date": self.source_date(),
            "notes": self.raw("notes"),
            "opening_hours": self.opening_hours(),
            "open_24_7": bool(self.boolean("open_24_7")),
            "barrier_free": self.boolean("barrier_free"),
            "anonymous": self.boolean("anonymous"),
            "free_of_charge": self.boolean("free_of_charge"),
            "active": self.boolean("active") is not False,
            "languages": self.languages(),
            "last_verified": self.date("last_verified"),
            "uuid": self.uuid(),
            "email": self.email(),
            "phones": self.phones(),
        }
        values["all_incidents"] = self.all_incidents()
        for column in TERM_MODELS:
            values[column] = [] if column == "incident_types" and values["all_incidents"] else self.terms(column)
        for column in ("website", "online_report_url", "source_url"):
            values[column] = self.url(column)
        scope = self.scope()
        states = self.states()
        values["scope"] = scope or ""
        located = self.location(states)
        values["postcode"] = self.postcode_value()
        values["lat"], values["lng"], values["district"] = located
        districts = self.districts(states, scope)
        if scope and not self.errors:
            # A district or local row names its district(s), or a postcode inside it (issue 4).
            if scope in (Scope.DISTRICT, Scope.LOCAL) and not districts and values["district"]:
                districts = [values["district"]]
            covered_states = states if scope in (Scope.NATIONAL, Scope.STATE) else []
            key = ("coverage", scope, tuple(covered_states), tuple(districts))
            if key not in self.reference.memo:
                state_objs = [self.reference.state_by_code[c] for c in covered_states]
                district_objs = [self.reference.districts[a] for a in districts]
                self.reference.memo[key] = coverage_errors(scope, state_objs, district_objs)
            for reason in self.reference.memo[key]:  # English keys, shown in the active language
                shown = coverage_reason_text(reason)
                self.error("scope", self.raw("scope"), _("passt nicht zum Zuständigkeitsgebiet: %(reason)s") % {"reason": shown})
            values["states"] = sorted(covered_states)
            values["districts"] = sorted(districts)
        if self.errors:
            return None
        return ContactRecord(self.number, self.key(), values)

    def scope(self) -> str | None:
        raw = self.raw("scope")
        if not raw:
            return None
        scope = self.reference.values.get("scope", {}).get(value_key(raw)) or SCOPES.get(normalise_name(raw).replace(" ", ""))
        if scope is None:
            self.error("scope", raw, _("ist keine Zuständigkeit; bitte bundesweit, landesweit, kreisweit oder lokal angeben "
                                         "(national, state, district, local)"), code="value:scope")
        return scope

    def states(self) -> list[str]:
        codes = []
        for item in self.items("states"):
            state = self.reference.states.get(normalise_name(item))
            if state is None:
                self.error("states", item, _("ist kein Bundesland; bitte Name, Kürzel (BY), ISO-Code (DE-BY) oder AGS (09) angeben"))
            elif state.code not in codes:
                codes.append(state.code)
        return codes

    def districts(self, states: list[str], scope: str | None) -> list[str]:
        found = []
        for item in self.items("districts"):
            if item.isdigit() and len(item) == 3:
                # A Regierungsbezirk (or a former one) by its AGS prefix: all its districts.
                region = self.reference.districts_by_prefix.get(item, [])
                if not region:
                    self.error("districts", item, _("ist kein Regierungsbezirk; ein dreistelliger Schlüssel ist der Anfang von Kreisschlüsseln, z. B. 059 für Arnsberg"))
                    continue
                outside = [d for d in region if states and d.state.code not in states]
                if outside:
                    names = ", ".join(self.reference.state_by_code[c].name for c in states)
                    self.error("districts", item, _("liegt in %(state)s, nicht in %(states)s") % {"state": outside[0].state.name, "states": names})
                    continue
                found += [d.ags for d in region if d.ags not in found]
                continue
            if item.isdigit():
                district = self.reference.districts.get(item.zfill(5) if len(item) == 4 else item)
                if district is None:
                    self.error("districts", item, _("ist kein Kreisschlüssel (AGS); bitte den 5-stelligen Schlüssel wie 09162 oder den Namen angeben"))
                    continue
            else:
                candidates = self.reference.district_names.get(normalise_name(item), [])
                within = [d for d in candidates if not states or d.state.code in states]
                if not within:
                    if states and candidates:
                        names = ", ".join(self.reference.state_by_code[c].name for c in states)
                        reason = _("ist kein Kreis in %(states)s; bitte den AGS-Schlüssel (z. B. 09162) oder den amtlichen Namen angeben") % {"states": names}
                    else:
                        reason = _("ist kein Kreis; bitte den AGS-Schlüssel (z. B. 09162) oder den amtlichen Namen angeben")
                    self.error("districts", item, reason)
                    continue
                if len(within) > 1:
                    options = ", ".join(f"{d.ags} {d}" for d in within)
                    self.error("districts", item, _("ist mehrdeutig (%(options)s); bitte den AGS-Schlüssel angeben") % {"options": options})
                    continue
                district = within[0]
            if states and district.state.code not in states:
                names = ", ".join(self.reference.state_by_code[c].name for c in states)
                self.error("districts", item, _("(%(district)s) liegt in %(state)s, nicht in %(states)s") % {
                    "district": district.short_name, "state": district.state.name, "states": names})
                continue
            if district.ags not in found:
                found.append(district.ags)
        return found

    def postcode_value(self) -> str:
        raw = self.raw("postcode")
        cell = self.cells.get("postcode")
        if cell is not None and cell.number and raw.isdigit() and len(raw) == 4:
            raw = "0" + raw  # Excel stores 01067 as the number 1067
        return raw

    def location(self, states: list[str]) -> tuple[float | None, float | None, str]:
        postcode, town, street = self.postcode_value(), self.raw("town"), self.raw("street")
        district = ""
        located = None
        if postcode:
            if not re.fullmatch(r"[0-9]{5}", postcode):
                self.error("postcode", postcode, _("ist keine Postleitzahl; eine deutsche Postleitzahl hat 5 Ziffern"))
                return None, None, ""
            key = ("postcode", postcode)
            if key not in self.reference.memo:
                found = self.reference.gazetteer.geocode({"postalcode": postcode})
                states_of = {self.reference.districts[a].state.code for a in found.raw["districts"]} if found else set()
                self.reference.memo[key] = (found, states_of)
            located, postcode_states = self.reference.memo[key]
            if located is None:
                self.error("postcode", postcode, _("ist keine bekannte deutsche Postleitzahl"))
                return None, None, ""
            if states and not postcode_states & set(states):
                names = ", ".join(self.reference.state_by_code[c].name for c in states)
                self.error("postcode", postcode, _("liegt nicht in %(states)s") % {"states": names})
                return None, None, ""
            district = located.raw["district"]
        elif town:
            ambiguous = False
            try:
                located = self.reference.gazetteer.geocode({"city": town, "state": states[0] if len(states) == 1 else ""})
            except AmbiguousPlace as exc:
                self.warn("town", town, _("liegt in %(count)s Kreisen; bitte eine Postleitzahl angeben, um den Ort auf der Karte zu zeigen") % {
                    "count": len(exc.districts)})
                ambiguous = True
            if located is not None:
                district = located.raw["district"]
            elif not ambiguous:
                self.warn("town", town, _("ist nicht im Ortsverzeichnis; bitte eine Postleitzahl angeben, um den Ort auf der Karte zu zeigen"))
        lat, lng = self.coordinates()
        if lat is not None:
            return lat, lng, district
        if located is None:
            return None, None, district
        if self.reference.geocoder is not self.reference.gazetteer and (street or postcode or town):
            # The online geocoder's shared cache only; a miss keeps the gazetteer's point and
            # is queued for `geocode_addresses` once the import is applied (importers/geocoders.py).
            found = self.reference.geocoder.geocode(
                {"street": street, "postalcode": postcode, "city": town, "country": "Deutschland"},
                fallback=(located.latitude, located.longitude),
            )
            if found is not None:
                return round(found.latitude, 6), round(found.longitude, 6), district
        return located.latitude, located.longitude, district

    def coordinates(self) -> tuple[float | None, float | None]:
        raw_lat, raw_lng = self.raw("lat"), self.raw("lng")
        if not raw_lat and not raw_lng:
            return None, None
        try:
            lat, lng = float(raw_lat.replace(",", ".")), float(raw_lng.replace(",", "."))
        except ValueError:
            self.error("lat" if raw_lat else "lng", f"{raw_lat} {raw_lng}".strip(), _("ist kein Paar aus Breite und Länge; bitte beide in Dezimalgrad angeben"))
            return None, None
        if not (47 <= lat <= 55.1 and 5.8 <= lng <= 15.1):
            self.error("lat", f"{raw_lat}, {raw_lng}", _("ist kein Punkt in Deutschland"))
            return None, None
        return lat, lng

    def terms(self, column: str) -> list[str]:
        """Slugs for a list of names: the source's value mapping first ("" drops a value),
        then the names and synonyms of importers/terms.py."""
        slugs = []
        lookup, memo = self.reference.terms[column], self.reference.memo
        mapped = self.reference.values.get(column, {})
        for item in self.items(column):
            key = (column, item)
            if key not in memo:
                memo[key] = mapped.get(value_key(item), term_find(lookup, item))
            slug = memo[key]
            if slug is None:
                english = (translation.get_language() or "").startswith("en")
                known = ", ".join(label_en if english else label_de for label_de, label_en in self.reference.term_labels[column])
                self.error(column, item, _("ist nicht bekannt; möglich sind %(known)s") % {"known": known}, code=f"value:{column}")
            elif slug and slug not in slugs:
                slugs.append(slug)
        return sorted(slugs)

    def all_incidents(self) -> bool:
        """True when the incident column says "alle"; other incident types beside it add
        nothing (a warning), since such a contact is shown for every incident anyway."""
        items = self.items("incident_types")
        every = [item for item in items if normalise_name(item).replace(" ", "") in ALL_INCIDENTS]
        if every and len(every) < len(items):
            self.warn("incident_types", self.raw("incident_types"), _(
                'nennt "alle" und einzelne Vorfallarten; der Kontakt wird bei allen Vorfällen gezeigt, die einzelnen werden nicht gespeichert'))
        return bool(every)

    def source_date(self) -> str:
        """The date the source page shows: 2025, 2025-03 or 2025-03-14 (or 14.03.2025, 03/2025)."""
        raw = self.raw("source_date")
        if not raw:
            return ""
        german = re.fullmatch(r"(?:([0-9]{1,2})\.)?([0-9]{1,2})[./]([0-9]{4})", raw)
        value = raw
        if german:
            day, month, year = german.groups()
            value = f"{year}-{int(month):02d}" + (f"-{int(day):02d}" if day else "")
        if SOURCE_DATE.fullmatch(value):
            parts = [int(p) for p in value.split("-")]
            try:
                datetime(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
                return value
            except ValueError:
                pass
        self.error("source_date", raw, _("ist kein Stand; bitte als Jahr (2025), Monat (2025-03) oder Datum (2025-03-14) angeben"))
        return ""

    def boolean(self, column: str) -> bool | None:
        raw = self.raw(column)
        try:
            return parse_bool(raw)
        except ValueError:
            self.error(column, raw, _("ist weder ja noch nein; bitte ja/nein, x, yes/no oder 1/0 angeben"))
            return None

    def date(self, column: str) -> str | None:
        raw = self.raw(column)
        if not raw:
            return None
        for pattern in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y"):
            try:
                return datetime.strptime(raw, pattern).date().isoformat()
            except ValueError:
                continue
        self.error(column, raw, _("ist kein Datum; bitte als 24.11.2026 oder 2026-11-24 schreiben"))
        return None

    def uuid(self) -> str:
        raw = self.raw("uuid")
        if not raw:
            return ""
        try:
            return str(UUID(raw))
        except ValueError:
            self.error("uuid", raw, _("ist keine UUID; eine UUID hat 32 Hexadezimalziffern, z. B. 0b6f3c9e-2d4a-4c1e-9f3a-5b7d8e9f0a1b"))
            return ""

    def email(self) -> str:
        raw = self.raw("email")
        if raw and not (len(raw) <= 254 and PLAIN_EMAIL.fullmatch(raw)):
            try:
                EMAIL(raw)
            except ValidationError:
                self.error("email", raw, _("ist keine E-Mail-Adresse"))
        return raw

    def url(self, column: str) -> str:
        raw = self.raw(column)
        if not raw:
            return ""
        if raw.lower().startswith("www."):
            raw = "https://" + raw
        if len(raw) <= 1000 and PLAIN_URL.fullmatch(raw) and len(raw.split("/", 3)[2]) <= 253:
            return raw
        try:
            URL(raw)
        except ValidationError:
            self.error(column, raw, _("ist keine Webadresse; bitte als https://… schreiben"))
        return raw

    def phones(self) -> list[str]:
        """ "Beratung: 0711 5401-3003; 116 006" → ["Beratung: +4971154013003", "116006"]."""
        phones = []
        for item in (p.strip() for p in re.split(r"[;\n]", self.raw("phone"))):
            if not item:
                continue
            label, _colon, number = item.rpartition(":")
            key = ("phone", number)
            if key not in self.reference.memo:
                try:
                    self.reference.memo[key] = phone_to_e164(number)
                except PhoneError:
                    self.reference.memo[key] = None
            e164 = self.reference.memo[key]
            if e164 is None:
                self.error("phone", item, _("ist keine gültige Telefonnummer; bitte wie 0711 5401-3003 oder +49 711 54013003 schreiben"))
                continue
            if len(label.strip()) > PHONE_LABEL_MAX:
                # PostgreSQL refuses a longer label (SQLite would store it): say so here.
                self.error("phone", item, _("die Bezeichnung vor der Nummer hat mehr als %(max)s Zeichen; bitte kürzen")
                           % {"max": PHONE_LABEL_MAX})
                continue
            phones.append(f"{label.strip()}: {e164}" if label.strip() else e164)
        return phones

    def languages(self) -> list[str]:
        codes = []
        memo = self.reference.memo
        for item in self.items("languages"):
            key = ("language", item)
            if key not in memo:
                code = LANGUAGES.get(normalise_name(item).replace(" ", ""), item.lower())
                memo[key] = code if re.fullmatch(r"[a-z]{2,3}", code) else None
            code = memo[key]
            if code is None:
                self.error("languages", item, _("ist keine Sprache; bitte ISO-639-1-Codes wie de, en, tr angeben"))
            elif code not in codes:
                codes.append(code)
        return codes

    def opening_hours(self) -> str:
        """OSM syntax, or German notations converted to it (importers/hours.py). What the
        converter cannot read is kept as the writer's text (an OSM comment the pages show
        as text) with a warning: never dropped, and never the reason a row is refused."""
        raw = self.raw("opening_hours")
        if not raw or len(raw) > MAX_LENGTH["opening_hours"]:
            return ""  # too long: parse() said so
        hours = hours_convert(raw)
        if len(hours.expression) > MAX_LENGTH["opening_hours"]:
            self.error("opening_hours", raw, _("ist länger als %(limit)s Zeichen") % {"limit": MAX_LENGTH["opening_hours"] - 10})
            return ""
        if hours.kept_as_text:
            self.warn("opening_hours", raw, _('ist keine bekannte Schreibweise für Öffnungszeiten; der Text wird so gezeigt, wie er ist, '
                                              'ohne "jetzt geöffnet" (z. B. "Mo-Fr 9-16 Uhr" oder "Mo-Fr 09:00-16:00" wird erkannt)'))
        return hours.expression

