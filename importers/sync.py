"""The plan: what an import would create, update (field by field, old → new), leave alone
and deactivate within one source, and the one function that applies exactly that plan.

The dry run shows the plan; the real run builds the same plan inside the transaction that
holds the source's lock and applies it, so what was shown is what is written.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import orjson
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.models import (
    Channel,
    Contact,
    ContactKind,
    ContactSlugHistory,
    District,
    IncidentType,
    Organisation,
    Phone,
    Source,
    State,
    TargetGroup,
)
from directory.selectors import contacts_read
from directory.services import contacts_touched
from directory.text import contact_slug_text, normalise_name, slug_unique
from importers.validate import ContactRecord, RowError

SCALAR_FIELDS = [
    "external_id", "name", "description_de", "description_en", "scope", "street", "postcode", "town",
    "lat", "lng", "email", "website", "online_report_url", "opening_hours", "open_24_7", "languages",
    "barrier_free", "anonymous", "free_of_charge", "source_url", "active", "all_incidents", "source_date", "notes",
]
# field → (target model, the target's natural key)
M2M_FIELDS = {
    "kinds": (ContactKind, "slug"),
    "incident_types": (IncidentType, "slug"),
    "target_groups": (TargetGroup, "slug"),
    "channels": (Channel, "slug"),
    "states": (State, "code"),
    "districts": (District, "ags"),
}
SNAPSHOT_FIELDS = SCALAR_FIELDS + ["organisation", "district", "last_verified", "phones"] + list(M2M_FIELDS)


@dataclass
class PlannedCreate:
    row: int
    name: str
    values: dict
    fingerprint: str = ""


@dataclass
class PlannedUpdate:
    row: int
    contact_id: int
    name: str
    changes: dict  # field → [old, new]
    values: dict
    fingerprint: str = ""


@dataclass
class PlannedDeactivation:
    contact_id: int
    name: str
    external_id: str


@dataclass
class ImportPlan:
    source_slug: str
    source_exists: bool
    creates: list[PlannedCreate] = field(default_factory=list)
    updates: list[PlannedUpdate] = field(default_factory=list)
    unchanged: list[tuple[int, int]] = field(default_factory=list)  # (row, contact id)
    deactivations: list[PlannedDeactivation] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)  # found while planning (UUIDs)
    mapping: dict = field(default_factory=dict)  # the mapping the rows were read with (issue 22)
    # Organisation name → {uuid, website, description} from the file (an HSDS package):
    # an organisation new to Lotse is created with them; existing ones stay as they are.
    organisations: dict[str, dict] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.creates), "updated": len(self.updates),
            "unchanged": len(self.unchanged), "deactivated": len(self.deactivations),
        }

    def digest(self) -> str:
        """A fingerprint of the plan, so a confirmation can insist on the plan it was shown."""
        if getattr(self, "_digest", None):
            return self._digest
        content = {
            "creates": [[c.row, c.values] for c in self.creates],
            "updates": [{"id": u.contact_id, "changes": u.changes} for u in self.updates],
            "deactivations": [d.contact_id for d in self.deactivations],
            "mapping": self.mapping,
        }
        # orjson: ~1 s less than json.dumps for a 20,000-row plan (issue 4 benchmark).
        encoded = orjson.dumps(content, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)
        self._digest = hashlib.sha256(encoded).hexdigest()
        return self._digest


def _name_key(name: str, postcode: str) -> tuple[str, ...]:
    return ("name", normalise_name(name), postcode)


class StaleFingerprint(Exception):
    """A row skipped as known unchanged no longer is (the contact changed since the rows
    were checked): the caller validates the file again without fingerprints."""


def known_fingerprints(source: Source | None) -> dict[str, int]:
    """Row fingerprint → contact, for the source's contacts untouched since their import."""
    if source is None:
        return {}
    from importers.models import RowFingerprint

    return dict(
        RowFingerprint.objects.filter(contact__source=source, contact_updated_at=F("contact__updated_at"))
        .values_list("fingerprint", "contact_id")
    )


def source_snapshot(source: Source | None, *, full: set[int] | None = None) -> dict[int, dict]:
    """Every contact of the source in the record form (read by directory.selectors, a few
    queries, not one per contact).

    With `full`, only those contacts are read in full (the others are known unchanged and
    only need their identity and active flag)."""
    if source is None:
        return {}
    contacts: dict[int, dict] = {}
    if full is not None:
        light = ("external_id", "name", "postcode", "active")
        for cid, *values in Contact.objects.filter(source=source).values_list("id", *light):
            contacts[cid] = dict(zip(light, values))
        if not full:
            return contacts
    of_source = Contact.objects.filter(source=source)
    for cid, contact in contacts_read(of_source.filter(id__in=sorted(full)) if full and len(full) <= 2000 else of_source).items():
        contacts[cid] = _record_form(contact)
    return contacts


