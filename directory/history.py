"""The history of every contact: one recorded version per change, whoever made it.

Every write to contacts ends in directory.services.contacts_touched (admin and ORM saves
through directory/signals.py, the importer's bulk path, the API, commands); that is where
versions are recorded, so no path can skip the history. A version is the contact's row in
django-simple-history's HistoricalContact (all of Contact's columns, plus who, when,
`via`, the import run), its relations in simple-history's historical many-to-many tables
and its phones in HistoricalContactPhone.

Versions are copied by the database itself (INSERT ... SELECT from the rows just written,
in the writer's transaction): no Python per row, so an import of 20,000 contacts records
their versions in a few statements (bench_import, issue 19).

Grouping: `recording(via=..., user=...)` collects the contacts touched inside it and
records one version each when it ends (an admin save touches a contact ~10 times: its
row, six relations, its phones). A change outside any block is recorded at once, as
`via` DEFAULT_VIA.

Commit order: `history_id` grows in the order versions were committed, so a reader pages
with `history_id > last seen` and never skips a version committed while it paged. On
PostgreSQL a writer takes a transaction-level advisory lock before it draws ids and holds
it to its commit, so no version with a smaller id can commit after one with a larger id; on
SQLite writers are serialized by the database's write lock (BEGIN IMMEDIATE) and ids are
AUTOINCREMENT, never reused. See docs/history.md.
"""

from __future__ import annotations

import hashlib
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from directory.models import ChangeContext, Contact, HistoricalContactPhone

Via = ChangeContext.Via
M2M_FIELDS = ["kinds", "incident_types", "target_groups", "channels", "states", "districts"]
# Outside any recording block (a shell, a script); manage.py sets "command".
DEFAULT_VIA = os.environ.get("LOTSE_CHANGE_VIA", Via.OTHER)
DEFAULT_REASON = os.environ.get("LOTSE_CHANGE_REASON", "")
_LOCK_KEY = int.from_bytes(hashlib.sha256(b"lotse-contact-history").digest()[:8], "big", signed=True)


@dataclass
class _Block:
    via: str
    user_id: int | None
    reason: str
    import_run_id: int | None
    ids: set[int] = field(default_factory=set)


_local = threading.local()


@contextmanager
def recording(*, via: str, user=None, user_id: int | None = None, reason: str = "", import_run_id: int | None = None):
    """Record one version per contact changed inside, when the block ends, in its
    transaction (the block is atomic). Nested blocks join the outermost one."""
    current = getattr(_local, "block", None)
    if current is not None:
        yield current
        return
    if user is not None:
        user_id = user.pk if getattr(user, "is_authenticated", False) else None
    block = _Block(via=str(via), user_id=user_id, reason=reason, import_run_id=import_run_id)
    _local.block = block
    try:
        with transaction.atomic():
            yield block
            _local.block = None
            if block.ids:
                versions_write(sorted(block.ids), via=block.via, user_id=block.user_id, reason=block.reason,
                               import_run_id=block.import_run_id)
    finally:
        _local.block = None


def versions_pending(ids: list[int]) -> None:
    """Called by contacts_touched: remember the ids for the open block, or record now."""
    block = getattr(_local, "block", None)
    if block is not None:
        block.ids.update(ids)
    else:
        versions_write(ids, via=DEFAULT_VIA, reason=DEFAULT_REASON)


@dataclass
class _Tables:
    """Table and column names the recording SQL needs, from a model registry (the live
    models, or a migration's historical ones for the baseline)."""

    contact: type
    history: type
    phone: type
    history_phone: type
    m2m: list[tuple[type, type]]  # (through model, historical m2m model)

    @classmethod
    def live(cls) -> _Tables:
        from directory.models import Phone

        history = Contact.history.model
        return cls(Contact, history, Phone, HistoricalContactPhone,
                   [(getattr(Contact, name).through, getattr(history, name).model) for name in M2M_FIELDS])


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def _runs(ids: list[int]) -> list[tuple[str, list[int]]]:
    """SQL conditions on `c.id` covering exactly `ids`: a long run of consecutive ids (an
    import's new contacts) as one BETWEEN, the others in IN lists of at most 500."""
    ids = sorted(set(ids))
    conditions, loose, start = [], [], 0
    for i in range(1, len(ids) + 1):
        if i == len(ids) or ids[i] != ids[i - 1] + 1:
            run = ids[start:i]
            if len(run) >= 50:
                conditions.append(("BETWEEN %s AND %s", [run[0], run[-1]]))
            else:
                loose += run
            start = i
    for chunk in range(0, len(loose), 500):
        part = loose[chunk : chunk + 500]
        conditions.append((f"IN ({', '.join(['%s'] * len(part))})", part))
    return conditions


