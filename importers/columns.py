"""The canonical column set and the header aliases people actually write.

A header is matched after folding: case, spaces, hyphens, underscores, dots and umlauts do
not matter ("E-Mail", "e_mail", "EMAIL" and "Email" are one column). Any other header can be
mapped with a mapping (a JSON object {"their header": "canonical column"}; map a header to
"" to ignore that column). Unknown headers are an error, never silently dropped: a column
nobody reads is data somebody thinks was imported.

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
    "phone": ["telefon", "tel", "telefonnummer", "telefonnummern", "phone", "phones", "telephone"],
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


def mapping_check(mapping: object) -> dict[str, str]:
    """A mapping must be {"header": "canonical column" or ""}; say exactly what is wrong."""
    if not isinstance(mapping, dict):
        raise MappingError(_('die Zuordnung muss ein JSON-Objekt sein, z. B. {"Spaltenüberschrift": "name"}'))
    checked = {}
    for theirs, ours in mapping.items():
        ours = "" if ours is None else ours
        if not isinstance(ours, str):
            raise MappingError(_('Zuordnung für "%(theirs)s": bitte einen Spaltennamen als Text angeben, oder "" zum Ignorieren')
                               % {"theirs": theirs})
        if ours and ours not in CANONICAL:
            raise MappingError(_('Zuordnung für "%(theirs)s": "%(ours)s" ist keine Standardspalte; möglich sind %(columns)s')
                               % {"theirs": theirs, "ours": ours, "columns": ", ".join(CANONICAL)})
        checked[str(theirs)] = ours
    return checked
