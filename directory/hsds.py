"""Our directory as Open Referral HSDS 3.0 objects (issue 7): the API under /api/hsds/ and
the tabular data package (importers/datapackage.py, issue 20) both build on these.

Mapping decisions (documented for consumers):
- service = one active Contact; its id is Contact.uuid. status is always "active" (only
  active contacts are published, as on the v1 API).
- organization = Organisation (id Organisation.uuid). HSDS requires every service to have
  an organization; a contact without one gets a synthetic organization of its own, named
  after the contact, with id uuid5(NAMESPACE, "organization:contact:<contact uuid>").
- taxonomies: our incident types, contact kinds and target groups, each term an HSDS
  taxonomy_term (code = our stable slug); services carry them as attributes.
- coverage = service_areas (nationwide: Deutschland; states; districts by AGS).
- provenance: assured_date = last_verified, last_modified = updated_at.
- location = the contact's address/point (a hotline has none), service_at_location one
  per located contact.
All ids that we do not store are uuid5s of a fixed namespace and a stable key, so they
never change between requests or deployments.
"""

from __future__ import annotations

import uuid
from datetime import timezone as dt_timezone
from functools import lru_cache

from django.utils.translation import get_language

from directory.models import Contact, ContactKind, IncidentType, Organisation, Scope, TargetGroup

# Fixed for ever: changing it would change every derived id that partners store.
NAMESPACE = uuid.UUID("6f1c1d0e-3a4b-5c6d-8e9f-4c6f74736521")
HSDS_VERSION = "3.0"
PROFILE_URL = "https://docs.openreferral.org/en/v3.0/"

# taxonomy key → (model, attribute on Contact, German name, English name)
TAXONOMIES = {
    "lotse-incident-types": (IncidentType, "incident_types", "Lotse: Vorfallarten", "Lotse: incident types"),
    "lotse-contact-kinds": (ContactKind, "kinds", "Lotse: Arten der Stellen", "Lotse: kinds of contact"),
    "lotse-target-groups": (TargetGroup, "target_groups", "Lotse: Zielgruppen", "Lotse: target groups"),
}


def derived_id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts)))


def _english() -> bool:
    return get_language() == "en"


def _put(target: dict, key: str, value) -> None:
    """HSDS fields are typed without null: absent values are left out, not null."""
    if value not in (None, ""):
        target[key] = value


