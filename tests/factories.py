"""The one contact factory of the tests (STYLE.md: factories in tests/factories.py).

`make_contact` writes a contact through the ORM as the admin would (so the change reaches
the index through directory.services.contacts_touched), with its relations by their
stable codes, and checks the coverage rule first: a test case cannot contradict it. The
named cases of each area (a Munich district contact, Bavarian and Thuringian state-wide
contacts, a nationwide hotline) are built from it in the area's conftest.
"""

from __future__ import annotations

import itertools

from directory.models import (
    Channel, Contact, ContactKind, District, IncidentType, Organisation, Phone, State, TargetGroup,
)
from directory.services import contact_unique_slug, coverage_errors

_counter = itertools.count(1)


def make_contact(
    name: str,
    *,
    scope: str,
    states=(),
    districts=(),
    kinds=("victim_support",),
    incidents=("threat",),
    targets=("officials",),
    channels=(),
    point: tuple[float, float] | None = None,
    organisation: str | Organisation | None = None,
    phones=(),
    **fields,
) -> Contact:
    """`phones`: numbers, or (label, number) pairs, in their order; `organisation`: a name
    (created once) or an Organisation; `point`: (lat, lng); other fields as on Contact."""
    state_objs = list(State.objects.filter(code__in=states))
    district_objs = list(District.objects.filter(ags__in=districts))
    assert len(state_objs) == len(set(states)) and len(district_objs) == len(set(districts)), "unknown code in a test case"
    errors = coverage_errors(scope, state_objs, district_objs)
    assert not errors, errors
    if isinstance(organisation, str) and organisation:
        organisation, _ = Organisation.objects.get_or_create(name=organisation, defaults={"slug": f"org-{next(_counter)}"})
    contact = Contact(name=name, scope=scope, organisation=organisation or None, **fields)
    if point:
        contact.lat, contact.lng = point
    if not contact.slug:
        contact.slug = contact_unique_slug(name=name, town=contact.town)
    contact.save()
    contact.states.set(state_objs)
    contact.districts.set(district_objs)
    contact.kinds.set(ContactKind.objects.filter(slug__in=kinds))
    contact.incident_types.set(IncidentType.objects.filter(slug__in=incidents))
    contact.target_groups.set(TargetGroup.objects.filter(slug__in=targets))
    contact.channels.set(Channel.objects.filter(slug__in=channels))
    for position, phone in enumerate(phones):
        label, number = phone if isinstance(phone, tuple) else ("", phone)
        Phone.objects.create(contact=contact, label=label, number=number, position=position)
    return contact
