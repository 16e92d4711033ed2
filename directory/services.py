"""Writes to the directory. Admin, importers and API call these, never ad-hoc saves."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from directory.models import Contact, ContactSlugHistory, District, Scope, State
from directory.text import german_slug

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
    base = german_slug(f"{name} {town}" if town and town.lower() not in name.lower() else name, max_length=100)
    base = base or "kontakt"
    taken = set(
        Contact.objects.filter(slug__startswith=base).exclude(pk=exclude_pk).values_list("slug", flat=True)
    ) | set(ContactSlugHistory.objects.filter(slug__startswith=base).exclude(contact_id=exclude_pk).values_list("slug", flat=True))
    slug, counter = base, 2
    while slug in taken:
        slug = f"{base}-{counter}"
        counter += 1
    return slug


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
