"""The Open Referral HSDS 3.0 tabular data package (issue 20): the published directory as
`datapackage.json` plus one CSV per HSDS table, and such a package read back as an import.

Export (`package_build`): the resources, fields, types, primary and foreign keys are the
specification's own (fixtures/hsds/datapackage.json, all 21 tables; those Lotse has nothing
for are present with their header). The rows are the API's HSDS objects (directory/hsds.py)
laid flat, so a service has the same id and values in the package and at /api/hsds/. Only
active contacts are published, internal notes never. `services.last_modified` stays empty:
a record's change time belongs to the database that holds it (an import into another one
changes it), and leaving it out makes export → import → export give the same tables. The
package's `created` is the newest change of what it holds, so equal data give equal bytes.

Import (`package_read`, through the one import service: importers/readers.table_read
hands a zip with a datapackage.json here): one row per service, in the canonical columns,
so the package is checked, previewed and applied like any other file. Every HSDS field
that holds values Lotse does not take over is named in a note (a warning of the report),
and row errors name the package's table and field ("services.name", "service_areas").
Organizations new to Lotse keep their id, website and description; existing ones (by name)
stay as they are.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections import defaultdict
from pathlib import Path

import opening_hours
from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from directory import hsds, selectors
from directory.attribution import REFERENCE_DATA, statement
from directory.models import Contact, Source
from importers.readers import Cell, ReadError, Table, grouped

SPEC_PATH = Path(settings.BASE_DIR) / "fixtures" / "hsds" / "datapackage.json"
SPEC = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
RESOURCES = {resource["name"]: resource for resource in SPEC["resources"]}
FIELDS = {name: [f["name"] for f in resource["schema"]["fields"]] for name, resource in RESOURCES.items()}
DESCRIPTOR = "datapackage.json"
# The export's own markers (directory/hsds.py service_full) that say what a schedule is.
OSM_NOTE = "OpenStreetMap opening_hours syntax"
ALWAYS = "24/7"
FREE = {"kostenlos", "free of charge", "free", "gebührenfrei", "kostenfrei"}


# --- export ------------------------------------------------------------------------------


def package_tables(*, source_slug: str | None = None) -> dict[str, list[dict]]:
    """Resource name → rows (dicts of the spec's fields), in a fixed order: services by id,
    each one's phones and schedules in their own order (a phone's id depends on it)."""
    tables: dict[str, list[dict]] = {name: [] for name in RESOURCES}
    contacts = selectors.contacts_base().order_by("uuid")
    if source_slug:
        contacts = contacts.filter(source__slug=source_slug)
    organizations = {}
    for contact in contacts:
        service = hsds.service_full(contact)
        organization = hsds.organization_summary(contact)
        organizations[organization["id"]] = organization
        service.pop("organization", None)
        service.pop("last_modified", None)  # see the module docstring
        tables["phone"] += service.pop("phones")
        tables["service_area"] += service.pop("service_areas")
        tables["language"] += service.pop("languages")
        tables["schedule"] += service.pop("schedules")
        for link in service.pop("service_at_locations"):
            location = link.pop("location")
            tables["address"] += location.pop("addresses", [])
            tables["location"].append(location)
            tables["service_at_location"].append(link)
        tables["attribute"] += [{k: v for k, v in a.items() if k != "taxonomy_term"} for a in service.pop("attributes")]
        tables["service"].append(service)
    tables["organization"] = sorted(organizations.values(), key=lambda o: o["id"])
    tables["taxonomy"] = hsds.taxonomies_all()
    tables["taxonomy_term"] = hsds.terms_all()
    return tables


# A cell a spreadsheet would run as a formula is prefixed with ' (OWASP "CSV injection"),
# except a signed number (an E.164 phone number, a negative coordinate), which is data a
# spreadsheet shows as a number and which the prefix would corrupt for every other reader.
_FORMULA = re.compile(r"[=@\t\r]|[+-](?![0-9 .()/-]*$)")


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    return "'" + text if _FORMULA.match(text) else text


def _csv(name: str, rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS[name])
    for row in rows:
        unknown = set(row) - set(FIELDS[name])
        assert not unknown, f"{name}: {unknown} are not fields of the HSDS table"  # our own bug: fail loudly
        writer.writerow([_csv_value(row.get(field)) for field in FIELDS[name]])
    return out.getvalue().encode("utf-8")


def package_descriptor(*, source_slug: str | None = None) -> dict:
    about = statement(source_slug=source_slug)
    contacts = Contact.objects.filter(active=True, **({"source__slug": source_slug} if source_slug else {}))
    newest = contacts.aggregate(newest=Max("updated_at"))["newest"]
    sources = [{"title": s["title"], **({"path": s["path"]} if s["path"] else {})} for s in about["sources"]]
    sources += [{"title": item["title"], "path": item["path"]} for item in REFERENCE_DATA]
    descriptor = {
        "profile": "tabular-data-package",
        "name": "lotse-hsds",
        "title": "Lotse: Hilfe bei Anfeindungen gegen Kommunalpolitik (HSDS 3.0)",
        "description": about["attribution"],
        "version": hsds.HSDS_VERSION,
        "homepage": hsds.PROFILE_URL,
        "licenses": [{"name": about["licence"]["name"], "path": about["licence"]["path"]}],
        "contributors": [{"title": about["publisher"], "role": "publisher"}],
        "sources": sources,
        "resources": [dict(resource, encoding="utf-8") for resource in SPEC["resources"]],
    }
    if newest is not None:
        descriptor["created"] = hsds._timestamp(newest)
    return descriptor


_CACHE: dict[str, tuple[str, bytes]] = {}  # language → (stamp, the whole directory's package)


def package_published() -> bytes:
    """The whole published directory's package, built again only when what it shows may
    have changed (building takes ~15 ms a contact): a contact written (every write moves
    updated_at, deactivations too; directory.services.contacts_touched), a source's name,
    a term's labels, the licence. One package per language per process."""
    terms = [list(model.objects.order_by("slug").values_list("slug", "name_de", "name_en", "description_de", "description_en"))
             for model, *_rest in hsds.TAXONOMIES.values()]
    contacts = Contact.objects.aggregate(newest=Max("updated_at"), count=Count("id"), published=Count("id", filter=Q(active=True)))
    stamp = repr((contacts, list(Source.objects.order_by("pk").values_list("pk", "name", "url")), terms,
                  settings.DATA_LICENCE, settings.DATA_LICENCE_URL, settings.DATA_PUBLISHER))
    language = get_language() or settings.LANGUAGE_CODE
    cached = _CACHE.get(language)
    if cached is None or cached[0] != stamp:
        cached = _CACHE[language] = (stamp, package_build())
    return cached[1]


