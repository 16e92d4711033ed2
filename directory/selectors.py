"""Reads of the directory: the one way contacts are read for the index documents, the API,
HSDS, the pages and the importer's snapshot (STYLE.md: reads in selectors).

`contacts_read(queryset)` gives each contact as a plain dict of values, read in a fixed
number of queries whatever the count: one for the contacts, one per relation, one for the
phones. Model instances with prefetch_related cost about 2 ms a contact (a 20,000-row
import waited ~45 s for its search documents, issue 4 benchmark; an API page of 20 spent
~25 ms of ~30 ms in DRF's field machinery, issue 8).

A contact as read (the keys of CONTACT_FIELDS, then):
    uuid (str), organisation: None or {uuid, name, website}, district: location AGS or None,
    source: source slug or None, kinds, incident_types, target_groups, channels: term slugs,
    states: state codes, districts: AGS, each in the related model's own order,
    phones: [{label, number}] in their position order.
"""

from __future__ import annotations

import re
import uuid
from django.db.models import QuerySet

from directory.models import Channel, Contact, ContactChange, ContactKind, District, IncidentType, Phone, State, TargetGroup

CONTACT_FIELDS = [
    "id", "uuid", "slug", "name", "description_de", "description_en", "street", "postcode", "town", "lat", "lng",
    "scope", "email", "website", "online_report_url", "opening_hours", "open_24_7", "languages", "barrier_free",
    "anonymous", "free_of_charge", "external_id", "source_url", "source_date", "last_verified", "updated_at", "active",
    "all_incidents", "notes",  # notes are internal: the importer's snapshot reads them, nothing publishes them
]
# relation → the related model's field a contact shows for it
RELATIONS = {
    "kinds": "slug", "incident_types": "slug", "target_groups": "slug", "channels": "slug",
    "states": "code", "districts": "ags",
}
TERM_MODELS = {"kinds": ContactKind, "incident_types": IncidentType, "target_groups": TargetGroup, "channels": Channel}
_JOINED = ["organisation__uuid", "organisation__name", "organisation__website", "district__ags", "source__slug"]
CHUNK = 5000  # SQLite limits the parameters of one query


def among(queryset: QuerySet, column: str, ids: list[int]) -> QuerySet:
    """queryset filtered to `column` in `ids` (sorted). A dense run of ids (an import's new
    contacts) becomes a range: Django spends ~0.3 ms per value preparing a long IN list,
    seconds for a 20,000-contact import (issue 4 benchmark). Callers that need exactly
    `ids` drop the surplus rows of a range themselves."""
    if ids and ids[-1] - ids[0] < 2 * len(ids):
        return queryset.filter(**{f"{column}__gte": ids[0], f"{column}__lte": ids[-1]})
    return queryset.filter(**{f"{column}__in": ids})


def contacts_read(contacts: QuerySet[Contact], *, only: set[int] | None = None) -> dict[int, dict]:
    """id → the contact as read (see the module docstring), in the queryset's order;
    with `only`, the contacts among those ids (for a queryset filtered by among())."""
    rows: dict[int, dict] = {}
    for row in contacts.values(*CONTACT_FIELDS, *_JOINED):
        if only is not None and row["id"] not in only:
            continue
        org_uuid = row.pop("organisation__uuid")
        row["uuid"] = str(row["uuid"])
        org_name, org_website = row.pop("organisation__name"), row.pop("organisation__website")
        row["organisation"] = None if org_uuid is None else {"uuid": str(org_uuid), "name": org_name, "website": org_website}
        row["district"] = row.pop("district__ags")
        row["source"] = row.pop("source__slug")
        row["languages"] = list(row["languages"] or [])
        row["phones"] = []
        for name in RELATIONS:
            row[name] = []
        rows[row["id"]] = row
    ids = sorted(rows)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        wanted = set(chunk)
        for name, key in RELATIONS.items():
            field = Contact._meta.get_field(name)
            target = field.m2m_reverse_field_name()
            ordering = [f"{target}__{f}" for f in field.related_model._meta.ordering]
            pairs = among(field.remote_field.through.objects.all(), "contact_id", chunk).order_by(*ordering, "id")
            for contact_id, value in pairs.values_list("contact_id", f"{target}__{key}"):
                if contact_id in wanted:
                    rows[contact_id][name].append(value)
        phones = among(Phone.objects.all(), "contact_id", chunk).order_by("contact_id", "position", "id")
        for contact_id, label, number in phones.values_list("contact_id", "label", "number"):
            if contact_id in wanted:
                rows[contact_id]["phones"].append({"label": label, "number": number})
    return rows


def contacts_base() -> QuerySet[Contact]:
    """Active contacts with their relations, as model instances (HSDS, the contact page)."""
    return (
        Contact.objects.filter(active=True)
        .select_related("organisation", "district__state", "source")
        .prefetch_related("kinds", "incident_types", "target_groups", "channels", "states", "districts__state", "phones")
    )


def contact_key_filter(key: str) -> dict | None:
    """How a contact is named in a URL: its UUID, numeric id or slug."""
    try:
        return {"uuid": uuid.UUID(key)}
    except ValueError:
        pass
    if re.fullmatch(r"[0-9]{1,18}", key):  # ASCII, within a 64-bit id ("²".isdigit() is true too)
        return {"pk": int(key)}
    return {"slug": key} if key else None


def contact_get(*, key: str) -> Contact | None:
    """An active contact by UUID, numeric id or slug; inactive contacts are not published."""
    lookup = contact_key_filter(key)
    return contacts_base().filter(**lookup).first() if lookup else None


def term_labels() -> dict[str, dict[str, tuple[str, str]]]:
    """relation → slug → (German, English) label of each term."""
    return {name: {slug: (de, en) for slug, de, en in model.objects.values_list("slug", "name_de", "name_en")}
            for name, model in TERM_MODELS.items()}


def states_list() -> QuerySet[State]:
    return State.objects.order_by("code")


def districts_list(*, state: str = "") -> QuerySet[District]:
    districts = District.objects.select_related("state").order_by("ags")
    if state:
        districts = districts.filter(state__code__iexact=state)
    return districts


TAXONOMIES = {"incident-types": IncidentType, "kinds": ContactKind, "target-groups": TargetGroup, "channels": Channel}


def terms_list(*, taxonomy: str) -> QuerySet:
    return TAXONOMIES[taxonomy].objects.order_by("position", "slug")


def changes_after(*, after: int, limit: int) -> list[ContactChange]:
    """The change feed's next changes after the change `after`, in id (= commit) order."""
    return list(ContactChange.objects.filter(pk__gt=after).order_by("pk")[:limit])


def change_before(at) -> int:
    """The id after which the changes at or after `at` begin (the feed's ?since=<time>)."""
    first = ContactChange.objects.filter(at__gte=at).order_by("pk").values_list("pk", flat=True).first()
    if first is not None:
        return first - 1
    return change_last()


def change_last() -> int:
    """The newest change's id, 0 before the first."""
    return ContactChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
