"""What we put into Meilisearch: index settings fitted to German text, and the documents.

MEILISEARCH.md §1 measured what Meilisearch 1.21 does by itself with German and what it
doesn't: it strips diacritics (Munchen → München) but does not fold ß to ss, does not know
that "Muenchen" is "München" (only via typo tolerance) and does not split compounds
("Beratung" does not find "Opferberatung"); `localizedAttributes` for German is harmful on
1.21. We close those gaps in the documents: `search_folded` carries the German
transliteration (ß→ss, ä→ae, ö→oe, ü→ue) of the text fields plus the parts of compound
words, split by the `compound-split` package (char_split, a statistical splitter for
German) and the same parts transliterated.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from django.db.models import Prefetch, QuerySet

from directory.models import Contact, Phone
from directory.phones import phone_display
from directory.text import german_fold

SEARCHABLE = [
    "name",
    "organisation",
    "kind_labels",
    "incident_labels",
    "search_folded",
    "town",
    "description_de",
    "description_en",
    "street",
]
FILTERABLE = [
    "scope",
    "states",
    "districts",
    "incident_types",
    "kinds",
    "target_groups",
    "free_of_charge",
    "anonymous",
    "barrier_free",
    "open_24_7",
    "_geo",
]
SORTABLE = ["_geo", "name_sort"]
FACETS = ["incident_types", "kinds", "target_groups", "scope", "free_of_charge", "anonymous", "barrier_free", "open_24_7"]

# Whole-word synonyms (issue 5). Meilisearch applies them to whole query words only; the
# compound parts in search_folded cover "Beratung" → "Opferberatung" separately.
SYNONYM_GROUPS = [
    ["polizei", "onlinewache", "anzeige"],
    ["hass", "hetze"],
    ["opferberatung", "betroffenenberatung"],
    ["lka", "landeskriminalamt"],
    ["staatsschutz", "lka"],
    ["strasse", "straße"],
    ["notruf", "110"],
]


def synonyms() -> dict[str, list[str]]:
    table: dict[str, set[str]] = {}
    for group in SYNONYM_GROUPS:
        for word in group:
            table.setdefault(word, set()).update(w for w in group if w != word)
    return {word: sorted(others) for word, others in sorted(table.items())}


def index_settings() -> dict:
    return {
        "searchableAttributes": SEARCHABLE,
        "filterableAttributes": FILTERABLE,
        "sortableAttributes": SORTABLE,
        "displayedAttributes": ["*"],
        # "sort" right after words and typo: inside the near group the promise is "by
        # distance" (DESIGN.md), so distance outranks proximity/attribute once every query
        # word matched with the fewest typos.
        "rankingRules": ["words", "typo", "sort", "proximity", "attribute", "exactness"],
        "synonyms": synonyms(),
        "stopWords": [],
        "typoTolerance": {"enabled": True, "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9}},
        "faceting": {"maxValuesPerFacet": 100},
        # Exact totals for the groups; the directory is far below this.
        "pagination": {"maxTotalHits": 100000},
        "proximityPrecision": "byWord",
    }


def settings_fingerprint(value: dict | None = None) -> str:
    return hashlib.sha256(json.dumps(value or index_settings(), sort_keys=True).encode()).hexdigest()[:16]


WORD = re.compile(r"[^\W\d_]{8,}", re.UNICODE)
# char_split scores range roughly -2..1; below this a split is a guess (Erfurt → Erf|urt).
SPLIT_THRESHOLD = 0.5


@lru_cache(maxsize=20000)
def compound_parts(word: str) -> tuple[str, ...]:
    """The parts of a German compound, recursively: Hasskriminalität → Hass, Kriminalität."""
    # Imported here: loading the splitter's n-gram table takes seconds, and only the
    # indexing path needs it, not every process start (web workers, commands).
    from compound_split import char_split

    try:
        candidates = char_split.split_compound(word)
    except Exception:  # the splitter throws on odd input (digits, very short words)
        return ()
    if not candidates:
        return ()
    score, head, tail = candidates[0]
    if score < SPLIT_THRESHOLD or len(head) < 3 or len(tail) < 3:
        return ()
    parts: list[str] = []
    for part in (head, tail):
        sub = compound_parts(part) if len(part) >= 8 else ()
        parts.extend(sub or (part,))
    return tuple(parts)


def folded_text(*texts: str) -> str:
    """Transliterated text plus compound parts, for the `search_folded` field."""
    words: list[str] = []
    seen: set[str] = set()

    def add(word: str) -> None:
        key = word.lower()
        if key not in seen:
            seen.add(key)
            words.append(word)

    for text in texts:
        if not text:
            continue
        folded = german_fold(text)
        if folded != text:
            add(folded)
        for word in WORD.findall(text):
            for part in compound_parts(word):
                add(part)
                add(german_fold(part))
    return " ".join(words)


def contacts_for_index() -> QuerySet:
    """Active contacts with everything the document needs, in a fixed number of queries."""
    return (
        Contact.objects.filter(active=True)
        .select_related("organisation", "district__state")
        .prefetch_related(
            "kinds", "incident_types", "target_groups", "channels", "states",
            "districts__state", Prefetch("phones", queryset=Phone.objects.order_by("position", "id")),
        )
        .order_by("id")
    )


def contact_document(contact: Contact) -> dict:
    """The indexed document of one contact: the hit shape the pages and API render."""
    kinds = list(contact.kinds.all())
    incidents = list(contact.incident_types.all())
    covered_districts = list(contact.districts.all())
    if contact.scope in ("district", "local"):
        # District contacts carry their districts' states so that `state=TH` finds them.
        states = sorted({d.state.code for d in covered_districts})
    else:
        states = sorted(s.code for s in contact.states.all())
    organisation = contact.organisation.name if contact.organisation else ""
    has_point = contact.lat is not None and contact.lng is not None
    phones = [
        {"label": p.label, "number": p.number, "display": phone_display(p.number)} for p in contact.phones.all()
    ]
    return {
        "id": contact.id,
        "uuid": str(contact.uuid),
        "slug": contact.slug,
        "name": contact.name,
        "name_sort": german_fold(contact.name).lower(),
        "organisation": organisation,
        "kinds": [k.slug for k in kinds],
        "kind_labels": [k.name_de for k in kinds] + [k.name_en for k in kinds],
        "incident_types": [i.slug for i in incidents],
        "incident_labels": [i.name_de for i in incidents] + [i.name_en for i in incidents],
        "target_groups": [t.slug for t in contact.target_groups.all()],
        "channels": [c.slug for c in contact.channels.all()],
        "scope": contact.scope,
        "states": states,
        "districts": sorted(d.ags for d in covered_districts),
        "street": contact.street,
        "postcode": contact.postcode,
        "town": contact.town,
        "location_district": contact.district.ags if contact.district_id else None,
        "lat": contact.lat,
        "lng": contact.lng,
        "_geo": {"lat": contact.lat, "lng": contact.lng} if has_point else None,
        "phones": phones,
        "email": contact.email,
        "website": contact.website,
        "online_report_url": contact.online_report_url,
        "opening_hours": contact.opening_hours,
        "open_24_7": contact.open_24_7,
        "languages": list(contact.languages or []),
        "barrier_free": contact.barrier_free,
        "anonymous": contact.anonymous,
        "free_of_charge": contact.free_of_charge,
        "source_url": contact.source_url,
        "last_verified": contact.last_verified.isoformat() if contact.last_verified else None,
        "updated_at": contact.updated_at.isoformat() if contact.updated_at else None,
        "description_de": contact.description_de,
        "description_en": contact.description_en,
        "search_folded": folded_text(
            contact.name, organisation, contact.street, contact.town, contact.description_de,
            " ".join(k.name_de for k in kinds), " ".join(i.name_de for i in incidents),
        ),
    }


def documents(ids: Iterable[int] | None = None, *, chunk: int = 1000) -> Iterator[list[dict]]:
    """Documents of active contacts (all, or those among `ids`), in chunks."""
    queryset = contacts_for_index()
    if ids is None:
        pks = list(queryset.values_list("id", flat=True))
    else:
        pks = sorted(set(queryset.filter(id__in=list(ids)).values_list("id", flat=True)))
    for start in range(0, len(pks), chunk):
        batch = contacts_for_index().filter(id__in=pks[start : start + chunk])
        yield [contact_document(contact) for contact in batch]