def versions_write(ids: list[int], *, via: str, user_id: int | None = None, reason: str = "",
                   import_run_id: int | None = None, tables: _Tables | None = None) -> int:
    """Record the current state of these contacts as one version each ("+" the first, "~"
    a later one, "-" for a contact that no longer exists); returns how many."""
    ids = sorted({int(pk) for pk in ids if pk is not None})
    if not ids:
        return 0
    t = tables or _Tables.live()
    q = connection.ops.quote_name
    h_table, c_table = q(t.history._meta.db_table), q(t.contact._meta.db_table)
    columns = [f.column for f in t.contact._meta.concrete_fields]
    names = ", ".join(q(c) for c in columns)
    copied = ", ".join(f"c.{q(c)}" for c in columns)
    extra = ", ".join(q(c) for c in ("history_date", "history_change_reason", "history_type", "history_user_id", "via", "import_run_id"))
    now = t.history._meta.get_field("history_date").get_db_prep_save(timezone.now(), connection)
    context = [reason[:100] or None]
    after = [user_id, str(via), import_run_id]
    with transaction.atomic():
        _lock()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX(history_id) FROM {h_table}")
            floor = cursor.fetchone()[0] or 0
            written, present = 0, set()
            for condition, params in _runs(ids):
                cursor.execute(f"SELECT id FROM {c_table} WHERE id {condition}", params)
                present.update(row[0] for row in cursor.fetchall())
                cursor.execute(
                    f"INSERT INTO {h_table} ({names}, {extra}) "
                    f"SELECT {copied}, %s, %s, CASE WHEN EXISTS (SELECT 1 FROM {h_table} p WHERE p.id = c.id) THEN '~' ELSE '+' END, "
                    f"%s, %s, %s FROM {c_table} c WHERE c.id {condition} ORDER BY c.id",
                    [now, *context, *after, *params],
                )
                written += cursor.rowcount
            gone = sorted(set(ids) - present)
            for condition, params in _runs(gone):
                # The last recorded state of a deleted contact, marked "-".
                cursor.execute(
                    f"INSERT INTO {h_table} ({names}, {extra}) "
                    f"SELECT {copied}, %s, %s, '-', %s, %s, %s FROM {h_table} c WHERE c.history_id IN "
                    f"(SELECT MAX(history_id) FROM {h_table} WHERE id {condition.replace('c.id', 'id')} GROUP BY id) "
                    f"AND c.history_type <> '-'",
                    [now, *context, *after, *params],
                )
                written += cursor.rowcount
            for through, recorded in t.m2m:
                contact_col = next(f.column for f in through._meta.fields if f.name == "contact")
                target_col = next(f.column for f in through._meta.fields if f.is_relation and f.name != "contact")
                cursor.execute(
                    f"INSERT INTO {q(recorded._meta.db_table)} (id, {q(contact_col)}, {q(target_col)}, history_id) "
                    f"SELECT r.id, r.{q(contact_col)}, r.{q(target_col)}, h.history_id FROM {q(through._meta.db_table)} r "
                    f"JOIN {h_table} h ON h.id = r.{q(contact_col)} WHERE h.history_id > %s",
                    [floor],
                )
            cursor.execute(
                f"INSERT INTO {q(t.history_phone._meta.db_table)} (history_id, phone_id, label, number, position) "
                f"SELECT h.history_id, p.id, p.label, p.number, p.position FROM {q(t.phone._meta.db_table)} p "
                f"JOIN {h_table} h ON h.id = p.contact_id WHERE h.history_id > %s",
                [floor],
            )
    return written


def baseline_write(apps=None) -> int:
    """A first version ("+", via other, reason "baseline") of every contact that has none:
    run by the migration that creates the history, so that the first change of a contact
    that existed before shows its difference and can be undone."""
    if apps is None:
        tables = _Tables.live()
    else:
        contact = apps.get_model("directory", "Contact")
        history = apps.get_model("directory", "HistoricalContact")
        m2m = []
        for name in M2M_FIELDS:
            through = contact._meta.get_field(name).remote_field.through
            m2m.append((through, apps.get_model("directory", f"HistoricalContact_{name}")))
        tables = _Tables(contact, history, apps.get_model("directory", "Phone"), apps.get_model("directory", "HistoricalContactPhone"), m2m)
    recorded = set(tables.history.objects.values_list("id", flat=True).distinct())
    missing = [pk for pk in tables.contact.objects.values_list("id", flat=True) if pk not in recorded]
    return versions_write(missing, via=Via.OTHER, reason="baseline", tables=tables)