def _record_form(contact: dict) -> dict:
    """A contact as read, in the form validate.ContactRecord.values has (SNAPSHOT_FIELDS)."""
    record = {name: contact[name] for name in SCALAR_FIELDS}
    record["organisation"] = contact["organisation"]["name"] if contact["organisation"] else ""
    record["district"] = contact["district"] or ""
    record["last_verified"] = contact["last_verified"].isoformat() if contact["last_verified"] else None
    record["uuid"] = contact["uuid"]
    record["phones"] = [f"{p['label']}: {p['number']}" if p["label"] else p["number"] for p in contact["phones"]]
    for name in M2M_FIELDS:
        record[name] = sorted(contact[name])
    return record


def plan_build(*, source: Source | None, source_slug: str, records: list[ContactRecord], invalid_keys: set, deactivate: bool,
               uuid_header: str = "uuid", organisations: dict | None = None) -> ImportPlan:
    """`uuid_header`: the file's header of the uuid column, for the warnings."""
    plan = ImportPlan(source_slug=source_slug, source_exists=source is not None, organisations=organisations or {})
    skipped = [r for r in records if r.values is None]
    if skipped:
        # Checked again here: the real run plans inside the source lock, and a contact
        # may have changed since the rows were validated.
        known = known_fingerprints(source)
        if any(known.get(r.fingerprint) != r.contact_id for r in skipped):
            raise StaleFingerprint
    existing = source_snapshot(source, full=None if not skipped else _to_diff(source, records))
    by_id = {s["external_id"]: cid for cid, s in existing.items() if s["external_id"]}
    by_name = {_name_key(s["name"], s["postcode"]): cid for cid, s in existing.items() if not s["external_id"]}
    seen: set[int] = set()
    for record in records:
        if record.values is None:
            # Known unchanged; it has a source id (validate.rows_validate), which matches
            # its contact exactly as the full path below would.
            if by_id.get(record.key[1]) != record.contact_id:
                raise StaleFingerprint
            seen.add(record.contact_id)
            plan.unchanged.append((record.row, record.contact_id))
            continue
        cid = None
        if record.key[0] == "id":
            cid = by_id.get(record.key[1])
        if cid is None:
            # A list that gains source ids later still matches its earlier id-less rows.
            cid = by_name.get(_name_key(record.values["name"], record.values["postcode"]))
            if cid is not None and cid in seen:
                cid = None
        if cid is None:
            plan.creates.append(PlannedCreate(record.row, record.values["name"], record.values, record.fingerprint))
            continue
        seen.add(cid)
        old = existing[cid]
        given = record.values.get("uuid")
        if given and old.get("uuid") and given != old["uuid"]:
            plan.warnings.append(RowError(record.row, uuid_header, given, _(
                "gehört nicht zu diesem Kontakt; er behält seine UUID %(uuid)s") % {"uuid": old["uuid"]}))
        values = record.values
        verified = _verification_kept(old["last_verified"], values["last_verified"])
        if verified != values["last_verified"]:
            values = {**values, "last_verified": verified}  # the record itself stays as read
        changes = {f: [old[f], values[f]] for f in SNAPSHOT_FIELDS if old[f] != values[f]}
        if changes:
            plan.updates.append(PlannedUpdate(record.row, cid, old["name"], changes, values, record.fingerprint))
        else:
            plan.unchanged.append((record.row, cid))
    _claimed_uuids_check(plan, uuid_header)
    if deactivate:
        protected = {by_id.get(k[1]) for k in invalid_keys if k[0] == "id"} | {by_name.get(k) for k in invalid_keys}
        for cid, snapshot in sorted(existing.items(), key=lambda item: item[1]["name"]):
            if cid not in seen and snapshot["active"] and cid not in protected:
                plan.deactivations.append(PlannedDeactivation(cid, snapshot["name"], snapshot["external_id"]))
    return plan


def _verification_kept(current: str | None, given: str | None) -> str | None:
    """A verification recorded in Lotse (curation, issue 19) is not undone by a partner's
    file: an empty or older "last verified" cell keeps the later date."""
    if current and (not given or given < current):
        return current
    return given