def package_build(*, source_slug: str | None = None) -> bytes:
    """The zip: datapackage.json, then one CSV per resource in the specification's order.
    Entries carry a fixed date, so equal data give equal bytes."""
    if source_slug and not Source.objects.filter(slug=source_slug).exists():
        raise ValueError(_('es gibt keine Quelle "%(source)s"') % {"source": source_slug})
    tables = package_tables(source_slug=source_slug)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        def put(name: str, data: bytes) -> None:
            entry = zipfile.ZipInfo(name, date_time=(2024, 5, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, data)

        put(DESCRIPTOR, json.dumps(package_descriptor(source_slug=source_slug), ensure_ascii=False, indent=1).encode())
        for name, resource in RESOURCES.items():
            put(resource["path"], _csv(name, tables[name]))
    return out.getvalue()


# --- import ------------------------------------------------------------------------------

# The canonical columns a package fills, and how its messages name them.
COLUMNS = [
    ("source_id", "services.id"), ("uuid", "services.id"), ("name", "services.name"),
    ("organisation", "organizations.name"), ("description_de", "services.description"),
    ("kinds", "attributes (lotse-contact-kinds)"), ("incident_types", "attributes (lotse-incident-types)"),
    ("target_groups", "attributes (lotse-target-groups)"), ("scope", "service_areas"),
    ("states", "service_areas (ISO 3166-2)"), ("districts", "service_areas (AGS)"),
    ("street", "addresses.address_1"), ("postcode", "addresses.postal_code"), ("town", "addresses.city"),
    ("lat", "locations.latitude"), ("lng", "locations.longitude"), ("phone", "phones"), ("email", "services.email"),
    ("website", "services.url"), ("opening_hours", "schedules"), ("open_24_7", "schedules (24/7)"),
    ("languages", "languages.code"), ("free_of_charge", "services.fees_description"),
    ("last_verified", "services.assured_date"), ("active", "services.status"),
]
# Fields read (or derived by Lotse's own export and read through another field): a value
# anywhere else is named in a note. Fields read only under a condition are checked there.
# Fields the generic pass leaves alone: read, derived by Lotse's own export from what is
# read (state_province, a service area's name), or checked where they are read (_service_values).
TAKEN = {
    "organization": {"id", "name", "description", "website"},
    "service": {"id", "organization_id", "name", "description", "url", "email", "status", "assured_date",
                "fees_description", "eligibility_description"},
    "location": {"id", "organization_id", "latitude", "longitude", "location_type", "name"},
    "address": {"id", "location_id", "address_1", "city", "state_province", "postal_code", "address_type", "country"},
    "service_at_location": {"id", "service_id", "location_id", "description"},
    "phone": {"id", "service_id", "number", "description", "type", "extension"},
    "service_area": set(FIELDS["service_area"]),
    "schedule": set(FIELDS["schedule"]),
    "language": {"id", "service_id", "code", "name"},
    "attribute": set(FIELDS["attribute"]),
    "taxonomy": set(FIELDS["taxonomy"]),
    "taxonomy_term": set(FIELDS["taxonomy_term"]),
}
OURS = {hsds.taxonomy_id(key): key for key in hsds.TAXONOMIES}
RELATION_COLUMN = {"lotse-incident-types": "incident_types", "lotse-contact-kinds": "kinds", "lotse-target-groups": "target_groups"}
DAYS = {"MO": "Mo", "TU": "Tu", "WE": "We", "TH": "Th", "FR": "Fr", "SA": "Sa", "SU": "Su"}


def is_package(archive: zipfile.ZipFile) -> bool:
    return _descriptor_name(archive) is not None


def _descriptor_name(archive: zipfile.ZipFile) -> str | None:
    """datapackage.json at the top, or in the one folder a zip program may have put it in."""
    names = [n for n in archive.namelist() if n.rsplit("/", 1)[-1] == DESCRIPTOR and n.count("/") <= 1]
    return min(names, key=len) if names else None


class _Notes:
    """What the package holds that Lotse does not take over, counted per table and field."""

    def __init__(self):
        self.fields: dict[tuple[str, str], int] = defaultdict(int)
        self.other: list[str] = []

    def unused(self, table: str, row: dict, taken: set[str]) -> None:
        for name, value in row.items():
            if value and name not in taken:
                self.fields[(table, name)] += 1

    def messages(self) -> list[str]:
        found = [
            _('%(path)s.%(field)s: %(count)s Wert(e) nicht übernommen; Lotse führt dieses Feld nicht')
            % {"path": RESOURCES[table]["path"].removesuffix(".csv"), "field": name, "count": grouped(count)}
            for (table, name), count in sorted(self.fields.items(), key=lambda item: (_order(item[0][0]), FIELDS[item[0][0]].index(item[0][1])))
        ]
        return found + self.other


def _order(table: str) -> int:
    return list(RESOURCES).index(table)


def _read_tables(data: bytes) -> dict[str, list[dict]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise ReadError(_("das ZIP-Archiv ist beschädigt; bitte das Datenpaket neu erstellen")) from None
    limit = int(getattr(settings, "IMPORT_MAX_XLSX_UNCOMPRESSED", 200 * 1024 * 1024))
    total = sum(info.file_size for info in archive.infolist())
    if total > limit:
        raise ReadError(_("entpackt wäre das Datenpaket %(total)s Bytes groß; erlaubt sind höchstens %(max)s (IMPORT_MAX_XLSX_UNCOMPRESSED)")
                        % {"total": grouped(total), "max": grouped(limit)})
    name = _descriptor_name(archive)
    folder = name[: -len(DESCRIPTOR)]
    try:
        descriptor = json.loads(archive.read(name).decode("utf-8-sig"))
        resources = descriptor["resources"]
        paths = {r["name"]: r["path"] for r in resources if isinstance(r, dict) and isinstance(r.get("path"), str)}
    except (ValueError, KeyError, TypeError):
        raise ReadError(_("%(file)s ist kein Datenpaket-Deskriptor (JSON mit einer Liste resources, jede mit name und path)")
                        % {"file": name}) from None
    if "service" not in paths:
        raise ReadError(_("das Datenpaket hat keine Ressource service (services.csv); Lotse liest HSDS-3.0-Pakete"))
    members = set(archive.namelist())
    tables: dict[str, list[dict]] = {}
    for resource, path in paths.items():
        member = folder + path
        if member not in members:
            raise ReadError(_('die Ressource %(name)s nennt die Datei "%(path)s", die im ZIP-Archiv fehlt') % {"name": resource, "path": path})
        try:
            text = archive.read(member).decode("utf-8-sig")
            tables[resource] = [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in csv.DictReader(io.StringIO(text, newline=""))]
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ReadError(_("%(path)s kann nicht gelesen werden (%(error)s); HSDS-Tabellen sind CSV in UTF-8")
                            % {"path": path, "error": type(exc).__name__}) from None
    for resource in RESOURCES:
        tables.setdefault(resource, [])
    return tables


def _plain(text: str) -> str:
    """A cell as written, without the apostrophe that guards a formula-like value."""
    return text[1:] if text.startswith("'") and _FORMULA.match(text[1:]) else text


def package_read(data: bytes) -> Table:
    """A zip with datapackage.json and HSDS CSVs → a table of canonical rows (one per
    service, numbered by its line in services.csv), with notes on what is not taken over."""
    tables = _read_tables(data)
    tables = {name: [{k: _plain(v) for k, v in row.items()} for row in rows] for name, rows in tables.items()}
    notes = _Notes()
    by_service = {name: defaultdict(list) for name in ("phone", "service_area", "schedule", "language", "service_at_location")}
    for name, rows in by_service.items():
        for row in tables[name]:
            if row.get("service_id"):
                rows[row["service_id"]].append(row)
            elif any(row.get(f) for f in ("location_id", "organization_id", "contact_id", "service_at_location_id")):
                notes.other.append(_("%(path)s: eine Zeile ohne service_id (id %(id)s) nicht übernommen; Lotse ordnet sie nur Diensten zu")
                                   % {"path": RESOURCES[name]["path"], "id": row.get("id", "")})
    organizations = {row["id"]: row for row in tables["organization"]}
    locations = {row["id"]: row for row in tables["location"]}
    addresses = defaultdict(list)
    for row in tables["address"]:
        addresses[row.get("location_id", "")].append(row)
    terms = {row["id"]: row for row in tables["taxonomy_term"]}
    attributes = defaultdict(list)
    for row in tables["attribute"]:
        attributes[row.get("link_id", "")].append(row)
    for name in RESOURCES:
        if name not in TAKEN and tables[name]:
            notes.other.append(_("%(path)s: %(count)s Zeile(n) nicht übernommen; Lotse führt diese Tabelle nicht")
                               % {"path": RESOURCES[name]["path"], "count": grouped(len(tables[name]))})
    for taxonomy in tables["taxonomy"]:
        if taxonomy.get("id") not in OURS:
            notes.other.append(_("taxonomies: %(name)s nicht übernommen; Lotse liest nur seine eigenen Taxonomien") % {"name": taxonomy.get("name") or taxonomy.get("id")})
    for name, taken in TAKEN.items():
        for row in tables[name]:
            notes.unused(name, row, taken)
    ours = {hsds.term_id(key, slug): (key, slug)
            for key, (model, *_rest) in hsds.TAXONOMIES.items() for slug in model.objects.values_list("slug", flat=True)}
    service_ids = {row["id"] for row in tables["service"]}
    rows = []
    details: dict[str, dict] = {}
    for number, service in enumerate(tables["service"], start=2):
        values = _service_values(service, organizations, locations, addresses, attributes, terms, ours, by_service, notes, details)
        rows.append((number, [Cell(values.get(column, "")) for column, _label in COLUMNS]))
    for link_id, linked in attributes.items():
        if link_id not in service_ids:
            notes.other.append(_("attributes: %(count)s Zeile(n) für link_id %(id)s nicht übernommen; Lotse liest Attribute von Diensten")
                               % {"count": len(linked), "id": link_id})
    table = Table("hsds-datapackage", [label for _column, label in COLUMNS], rows, {"rows": "services.csv"})
    table.columns = {index: column for index, (column, _label) in enumerate(COLUMNS)}
    table.notes = notes.messages()
    table.organisations = details
    return table


def _service_values(service, organizations, locations, addresses, attributes, terms, ours, by_service, notes, details) -> dict:
    sid = service["id"]
    values = {"source_id": sid, "uuid": sid, "name": service.get("name", ""), "email": service.get("email", ""),
              "website": service.get("url", ""), "last_verified": service.get("assured_date", "")}
    description = service.get("description", "")
    values["description_de"] = "" if description == values["name"] else description
    status = service.get("status", "")
    values["active"] = "ja" if status in ("", "active") else "nein"
    organization = organizations.get(service.get("organization_id", ""))
    if organization is not None and service["organization_id"] != hsds.derived_id("organization", "contact", sid):
        values["organisation"] = organization.get("name", "")
        details[values["organisation"]] = {
            "uuid": organization["id"], "website": organization.get("website", ""),
            "description": "" if organization.get("description") == organization.get("name") else organization.get("description", ""),
        }
    elif organization is None and service.get("organization_id"):
        notes.other.append(_("services.organization_id %(id)s nennt keine Organisation in organizations.csv (Dienst %(name)s)")
                           % {"id": service["organization_id"], "name": values["name"]})
    _terms(attributes.get(sid, []), terms, ours, values, notes)
    fees = service.get("fees_description", "")
    if fees.lower() in FREE:
        values["free_of_charge"] = "ja"
    elif fees:
        notes.fields[("service", "fees_description")] += 1
    if service.get("eligibility_description") and not values.get("target_groups"):
        notes.fields[("service", "eligibility_description")] += 1  # ours is the target groups' labels
    _coverage(by_service["service_area"].get(sid, []), values, notes)
    _location(by_service["service_at_location"].get(sid, []), locations, addresses, values, notes)
    _phones(by_service["phone"].get(sid, []), values, notes)
    _schedules(by_service["schedule"].get(sid, []), values, notes)
    values["languages"] = "; ".join(row["code"] for row in by_service["language"].get(sid, []) if row.get("code"))
    return values


def _terms(linked: list[dict], terms: dict, ours: dict, values: dict, notes: _Notes) -> None:
    """Terms of Lotse's taxonomies, known by their ids (a package need not list them)."""
    chosen: dict[str, list[str]] = defaultdict(list)
    every_incident = {slug for key, slug in ours.values() if key == "lotse-incident-types"}
    for attribute in linked:
        term = terms.get(attribute.get("taxonomy_term_id", ""))
        key, code = ours.get(attribute.get("taxonomy_term_id", ""), (None, ""))
        if key is None:
            notes.other.append(_("attributes: Begriff %(term)s (Taxonomie %(taxonomy)s) nicht übernommen; Lotse liest nur seine eigenen "
                                 "Taxonomien lotse-incident-types, lotse-contact-kinds und lotse-target-groups")
                               % {"term": (term or {}).get("name") or attribute.get("taxonomy_term_id", ""),
                                  "taxonomy": (term or {}).get("taxonomy") or (term or {}).get("taxonomy_id") or "?"})
            continue
        if attribute.get("value"):
            notes.fields[("attribute", "value")] += 1
        chosen[RELATION_COLUMN[key]].append(code)
    incidents = chosen.pop("incident_types", [])
    # Every incident term: a contact for all incidents (directory/hsds.py _terms writes them all).
    values["incident_types"] = "alle" if incidents and set(incidents) >= every_incident else "; ".join(incidents)
    for column, codes in chosen.items():
        values[column] = "; ".join(codes)


def _coverage(areas: list[dict], values: dict, notes: _Notes) -> None:
    national, states, districts = False, [], []
    for area in areas:
        kind, extent = area.get("extent_type", ""), area.get("extent", "")
        if kind == "country" and extent == "DE":
            national = True
        elif kind == "ISO 3166-2" and re.fullmatch(r"DE-[A-Z]{2}", extent):
            states.append(extent)
        elif kind == "AGS" and re.fullmatch(r"[0-9]{5}", extent):
            districts.append(extent)
        else:
            notes.other.append(_('service_areas: "%(type)s" %(extent)s ist keine Abdeckung, die Lotse kennt; Lotse liest extent_type '
                                 "country (DE), ISO 3166-2 (DE-BY) und AGS (09162)")
                               % {"type": kind or "-", "extent": extent[:40]})
            for name in ("name", "description", "uri"):
                if area.get(name):
                    notes.fields[("service_area", name)] += 1
            continue
        if area.get("uri"):
            notes.fields[("service_area", "uri")] += 1
    values["scope"] = "national" if national else "state" if states else "district" if districts else ""
    values["states"] = "" if national else "; ".join(states)
    values["districts"] = "" if national else "; ".join(districts)


def _location(links: list[dict], locations: dict, addresses: dict, values: dict, notes: _Notes) -> None:
    for link in links:
        if link.get("description"):
            notes.fields[("service_at_location", "description")] += 1
    found = [locations[link["location_id"]] for link in links if link.get("location_id") in locations]
    if len(found) > 1:
        notes.other.append(_("service_at_location: %(name)s hat %(count)s Standorte; Lotse übernimmt den ersten")
                           % {"name": values["name"], "count": len(found)})
    if not found:
        return
    location = found[0]
    kind = location.get("location_type", "")
    if kind not in ("", "physical"):
        notes.other.append(_('locations.location_type "%(type)s" nicht übernommen (%(name)s); Lotse führt nur den Ort einer Stelle')
                           % {"type": kind, "name": values["name"]})
        return
    if location.get("name") and location["name"] != values["name"]:
        notes.fields[("location", "name")] += 1
    values["lat"], values["lng"] = location.get("latitude", ""), location.get("longitude", "")
    for address in addresses.get(location["id"], []):
        if address.get("address_type", "") not in ("", "physical"):
            notes.other.append(_('addresses.address_type "%(type)s" nicht übernommen (%(name)s); Lotse führt die Anschrift des Standorts')
                               % {"type": address["address_type"], "name": values["name"]})
            continue
        if address.get("country", "") not in ("", "DE"):
            notes.other.append(_('addresses.country "%(country)s" (%(name)s): Lotse führt nur Anschriften in Deutschland')
                               % {"country": address["country"], "name": values["name"]})
        values.update(street=address.get("address_1", ""), postcode=address.get("postal_code", ""), town=address.get("city", ""))
        break


def _phones(phones: list[dict], values: dict, notes: _Notes) -> None:
    cells = []
    for phone in phones:
        if phone.get("type", "") not in ("", "voice", "cell"):
            notes.other.append(_('phones.type "%(type)s" nicht übernommen (%(number)s); Lotse führt Nummern zum Anrufen')
                               % {"type": phone["type"], "number": phone.get("number", "")})
            continue
        if phone.get("extension"):
            notes.fields[("phone", "extension")] += 1
        label = phone.get("description", "").replace(";", ",")
        cells.append(f"{label}: {phone.get('number', '')}" if label else phone.get("number", ""))
    values["phone"] = "; ".join(cells)


RRULE = ["valid_from", "valid_to", "dtstart", "timezone", "until", "count", "wkst", "interval", "byweekno", "bymonthday",
         "byyearday", "schedule_link", "attending_type", "location_id", "service_at_location_id"]
WEEKLY = ["freq", "byday", "opens_at", "closes_at"]


def _schedules(schedules: list[dict], values: dict, notes: _Notes) -> None:
    """Lotse's own schedules (an OSM opening_hours text, or 24/7), or weekly rules
    (freq WEEKLY, byday, opens_at, closes_at) written as OSM opening_hours."""
    rules = []
    for schedule in schedules:
        description, marker = schedule.get("description", ""), schedule.get("notes", "")
        unused = [name for name in RRULE if schedule.get(name)]
        if description == ALWAYS:
            values["open_24_7"] = "ja"
        elif description and (marker == OSM_NOTE or opening_hours.validate(description)):
            rules.append(description)
        else:
            weekly = _weekly(schedule)
            if weekly:
                rules.append(weekly)
            unused += [name for name in (["description", "notes"] if weekly else ["description", "notes", *WEEKLY]) if schedule.get(name)]
        for name in unused:
            notes.fields[("schedule", name)] += 1
    values["opening_hours"] = "; ".join(rules)


def _weekly(schedule: dict) -> str:
    days = [DAYS.get(day.strip().upper()) for day in schedule.get("byday", "").split(",") if day.strip()]
    opens, closes = schedule.get("opens_at", "")[:5], schedule.get("closes_at", "")[:5]
    if schedule.get("freq", "WEEKLY").upper() != "WEEKLY" or not days or None in days or not (opens and closes):
        return ""
    return f"{','.join(days)} {opens}-{closes}"
