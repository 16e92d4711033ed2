"""Load the demo contacts (fixtures/demo/contacts.csv) built from public facts.

A bridge until the importer (importers/) loads the same file; it writes through the same
coverage rule and phone normalisation.
"""

import csv

from django.db import transaction

from directory.geo import postcode_lookup, town_lookup
from directory.models import Channel, Contact, ContactKind, District, IncidentType, Organisation, Phone, Source, State, TargetGroup
from directory.phones import phone_to_e164
from directory.reference import REFERENCE_DIR
from directory.services import contact_unique_slug, coverage_errors
from directory.text import german_slug

DEMO_FILE = REFERENCE_DIR.parent / "demo" / "contacts.csv"
DEMO_SOURCE = {"slug": "lotse-demo", "name": "Lotse-Demodaten (öffentliche Quellen, ungeprüft)"}


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(";") if item.strip()]


@transaction.atomic
def demo_load() -> int:
    source, _ = Source.objects.get_or_create(slug=DEMO_SOURCE["slug"], defaults={"name": DEMO_SOURCE["name"]})
    with DEMO_FILE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        states = list(State.objects.filter(code__in=_split(row["states"])))
        districts = list(District.objects.filter(ags__in=_split(row["districts"])))
        errors = coverage_errors(row["scope"], states, districts)
        if errors:
            raise ValueError(f'{row["source_id"]}: {"; ".join(errors)}')
        located = postcode_lookup(row["postcode"]) if row["postcode"] else None
        if located is None and row["town"]:
            located = town_lookup(row["town"], state_code=(_split(row["states"]) or [None])[0])
        organisation = None
        if row["organisation"]:
            organisation, _ = Organisation.objects.get_or_create(
                name=row["organisation"], defaults={"slug": german_slug(row["organisation"])}
            )
        contact = Contact.objects.filter(source=source, external_id=row["source_id"]).first() or Contact(
            source=source, external_id=row["source_id"]
        )
        contact.name = row["name"]
        contact.organisation = organisation
        contact.description_de, contact.description_en = row["description_de"], row["description_en"]
        contact.scope = row["scope"]
        contact.postcode, contact.town = row["postcode"], row["town"]
        contact.lat, contact.lng = (located.lat, located.lng) if located else (None, None)
        contact.district = District.objects.get(ags=located.district) if located else None
        contact.website, contact.online_report_url = row["website"], row["online_report_url"]
        contact.languages = _split(row["languages"])
        contact.source_url = row["source_url"]
        contact.last_verified = None
        contact.active = True
        if not contact.slug:
            contact.slug = contact_unique_slug(name=contact.name, town=contact.town)
        contact.save()
        contact.states.set(states)
        contact.districts.set(districts)
        contact.kinds.set(ContactKind.objects.filter(slug__in=_split(row["kinds"])))
        contact.incident_types.set(IncidentType.objects.filter(slug__in=_split(row["incident_types"])))
        contact.target_groups.set(TargetGroup.objects.filter(slug__in=_split(row["target_groups"])))
        contact.channels.set(Channel.objects.filter(slug__in=_split(row["channels"])))
        contact.phones.all().delete()
        Phone.objects.bulk_create(
            [Phone(contact=contact, number=phone_to_e164(raw), position=i) for i, raw in enumerate(_split(row["phone"]))]
        )
    return len(rows)