def _claimed_uuids_check(plan: ImportPlan, header: str) -> None:
    """A new contact gets the UUID its row names (a restore keeps the ids partners hold),
    unless another contact has it already, or an earlier row of the file claimed it: then
    it gets a new one, with a warning. UUIDs are unique across all sources."""
    wanted = sorted({c.values["uuid"] for c in plan.creates if c.values.get("uuid")})
    if not wanted:
        return
    taken: set[str] = set()
    for start in range(0, len(wanted), 500):
        taken.update(str(u) for u in Contact.objects.filter(uuid__in=wanted[start : start + 500]).values_list("uuid", flat=True))
    for create in plan.creates:
        given = create.values.get("uuid")
        if not given:
            continue
        if given in taken:
            plan.warnings.append(RowError(create.row, header, given, _(
                "gehört schon zu einem anderen Kontakt; der neue Kontakt bekommt eine neue UUID")))
            create.values = {**create.values, "uuid": ""}  # the record itself stays as read
        else:
            taken.add(given)


def _to_diff(source: Source | None, records: list[ContactRecord]) -> set[int]:
    """The contacts the parsed records may match: only they need a full snapshot."""
    parsed = [r for r in records if r.values is not None]
    if not parsed or source is None:
        return set()
    ids = {r.key[1] for r in parsed if r.key[0] == "id"}
    names = {_name_key(r.values["name"], r.values["postcode"]) for r in parsed}
    found = set()
    for cid, external_id, name, postcode in Contact.objects.filter(source=source).values_list("id", "external_id", "name", "postcode"):
        if external_id in ids or (not external_id and _name_key(name, postcode) in names):
            found.add(cid)
    return found


class _Lookups:
    """Natural keys → primary keys for everything a contact points to."""

    def __init__(self, records: list[dict], details: dict[str, dict]):
        self.ids = {name: dict(model.objects.values_list(key, "id")) for name, (model, key) in M2M_FIELDS.items()}
        self.district_ids = self.ids["districts"]
        names = {v["organisation"] for v in records if v["organisation"]}
        self.organisations = dict(Organisation.objects.filter(name__in=names).values_list("name", "id"))
        missing = sorted(names - set(self.organisations))
        if missing:
            taken = set(Organisation.objects.values_list("slug", flat=True))
            # A new organisation keeps the id its file gives it (partners hold HSDS
            # organization ids), unless another organisation has that id already.
            wanted = {str(details[name]["uuid"]) for name in missing if details.get(name, {}).get("uuid")}
            used = {str(u) for u in Organisation.objects.filter(uuid__in=_uuids(wanted)).values_list("uuid", flat=True)}
            new = []
            for name in missing:
                slug = slug_unique(name, taken, fallback="organisation", max_length=110)
                given = details.get(name, {})
                organisation = Organisation(name=name, slug=slug, website=given.get("website", "")[:500],
                                            description=given.get("description", ""))
                identifier = _uuids({str(given.get("uuid", ""))})
                if identifier and str(identifier[0]) not in used:
                    organisation.uuid = identifier[0]
                    used.add(str(identifier[0]))
                new.append(organisation)
            for organisation in Organisation.objects.bulk_create(new):
                self.organisations[organisation.name] = organisation.id


def _uuids(texts: set[str]) -> list[uuid.UUID]:
    found = []
    for text in sorted(texts):
        try:
            found.append(uuid.UUID(text))
        except ValueError:
            continue
    return found


def _scalar(values: dict, lookups: _Lookups) -> dict:
    data = {f: values[f] for f in SCALAR_FIELDS}
    data["organisation_id"] = lookups.organisations.get(values["organisation"]) if values["organisation"] else None
    data["district_id"] = lookups.district_ids.get(values["district"]) if values["district"] else None
    data["last_verified"] = values["last_verified"]
    return data


def _insert_rows(model, columns: list[str], rows: list[tuple]) -> None:
    """Plain INSERTs: bulk_create builds model instances and one large statement per batch,
    which cost ~15 s for the ~200,000 relation rows of a 20,000-row import. Only for rows
    with no defaults, signals or computed fields to apply, and values the database takes as
    they are (int, str, float, None, or already prepared).

    On SQLite a chunk travels as one JSON array that SQLite unpacks itself (json_each):
    binding ~170,000 two-column rows one by one through executemany took 1.0 s, the JSON
    array 0.6 s (measured on the benchmark's relation rows). PostgreSQL keeps executemany."""
    if not rows:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(c).column) for c in columns)
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            picks = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(columns)))
            sql = f"INSERT INTO {table} ({names}) SELECT {picks} FROM json_each(%s)"
            for start in range(0, len(rows), 50_000):
                cursor.execute(sql, [orjson.dumps(rows[start : start + 50_000]).decode()])
            return
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])


