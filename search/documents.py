"""The search documents: one contact, as read by directory.selectors, → one document.

The one builder: the index (sync push, rebuild) and the database executor's hits all come
from `documents()`. A document is the hit shape the pages and the API render (see
search/engine.py), plus fields only the index uses (name_sort, the label lists and
search_folded, search/german.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from directory.models import Contact, Scope
from directory.phones import phone_display
from directory.selectors import CHUNK, among, contacts_read, term_labels
from directory.text import german_fold
from search.german import folded_text, folded_text_prefetch
from search.query import codes

# A document's fields: those of a hit (what Meilisearch returns, attributesToRetrieve), and
# those only the index uses (sorting, searching).
HIT_FIELDS = [
    "id", "uuid", "slug", "name", "organisation", "kinds", "incident_types", "all_incidents", "target_groups",
    "channels", "scope", "states", "districts", "street", "postcode", "town", "location_district", "lat", "lng", "_geo",
    "phones", "email", "website", "online_report_url", "opening_hours", "open_24_7", "languages",
    "barrier_free", "anonymous", "free_of_charge", "source_url", "last_verified", "updated_at",
    "description_de", "description_en",
]
INDEX_ONLY_FIELDS = ("name_sort", "scope_rank", "kind_labels", "incident_labels", "search_folded")
LOCAL_SCOPES = (Scope.DISTRICT.value, Scope.LOCAL.value)
# The rank of a contact's result group (search/engine.py): district and local contacts form
# the near (or regional) group, then the state-wide, then the nationwide contacts. The
# index's first ranking rule (search/index.py), so that one query lists the groups in turn.
SCOPE_RANK = {Scope.DISTRICT.value: 0, Scope.LOCAL.value: 0, Scope.STATE.value: 1, Scope.NATIONAL.value: 2}


def document(contact: dict, labels: dict, state_by_district: dict[str, str]) -> dict:
    """The document of one contact as read by directory.selectors.contacts_read; `labels`
    are directory.selectors.term_labels(), `state_by_district` AGS → state code."""
    kinds, incidents = contact["kinds"], contact["incident_types"]
    if contact["scope"] in LOCAL_SCOPES:
        # District contacts carry their districts' states so that `state=TH` finds them.
        states = sorted({state_by_district[ags] for ags in contact["districts"]})
    else:
        states = sorted(contact["states"])
    organisation = contact["organisation"]["name"] if contact["organisation"] else ""
    lat, lng = contact["lat"], contact["lng"]
    kind_labels = [labels["kinds"][slug] for slug in kinds]
    incident_labels = [labels["incident_types"][slug] for slug in incidents]
    return {
        "id": contact["id"],
        "uuid": contact["uuid"],
        "slug": contact["slug"],
        "name": contact["name"],
        "name_sort": german_fold(contact["name"]).lower(),
        "scope_rank": SCOPE_RANK[contact["scope"]],
        "organisation": organisation,
        "kinds": list(kinds),
        "kind_labels": [de for de, _ in kind_labels] + [en for _, en in kind_labels],
        "incident_types": list(incidents),
        "all_incidents": contact["all_incidents"],
        "incident_labels": [de for de, _ in incident_labels] + [en for _, en in incident_labels],
        "target_groups": list(contact["target_groups"]),
        "channels": list(contact["channels"]),
        "scope": contact["scope"],
        "states": states,
        "districts": sorted(contact["districts"]),
        "street": contact["street"],
        "postcode": contact["postcode"],
        "town": contact["town"],
        "location_district": contact["district"],
        "lat": lat,
        "lng": lng,
        "_geo": {"lat": lat, "lng": lng} if lat is not None and lng is not None else None,
        "phones": [{**phone, "display": phone_display(phone["number"])} for phone in contact["phones"]],
        "email": contact["email"],
        "website": contact["website"],
        "online_report_url": contact["online_report_url"],
        "opening_hours": contact["opening_hours"],
        "open_24_7": contact["open_24_7"],
        "languages": contact["languages"],
        "barrier_free": contact["barrier_free"],
        "anonymous": contact["anonymous"],
        "free_of_charge": contact["free_of_charge"],
        "source_url": contact["source_url"],
        "last_verified": contact["last_verified"].isoformat() if contact["last_verified"] else None,
        "updated_at": contact["updated_at"].isoformat() if contact["updated_at"] else None,
        "description_de": contact["description_de"],
        "description_en": contact["description_en"],
        "search_folded": folded_text(
            contact["name"], organisation, contact["street"], contact["town"], contact["description_de"],
            " ".join(de for de, _ in kind_labels), " ".join(de for de, _ in incident_labels),
        ),
    }


def documents(ids: Iterable[int] | None = None, *, chunk: int = 1000) -> Iterator[list[dict]]:
    """Documents of active contacts (all, or those among `ids`), in id order, in chunks."""
    active = Contact.objects.filter(active=True)
    if ids is None:
        pks = list(active.order_by("id").values_list("id", flat=True))
    else:
        wanted = sorted({int(pk) for pk in ids})
        keep = set(wanted)
        pks = []
        for start in range(0, len(wanted), CHUNK):
            pks += (pk for pk in among(active, "id", wanted[start : start + CHUNK]).values_list("id", flat=True) if pk in keep)
        pks.sort()
    if not pks:
        return
    labels, state_by_district = term_labels(), codes().state_by_district
    for start in range(0, len(pks), chunk):
        part = pks[start : start + chunk]
        contacts = contacts_read(among(active, "id", part).order_by("id"), only=set(part))
        folded_text_prefetch(
            text for c in contacts.values()
            for text in (c["name"], c["organisation"]["name"] if c["organisation"] else "", c["street"], c["town"], c["description_de"])
        )
        yield [document(contact, labels, state_by_district) for contact in contacts.values()]