def _timestamp(value) -> str:
    return value.astimezone(dt_timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- taxonomies --------------------------------------------------------------------------


@lru_cache(maxsize=None)  # a few taxonomies and ~40 terms; uuid5 cost ~0.1 ms a call
def taxonomy_id(key: str) -> str:
    return derived_id("taxonomy", key)


@lru_cache(maxsize=None)
def term_id(key: str, slug: str) -> str:
    return derived_id("taxonomy_term", key, slug)


def taxonomy_object(key: str) -> dict:
    _, _, name_de, name_en = TAXONOMIES[key]
    return {
        "id": taxonomy_id(key),
        "name": name_en if _english() else name_de,
        "description": (
            f"Stable codes of the Lotse directory ({key}); German and English labels."
        ),
        "version": "1",
    }


def term_object(key: str, term) -> dict:
    data = {
        "id": term_id(key, term.slug),
        "code": term.slug,
        "name": term.label,
        "description": (term.description_en if _english() else term.description_de) or term.label,
        "taxonomy": key,
        "taxonomy_id": taxonomy_id(key),
        "language": "en" if _english() else "de",
    }
    return data


def taxonomies_all() -> list[dict]:
    return [taxonomy_object(key) for key in TAXONOMIES]


def terms_all(*, taxonomy: str | None = None) -> list[dict]:
    terms = []
    for key, (model, *_rest) in TAXONOMIES.items():
        if taxonomy in (None, taxonomy_id(key)):
            terms += [term_object(key, term) for term in model.objects.order_by("position", "slug")]
    return terms


def term_lookup(term_uuid: str) -> tuple[str, str] | None:
    """(relation on Contact, slug) of a taxonomy_term id, or None."""
    for key, (model, relation, *_rest) in TAXONOMIES.items():
        for slug in model.objects.values_list("slug", flat=True):
            if term_id(key, slug) == term_uuid:
                return relation, slug
    return None


def taxonomy_lookup(taxonomy_uuid: str) -> str | None:
    """The relation on Contact of a taxonomy id, or None."""
    for key, (_model, relation, *_rest) in TAXONOMIES.items():
        if taxonomy_id(key) == taxonomy_uuid:
            return relation
    return None


# --- organizations -----------------------------------------------------------------------


def synthetic_organization_id(contact: Contact) -> str:
    return derived_id("organization", "contact", contact.uuid)


def organization_id(contact: Contact) -> str:
    return str(contact.organisation.uuid) if contact.organisation_id else synthetic_organization_id(contact)


def organization_summary(contact_or_org) -> dict:
    if isinstance(contact_or_org, Organisation):
        org = contact_or_org
        data = {"id": str(org.uuid), "name": org.name, "description": org.description or org.name}
        _put(data, "website", org.website)
        return data
    contact = contact_or_org
    if contact.organisation_id:
        return organization_summary(contact.organisation)
    return {
        "id": synthetic_organization_id(contact),
        "name": contact.name,
        "description": (
            "Synthetic organization: the directory names no organisation behind this contact."
            if _english()
            else "Synthetische Organisation: das Verzeichnis nennt keinen Träger dieses Kontakts."
        ),
    }


def organization_full(summary: dict, contacts) -> dict:
    data = dict(summary)
    data["services"] = [service_summary(contact, with_organization=False) for contact in contacts]
    return data


# --- services ----------------------------------------------------------------------------


def service_summary(contact: Contact, *, with_organization: bool = True) -> dict:
    data = {
        "id": str(contact.uuid),
        "organization_id": organization_id(contact),
        "name": contact.name,
        "status": "active" if contact.active else "inactive",
        "description": contact.description or contact.name,
        "last_modified": _timestamp(contact.updated_at),
    }
    _put(data, "url", contact.website or contact.online_report_url)
    _put(data, "email", contact.email)
    if contact.last_verified:
        data["assured_date"] = contact.last_verified.isoformat()
    groups = [group.label for group in contact.target_groups.all()]
    _put(data, "eligibility_description", ", ".join(groups))
    if contact.free_of_charge:
        data["fees_description"] = "free of charge" if _english() else "kostenlos"
    if with_organization:
        data["organization"] = organization_summary(contact)
    return data


def _service_areas(contact: Contact) -> list[dict]:
    service_id = str(contact.uuid)
    if contact.scope == Scope.NATIONAL:
        return [{"id": derived_id("service_area", service_id, "DE"), "service_id": service_id,
                 "name": "Deutschland", "description": "nationwide" if _english() else "bundesweit",
                 "extent_type": "country", "extent": "DE"}]
    areas = []
    for state in contact.states.all():
        areas.append({"id": derived_id("service_area", service_id, state.iso), "service_id": service_id,
                      "name": state.label, "description": "state-wide" if _english() else "landesweit",
                      "extent_type": "ISO 3166-2", "extent": state.iso})
    for district in contact.districts.all():
        areas.append({"id": derived_id("service_area", service_id, district.ags), "service_id": service_id,
                      "name": district.name, "description": f"AGS {district.ags}",
                      "extent_type": "AGS", "extent": district.ags})
    return areas


def _phones(contact: Contact) -> list[dict]:
    phones = []
    for phone in contact.phones.all():
        data = {"id": derived_id("phone", contact.uuid, phone.position, phone.number),
                "service_id": str(contact.uuid), "number": phone.number, "type": "voice"}
        _put(data, "description", phone.label)
        phones.append(data)
    return phones


def _terms(contact: Contact, relation: str, model) -> list:
    # A contact for all incidents carries every incident term: an HSDS consumer filtering
    # by a term finds it, as a Lotse search by that incident does (issue 15).
    if relation == "incident_types" and contact.all_incidents:
        return list(model.objects.all())
    return list(getattr(contact, relation).all())


def _attributes(contact: Contact) -> list[dict]:
    attributes = []
    for key, (model, relation, *_rest) in TAXONOMIES.items():
        for term in _terms(contact, relation, model):
            term_data = term_object(key, term)
            attributes.append({
                "id": derived_id("attribute", contact.uuid, term_data["id"]),
                "link_id": str(contact.uuid),
                "link_type": "service",
                "link_entity": "service",
                "taxonomy_term_id": term_data["id"],
                "taxonomy_term": term_data,
            })
    return attributes


def location_id(contact: Contact) -> str:
    return derived_id("location", contact.uuid)


def has_location(contact: Contact) -> bool:
    return contact.has_point or bool(contact.street and contact.town and contact.postcode)


def location_object(contact: Contact, *, nested: bool = True) -> dict:
    data = {"id": location_id(contact), "location_type": "physical", "name": contact.name,
            "organization_id": organization_id(contact)}
    if contact.has_point:
        data["latitude"], data["longitude"] = contact.lat, contact.lng
    if nested and contact.street and contact.town and contact.postcode:
        state = contact.district.state.name if contact.district_id else ""
        data["addresses"] = [{
            "id": derived_id("address", contact.uuid), "location_id": data["id"], "address_1": contact.street,
            "city": contact.town, "state_province": state or "-", "postal_code": contact.postcode,
            "country": "DE", "address_type": "physical",
        }]
    return data


def service_at_location_id(contact: Contact) -> str:
    return derived_id("service_at_location", contact.uuid)


def service_at_location_summary(contact: Contact) -> dict:
    return {
        "id": service_at_location_id(contact),
        "service_id": str(contact.uuid),
        "location_id": location_id(contact),
        "location": location_object(contact, nested=False),
        "service": service_summary(contact),
    }


def service_full(contact: Contact) -> dict:
    data = service_summary(contact)
    service_id = str(contact.uuid)
    data["phones"] = _phones(contact)
    data["service_areas"] = _service_areas(contact)
    data["languages"] = [{"id": derived_id("language", service_id, code), "service_id": service_id, "code": code}
                         for code in contact.languages]
    schedules = []
    if contact.open_24_7:
        schedules.append({"id": derived_id("schedule", service_id, "24/7"), "service_id": service_id,
                          "description": "24/7", "notes": "rund um die Uhr erreichbar"})
    elif contact.opening_hours:
        schedules.append({"id": derived_id("schedule", service_id, contact.opening_hours), "service_id": service_id,
                          "description": contact.opening_hours,
                          "notes": "OpenStreetMap opening_hours syntax"})
    data["schedules"] = schedules
    data["service_at_locations"] = []
    if has_location(contact):
        data["service_at_locations"].append({
            "id": service_at_location_id(contact), "service_id": service_id, "location_id": location_id(contact),
            "location": location_object(contact),
        })
    data["attributes"] = _attributes(contact)
    return data