# Fields whose Python value needs the database's conversion (dates, UUIDs, JSON); all
# other contact fields are stored as the plain str/int/float/bool/None they already are.
_PREPARED_TYPES = {"DateTimeField", "DateField", "UUIDField", "JSONField", "DecimalField", "TimeField", "DurationField"}


def _preparer(f, db):
    """The field's own conversion for the database, made cheap for 20,000 rows: a UUID is
    converted as UUIDField does it (native, or 32 hex digits), and the few distinct values of
    a JSON or date field (languages, last checked) are converted once each."""
    if f.get_internal_type() == "UUIDField":
        if db.features.has_native_uuid_field:
            return lambda value: value
        return lambda value: value.hex if isinstance(value, uuid.UUID) else f.get_db_prep_save(value, db)
    memo: dict[str, object] = {}

    def prepare(value):
        key = repr(value)  # lists of strings, dates, None: the repr is the value
        try:
            return memo[key]
        except KeyError:
            memo[key] = prepared = f.get_db_prep_save(value, db)
            return prepared

    return prepare


def _contacts_insert(rows: list[dict], *, source: Source, now) -> None:
    """INSERT new contacts through executemany. bulk_create spent ~12 s on 20,000 contacts
    compiling SQL and converting every field of every instance (issue 4 benchmark); here
    only the fields that need conversion are converted. Defaults are the model's own."""
    db = connections[DEFAULT_DB_ALIAS]  # once: each use of the `connection` proxy costs a lookup
    fields = [f for f in Contact._meta.concrete_fields if not f.primary_key]
    fixed = {"source_id": source.pk, "created_at": now, "updated_at": now}
    columns, plans = [], []
    for f in fields:
        columns.append(f.column)
        prepare = f.get_internal_type() in _PREPARED_TYPES
        if f.attname in fixed:
            plans.append(("const", f.get_db_prep_save(fixed[f.attname], db)))
        elif f.attname in rows[0]:
            plans.append(("prep", (f.attname, _preparer(f, db))) if prepare else ("value", f.attname))
        elif callable(f.default) or prepare:
            plans.append(("default", f))  # e.g. uuid4: a new value per row
        else:
            plans.append(("const", f.get_db_prep_save(f.get_default(), db)))
    values = []
    for row in rows:
        out = []
        for how, what in plans:
            if how == "const":
                out.append(what)
            elif how == "value":
                out.append(row[what])
            elif how == "prep":
                name, prepare_value = what
                out.append(prepare_value(row[name]))
            else:
                out.append(what.get_db_prep_save(what.get_default(), db))
        values.append(tuple(out))
    quote = db.ops.quote_name
    sql = (f"INSERT INTO {quote(Contact._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    with db.cursor() as cursor:
        for start in range(0, len(values), 5000):
            cursor.executemany(sql, values[start : start + 5000])


def _delete_rows(model, contact_ids: list[int]) -> None:
    """Plain DELETEs of a contact's dependent rows, as the INSERTs above are plain: the bulk
    path sends no signals (QuerySet.delete would fetch every row and signal each), and
    announces its changes once, through contacts_touched."""
    table, column = connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(model._meta.get_field("contact").column)
    with connection.cursor() as cursor:
        for start in range(0, len(contact_ids), 500):
            chunk = contact_ids[start : start + 500]
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({', '.join(['%s'] * len(chunk))})", chunk)


def _relations_write(contact_ids_values: list[tuple[int, dict]], fields: set[str] | None, lookups: _Lookups) -> None:
    """(Re)write many-to-many rows and phones of the given contacts: delete, then insert."""
    ids = [cid for cid, _ in contact_ids_values]
    for name in M2M_FIELDS:
        if fields is not None and name not in fields:
            continue
        through = Contact._meta.get_field(name).remote_field.through
        target = Contact._meta.get_field(name).m2m_reverse_field_name()
        if fields is not None:
            _delete_rows(through, ids)
        key_ids = lookups.ids[name]
        _insert_rows(through, ["contact", target], [(cid, key_ids[v]) for cid, values in contact_ids_values for v in values[name]])
    if fields is None or "phones" in fields:
        if fields is not None:
            _delete_rows(Phone, ids)
        phones = []
        for cid, values in contact_ids_values:
            for position, text in enumerate(values["phones"]):
                label, _, number = text.rpartition(": ")
                phones.append((cid, label, number, position))
        _insert_rows(Phone, ["contact", "label", "number", "position"], phones)


def _fingerprints_write(updated: list[int], fingerprints: list[tuple[int, str]], now) -> None:
    """Remember the row each created or updated contact now matches (models.RowFingerprint)."""
    from importers.models import RowFingerprint

    for start in range(0, len(updated), 500):
        RowFingerprint.objects.filter(contact_id__in=updated[start : start + 500]).delete()
    stamp = RowFingerprint._meta.get_field("contact_updated_at").get_db_prep_save(now, connection)
    _insert_rows(RowFingerprint, ["contact", "fingerprint", "contact_updated_at"], [(cid, fp, stamp) for cid, fp in fingerprints])


def plan_texts(plan: ImportPlan) -> tuple[list[str], list[str]]:
    """The texts the search documents of the plan's new and changed contacts fold (name,
    organisation, street, town, German description) and their phone numbers (E.164)."""
    values = [c.values for c in plan.creates] + [u.values for u in plan.updates]
    texts = [v.get(f) or "" for v in values for f in ("name", "organisation", "street", "town", "description_de")]
    numbers = [phone.rpartition(":")[2].strip() for v in values for phone in v.get("phones") or ()]
    return texts, numbers


def plan_apply(plan: ImportPlan, *, source: Source) -> list[int]:
    """Write the plan; the caller holds the transaction and the source lock. Returns the
    changed ids, which it has announced through directory.services.contacts_touched."""
    assert transaction.get_connection().in_atomic_block, "plan_apply must run inside transaction.atomic()"
    lookups = _Lookups([c.values for c in plan.creates] + [u.values for u in plan.updates], plan.organisations)
    changed: list[int] = []
    fingerprints: list[tuple[int, str]] = []
    now = timezone.now()
    if plan.creates:
        taken = set(Contact.objects.values_list("slug", flat=True)) | set(ContactSlugHistory.objects.values_list("slug", flat=True))
        # One set of taken slugs for the whole plan: one LIKE query per new contact (as
        # contact_unique_slug asks) is quadratic on a 20,000-row file.
        slugs = [slug_unique(contact_slug_text(c.values["name"], c.values["town"]), taken, fallback="kontakt") for c in plan.creates]
        rows = [dict(_scalar(c.values, lookups), slug=slug, uuid=uuid.UUID(c.values["uuid"]) if c.values.get("uuid") else uuid.uuid4())
                for c, slug in zip(plan.creates, slugs)]
        _contacts_insert(rows, source=source, now=now)
        # executemany returns no ids: read them back by the (unique) slugs just written.
        ids = dict(Contact.objects.filter(source=source).values_list("slug", "id"))
        pairs = [(ids[slug], c.values) for slug, c in zip(slugs, plan.creates)]
        _relations_write(pairs, None, lookups)
        changed += [cid for cid, _ in pairs]
        fingerprints += [(cid, c.fingerprint) for (cid, _), c in zip(pairs, plan.creates) if c.fingerprint]
    by_fields: dict[frozenset, list[tuple[int, dict]]] = defaultdict(list)
    for update in plan.updates:
        data = _scalar(update.values, lookups)
        scalar_changes = {("organisation_id" if f == "organisation" else "district_id" if f == "district" else f) for f in update.changes} & set(data)
        if scalar_changes:
            Contact.objects.filter(pk=update.contact_id).update(updated_at=now, **{f: data[f] for f in scalar_changes})
        else:
            Contact.objects.filter(pk=update.contact_id).update(updated_at=now)
        relation_fields = frozenset(set(update.changes) & (set(M2M_FIELDS) | {"phones"}))
        if relation_fields:
            by_fields[relation_fields].append((update.contact_id, update.values))
        changed.append(update.contact_id)
        if update.fingerprint:
            fingerprints.append((update.contact_id, update.fingerprint))
    for fields, pairs in by_fields.items():
        _relations_write(pairs, set(fields), lookups)
    _fingerprints_write([u.contact_id for u in plan.updates], fingerprints, now)
    if plan.deactivations:
        ids = [d.contact_id for d in plan.deactivations]
        for start in range(0, len(ids), 500):
            Contact.objects.filter(pk__in=ids[start:start + 500]).update(active=False, updated_at=now)
        changed += ids
    # Raw SQL sends no signals: the bulk path announces its changes itself. updated_at was
    # written above, the same instant the fingerprints hold.
    contacts_touched(changed)
    return changed
