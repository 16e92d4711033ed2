"""The canonical column set and the header aliases people actually write.

A header is matched after folding: case, spaces, hyphens, underscores, dots and umlauts do
not matter ("E-Mail", "e_mail", "EMAIL" and "Email" are one column). Any other header can be
mapped with a mapping; map a header to "" to ignore that column. Unknown headers are an
error, never silently dropped: a column nobody reads is data somebody thinks was imported.

A mapping (issue 22) is remembered per source and used for every file of it; the command
line's --mapping file, the API's mapping and the admin's export share one format:

    {"columns": {"Einrichtung": "name", "Bearbeiter": ""},
     "values": {"kinds": {"Polizei Gotha": "police"}, "scope": {"Kreisgebiet": "district"}}}

The older flat form {"Einrichtung": "name"} is the same as {"columns": {…}}. Value mappings
apply to the taxonomy columns and the scope; "" drops a list value ("sonstiges").
Several columns of the file may name one list column (two "Telefon" columns, "Telefon" and
"Hotline" both mapped to phone): their values are read as one list.

The canonical format (what export_contacts writes, see fixtures/import/README.md):

    source_id, name, organisation, kinds, incident_types, target_groups, channels,
    description_de, description_en, scope, states, districts, street, postcode, town,
    lat, lng, phone, email, website, online_report_url, opening_hours, open_24_7,
    languages, barrier_free, anonymous, free_of_charge, source_url, source_date, notes,
    last_verified, active, uuid

`incident_types` may be `alle` / `all`: the contact helps with every incident (issue 15).
`districts` may name a whole Regierungsbezirk (or a former one) by its 3-digit AGS prefix:
`059` is every district whose key starts with 059 (Arnsberg).

`uuid` is the contact's lasting identifier (the id in the API and HSDS). Export writes it,
so that a restore from exported files keeps the ids partners hold; an import gives a new
contact the UUID of its row (a new one when the cell is empty, or when the UUID belongs to
another contact already) and never changes an existing contact's UUID.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from directory.text import german_fold

CANONICAL = [
    "source_id", "name", "organisation", "kinds", "incident_types", "target_groups", "channels",
    "description_de", "description_en", "scope", "states", "districts", "street", "postcode", "town",
    "lat", "lng", "phone", "email", "website", "online_report_url", "opening_hours", "open_24_7",
    "languages", "barrier_free", "anonymous", "free_of_charge", "source_url", "source_date", "notes",
    "last_verified", "active", "uuid",
]
REQUIRED = ["name", "scope", "kinds"]
# Columns holding lists: several columns of a file may feed one of them.
LIST_COLUMNS = {"phone", "kinds", "incident_types", "target_groups", "channels", "languages", "states", "districts"}
# Columns whose unknown values can be mapped to a known one (per source).
VALUE_COLUMNS = ["kinds", "incident_types", "target_groups", "channels", "scope"]
SCOPE_VALUES = ["national", "state", "district", "local"]

ALIASES = {
    "source_id": ["id", "quell-id", "quellid", "externe id", "external_id", "kennung", "nr", "nummer"],
    "name": ["name", "bezeichnung", "stelle", "titel", "title"],
    "organisation": ["organisation", "organization", "träger", "traeger", "verband"],
    "kinds": ["art", "arten", "kind", "kinds", "typ", "type", "art der stelle"],
    "incident_types": ["vorfallarten", "vorfallart", "vorfälle", "incident types", "incidents", "hilft bei"],
    "target_groups": ["zielgruppen", "zielgruppe", "target groups", "target group"],
    "channels": ["kontaktwege", "kontaktweg", "channels", "channel"],
    "description_de": ["beschreibung", "description", "beschreibung deutsch", "beschreibung (de)"],
    "description_en": ["beschreibung englisch", "beschreibung (englisch)", "beschreibung (en)", "description english"],
    "scope": ["zuständigkeit", "zustaendigkeit", "reichweite", "scope", "coverage"],
    "states": ["bundesland", "bundesländer", "land", "länder", "state", "states"],
    "districts": ["landkreis", "landkreise", "kreis", "kreise", "district", "districts", "ags"],
    "street": ["straße", "strasse", "str", "anschrift", "adresse", "street", "address"],
    "postcode": ["plz", "postleitzahl", "postcode", "postal code", "zip"],
    "town": ["ort", "stadt", "gemeinde", "town", "city"],
    "lat": ["breite", "breitengrad", "latitude", "lat"],
    "lng": ["länge", "laenge", "längengrad", "longitude", "lng", "lon"],
    "phone": ["telefon", "tel", "telefonnummer", "telefonnummern", "phone", "phones", "telephone", "festnetz", "hotline",
              "mobil", "mobilnummer", "handy", "telefon 2", "weitere telefonnummer"],
    "email": ["e-mail", "email", "mail", "e-mail-adresse"],
    "website": ["webseite", "website", "homepage", "internet", "url", "web"],
    "online_report_url": ["online melden", "onlinemeldung", "meldeformular", "online report", "report url"],
    "opening_hours": ["öffnungszeiten", "sprechzeiten", "erreichbarkeit", "opening hours", "hours"],
    "open_24_7": ["rund um die uhr", "24/7", "24 7", "open 24/7"],
    "languages": ["sprachen", "sprache", "languages", "language"],
    "barrier_free": ["barrierefrei", "barrier free", "accessible"],
    "anonymous": ["anonym", "anonym möglich", "anonymous"],
    "free_of_charge": ["kostenlos", "kostenfrei", "free", "free of charge"],
    "source_url": ["quelle", "beleg", "quellen-url", "source", "source url"],
    "source_date": ["stand", "stand der quelle", "quelldatum", "datum der quelle", "source date"],
    "notes": ["notizen", "interne notizen", "anmerkungen", "bemerkungen", "notes"],
    "last_verified": ["zuletzt geprüft", "geprüft am", "geprüft", "last verified", "verified"],
    "active": ["aktiv", "active"],
    "uuid": ["uuid", "kontakt-uuid", "contact uuid", "hsds id"],
}


def header_key(header: str) -> str:
    """ "E-Mail " → "email", "Zuständigkeit" → "zustaendigkeit", "Source ID" → "sourceid"."""
    return re.sub(r"[\s\-_.()/]+", "", german_fold(str(header)).lower())


_LOOKUP: dict[str, str] = {}
for _column in CANONICAL:
    _LOOKUP[header_key(_column)] = _column
for _column, _names in ALIASES.items():
    for _name in _names:
        _LOOKUP.setdefault(header_key(_name), _column)


def canonical_column(header: str, mapping: dict[str, str] | None = None) -> str | None:
    """The canonical column for a header, "" for a header the mapping ignores, None if unknown."""
    if mapping:
        for theirs, ours in mapping.items():
            if header_key(theirs) == header_key(header):
                return ours
    return _LOOKUP.get(header_key(header))


class MappingError(ValueError):
    pass


def mapping_empty() -> dict:
    return {"columns": {}, "values": {}}


def mapping_check(mapping: object, *, value_targets: dict[str, set[str]] | None = None) -> dict:
    """A mapping in its one form {"columns": {…}, "values": {column: {…}}}, or a
    MappingError that says exactly what is wrong. `value_targets` (column → the slugs it
    takes) checks the targets of value mappings; importers.services passes the reference's."""
    if not isinstance(mapping, dict):
        raise MappingError(_('die Zuordnung muss ein JSON-Objekt sein, z. B. {"columns": {"Spaltenüberschrift": "name"}}'))
    structured = set(mapping) <= {"columns", "values"} and all(isinstance(v, dict) for v in mapping.values())
    columns = mapping.get("columns", {}) if structured else mapping
    values = mapping.get("values", {}) if structured else {}
    checked = mapping_empty()
    for theirs, ours in columns.items():
        ours = "" if ours is None else ours
        if not isinstance(ours, str):
            raise MappingError(_('Zuordnung für "%(theirs)s": bitte einen Spaltennamen als Text angeben, oder "" zum Ignorieren')
                               % {"theirs": theirs})
        if ours and ours not in CANONICAL:
            raise MappingError(_('Zuordnung für "%(theirs)s": "%(ours)s" ist keine Standardspalte; möglich sind %(columns)s')
                               % {"theirs": theirs, "ours": ours, "columns": ", ".join(CANONICAL)})
        checked["columns"][str(theirs)] = ours
    for column, pairs in values.items():
        if column not in VALUE_COLUMNS or not isinstance(pairs, dict):
            raise MappingError(_('Zuordnung von Werten: "%(column)s" geht nicht; Werte lassen sich zuordnen in %(columns)s, '
                                 'jeweils als {"Wert in der Datei": "Kennung"}') % {"column": column, "columns": ", ".join(VALUE_COLUMNS)})
        targets = SCOPE_VALUES if column == "scope" else (value_targets or {}).get(column)
        for theirs, ours in pairs.items():
            ours = "" if ours is None else ours
            if not isinstance(ours, str) or (column == "scope" and not ours):
                raise MappingError(_('Zuordnung für %(column)s "%(theirs)s": bitte eine Kennung als Text angeben')
                                   % {"column": column, "theirs": theirs})
            if ours and targets is not None and ours not in targets:
                raise MappingError(_('Zuordnung für %(column)s "%(theirs)s": "%(ours)s" ist keine Kennung; möglich sind %(known)s')
                                   % {"column": column, "theirs": theirs, "ours": ours, "known": ", ".join(sorted(targets))})
            checked["values"].setdefault(column, {})[str(theirs)] = ours
    return checked


def mapping_merge(base: dict | None, extra: dict | None) -> dict:
    """`extra` over `base` (both in the checked form): an entry of `extra` replaces the one
    of `base` for the same header or value, compared as the importer compares them."""
    merged = mapping_empty()
    for part in (base or mapping_empty(), extra or mapping_empty()):
        for theirs, ours in part.get("columns", {}).items():
            for old in [k for k in merged["columns"] if header_key(k) == header_key(theirs)]:
                del merged["columns"][old]
            merged["columns"][theirs] = ours
        for column, pairs in part.get("values", {}).items():
            target = merged["values"].setdefault(column, {})
            for theirs, ours in pairs.items():
                for old in [k for k in target if value_key(k) == value_key(theirs)]:
                    del target[old]
                target[theirs] = ours
    merged["values"] = {column: pairs for column, pairs in merged["values"].items() if pairs}
    return merged


def mapping_size(mapping: dict | None) -> int:
    if not mapping:
        return 0
    return len(mapping.get("columns", {})) + sum(len(pairs) for pairs in mapping.get("values", {}).values())


def value_key(text: str) -> str:
    """How a mapped value is compared: like a header (case, spaces, umlaut spelling)."""
    return header_key(text)
