"""Writes to the directory. Admin, importers and API call these, never ad-hoc saves."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from directory import history
from directory.models import Contact, ContactChange, ContactSlugHistory, District, Scope, State

# Sent by contacts_touched inside the writer's transaction, with `ids`: the contacts whose
# published state may have changed. Receivers write what must survive with that
# transaction (search/sync.py queues the index and pushes once after the commit).
contacts_changed = Signal()


def contacts_touched(contact_ids: Iterable[int], *, restamp: bool = False) -> None:
    """The one change notification: every write to contacts ends here, whoever wrote
    (admin and ORM saves through directory/signals.py, the importer's bulk path, API,
    commands). Call it inside the transaction that changed the contacts.

    `restamp`: also move their updated_at, for changes that do not move it themselves
    (phones, relations, a renamed organisation). updated_at is what "changed since" means
    everywhere: the importer's row fingerprints and the index status compare it.
    """
    ids = sorted({int(pk) for pk in contact_ids if pk is not None})
    if not ids:
        return
    if restamp:
        now = timezone.now()
        for start in range(0, len(ids), 500):
            Contact.objects.filter(pk__in=ids[start : start + 500]).update(updated_at=now)
    # Every change is recorded in the history, whoever wrote it (directory/history.py):
    # inside a recording block once when the block ends, else now.
    history.versions_pending(ids)
    changes_record(ids)
    contacts_changed.send(sender=Contact, ids=ids)


# Any fixed 64-bit number, the same in every process: the change feed's advisory lock.
CHANGES_LOCK = 0x4C6F747365466565  # "LotseFee"


def changes_record(ids: list[int]) -> None:
    """One change-feed row per contact (ContactChange), in the caller's transaction.

    The feed pages by id, so change rows must become visible in id order. PostgreSQL
    assigns an id at insert, not at commit: a transaction that inserted id 11 and commits
    after another's id 12 would be passed over by a reader already past 12. So writers
    take a transaction-level advisory lock before inserting and hold it until they commit
    or roll back: ids are handed out and committed one writer after the other. SQLite
    serialises writers itself (one write transaction at a time).

    `at` is read under that lock, so it grows with the id (the feed's ?since=<timestamp>
    starts at the first change at or after it). Contacts that no longer exist (deleted)
    keep the uuid of their earlier changes and become tombstones.
    """
    with transaction.atomic(savepoint=False):  # outside a transaction: lock and rows commit together
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHANGES_LOCK])
        now = ContactChange._meta.get_field("at").get_db_prep_save(timezone.now(), connection)
        quote = connection.ops.quote_name
        changes, contacts = quote(ContactChange._meta.db_table), quote(Contact._meta.db_table)
        # INSERT … SELECT: the database copies uuid and state itself (reading 20,000 UUIDs
        # into Python and back took a second of an import).
        insert = f"INSERT INTO {changes} (contact_id, uuid, at, tombstone) "
        with connection.cursor() as cursor:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"{insert} SELECT id, uuid, %s, NOT active FROM {contacts} WHERE id IN ({marks}) ORDER BY id",
                               [now, *chunk])
                if cursor.rowcount == len(chunk):
                    continue
                # Deleted contacts: a tombstone with the uuid of their earlier changes.
                cursor.execute(
                    f"{insert} SELECT DISTINCT contact_id, uuid, %s, %s FROM {changes} WHERE contact_id IN ({marks}) "
                    f"AND contact_id NOT IN (SELECT id FROM {contacts} WHERE id IN ({marks})) ORDER BY contact_id",
                    [now, True, *chunk, *chunk])
from directory.text import contact_slug_text, german_slug, slug_unique

# coverage_errors' reasons in English (stable: tests and the importer's memo key on them),
# and the German source string each is shown as (coverage_reason_text). A test checks that
# every reason coverage_errors can give is here.
COVERAGE_REASONS = {
    "a nationwide contact covers no single states or districts":
        gettext_noop("ein bundesweiter Kontakt ist nicht für einzelne Bundesländer oder Kreise zuständig"),
    "a state-wide contact needs the state(s) it covers":
        gettext_noop("ein landesweiter Kontakt braucht die Bundesländer, für die er zuständig ist"),
    "a state-wide contact covers no single districts":
        gettext_noop("ein landesweiter Kontakt ist nicht für einzelne Kreise zuständig"),
    "a district contact needs the district(s) it covers":
        gettext_noop("ein kreisweiter Kontakt braucht die Kreise, für die er zuständig ist"),
    "a district contact covers districts, not whole states":
        gettext_noop("ein kreisweiter Kontakt ist für Kreise zuständig, nicht für ganze Bundesländer"),
    "a local contact needs the district(s) it covers":
        gettext_noop("ein lokaler Kontakt braucht die Kreise, für die er zuständig ist"),
    "a local contact covers districts, not whole states":
        gettext_noop("ein lokaler Kontakt ist für Kreise zuständig, nicht für ganze Bundesländer"),
}


def coverage_reason_text(reason: str) -> str:
    """A reason from coverage_errors in the active language (German first)."""
    return gettext(COVERAGE_REASONS[reason]) if reason in COVERAGE_REASONS else reason


def coverage_errors(scope: str, states: Iterable[State], districts: Iterable[District]) -> list[str]:
    """Why a coverage contradicts its scope, or nothing when it is consistent.

    national: no states, no districts; state: at least one state and no districts;
    district/local: at least one district and no states (their states follow from the
    districts). Enforced here because a check constraint cannot see many-to-many rows.
    """
    states, districts = list(states), list(districts)
    if scope not in Scope.values:
        return [f'"{scope}" is not a scope; use one of {", ".join(Scope.values)}']
    errors = []
    if scope == Scope.NATIONAL:
        if states or districts:
            errors.append("a nationwide contact covers no single states or districts")
    elif scope == Scope.STATE:
        if not states:
            errors.append("a state-wide contact needs the state(s) it covers")
        if districts:
            errors.append("a state-wide contact covers no single districts")
    else:
        if not districts:
            errors.append(f"a {scope} contact needs the district(s) it covers")
        if states:
            errors.append(f"a {scope} contact covers districts, not whole states")
    return errors


def contact_unique_slug(*, name: str, town: str = "", exclude_pk: int | None = None) -> str:
    text = contact_slug_text(name, town)
    base = german_slug(text, max_length=100) or "kontakt"
    taken = set(
        Contact.objects.filter(slug__startswith=base).exclude(pk=exclude_pk).values_list("slug", flat=True)
    ) | set(ContactSlugHistory.objects.filter(slug__startswith=base).exclude(contact_id=exclude_pk).values_list("slug", flat=True))
    return slug_unique(text, taken, fallback="kontakt")


@transaction.atomic
def contact_change_slug(*, contact: Contact, slug: str) -> Contact:
    """Give a contact a new slug; the old one keeps redirecting (DESIGN.md "URLs")."""
    if slug == contact.slug:
        return contact
    old = contact.slug
    ContactSlugHistory.objects.filter(slug=slug, contact=contact).delete()
    contact.slug = slug
    contact.save(update_fields=["slug", "updated_at"])
    if old:
        ContactSlugHistory.objects.get_or_create(slug=old, defaults={"contact": contact})
    return contact