# --- reading and restoring versions ---------------------------------------------------

# Fields a version shows as changed; updated_at moves with every version, created_at never.
UNSHOWN = {"id", "updated_at", "created_at", "uuid"}
RELATION_KEYS = {"kinds": "slug", "incident_types": "slug", "target_groups": "slug", "channels": "slug",
                 "states": "code", "districts": "ags"}


@dataclass
class VersionView:
    version: object  # HistoricalContact
    snapshot: dict
    changes: list[tuple[str, str, object, object]]  # (field name, label, old, new)


def versions_of(contact_id: int) -> list[VersionView]:
    """Every recorded version of a contact, oldest first, each with what it changed (field
    by field, relations by their codes, phones as "label: number")."""
    from directory.models import District, Organisation, Source

    history = Contact.history.model
    versions = list(history.objects.filter(id=contact_id).select_related("history_user").order_by("history_id"))
    ids = [v.history_id for v in versions]
    relations: dict[str, dict[int, list[str]]] = {}
    for name, key in RELATION_KEYS.items():
        recorded = getattr(history, name).model
        target = next(f.name for f in recorded._meta.fields if f.is_relation and f.name not in ("contact", "history"))
        rows: dict[int, list[str]] = {}
        for hid, value in recorded.objects.filter(history_id__in=ids).values_list("history_id", f"{target}__{key}"):
            rows.setdefault(hid, []).append(value)
        relations[name] = rows
    phones: dict[int, list[str]] = {}
    for hid, label, number in HistoricalContactPhone.objects.filter(history_id__in=ids).order_by("position", "phone_id").values_list(
            "history_id", "label", "number"):
        phones.setdefault(hid, []).append(f"{label}: {number}" if label else number)
    organisations = dict(Organisation.objects.filter(id__in={v.organisation_id for v in versions}).values_list("id", "name"))
    districts = dict(District.objects.filter(id__in={v.district_id for v in versions}).values_list("id", "ags"))
    sources = dict(Source.objects.filter(id__in={v.source_id for v in versions}).values_list("id", "slug"))
    fields = [f for f in Contact._meta.concrete_fields if f.name not in UNSHOWN]
    views, previous = [], None
    for version in versions:
        snapshot = {}
        for f in fields:
            value = getattr(version, f.attname)
            if f.name == "organisation":
                value = organisations.get(value, value)
            elif f.name == "district":
                value = districts.get(value, value)
            elif f.name == "source":
                value = sources.get(value, value)
            snapshot[f.name] = value
        for name in RELATION_KEYS:
            snapshot[name] = sorted(relations[name].get(version.history_id, []))
        snapshot["phones"] = phones.get(version.history_id, [])
        changes = []
        for name, value in snapshot.items():
            old = None if previous is None else previous[name]
            if previous is None or old != value:
                if previous is None and value in ("", None, [], False):
                    continue
                changes.append((name, _label(name), old, value))
        views.append(VersionView(version, snapshot, changes))
        previous = snapshot
    return views


def _label(name: str) -> str:
    if name == "phones":
        from django.utils.translation import gettext

        return gettext("Telefonnummern")
    return str(Contact._meta.get_field(name).verbose_name)


def contact_restore(*, contact: Contact, history_id: int, user) -> Contact:
    """Make a contact again what it was in one of its versions: its fields (not its
    identity: id, uuid, slug), relations and phones. Recorded as a new version."""
    from directory.models import Phone

    history = Contact.history.model
    version = history.objects.get(id=contact.pk, history_id=history_id)
    with recording(via=Via.ADMIN, user=user, reason=f"restored version {history_id}"):
        for f in Contact._meta.concrete_fields:
            if f.name not in ("id", "uuid", "slug", "created_at", "updated_at"):
                setattr(contact, f.attname, getattr(version, f.attname))
        contact.save()
        for name in M2M_FIELDS:
            recorded = getattr(history, name).model
            target = next(f for f in recorded._meta.fields if f.is_relation and f.name not in ("contact", "history"))
            getattr(contact, name).set(recorded.objects.filter(history_id=history_id).values_list(target.attname, flat=True))
        contact.phones.all().delete()
        for phone in HistoricalContactPhone.objects.filter(history_id=history_id).order_by("position", "phone_id"):
            Phone.objects.create(contact=contact, label=phone.label, number=phone.number, position=phone.position)
    return contact
