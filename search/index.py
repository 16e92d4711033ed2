"""The index's settings: what is searched, filtered and sorted, ranking, synonyms.

The documents are built in search/documents.py, their German text in search/german.py.
"""

from __future__ import annotations

import hashlib
import json

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
    "all_incidents",
    "kinds",
    "target_groups",
    "free_of_charge",
    "anonymous",
    "barrier_free",
    "open_24_7",
    "_geo",
]
SORTABLE = ["_geo", "name_sort"]

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
        # "scope_rank:asc" first: the result groups follow from a contact's scope
        # (search/documents.py SCOPE_RANK), so one query lists the near/regional group
        # whole, then the state-wide, then the nationwide one, and inside each group the
        # order is exactly that of a query for that group alone (search/engine.py).
        "rankingRules": ["scope_rank:asc", "words", "typo", "sort", "proximity", "attribute", "exactness"],
        "synonyms": synonyms(),
        "stopWords": [],
        "typoTolerance": {"enabled": True, "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9}},
        # Facet values come back ordered by count: sorting them alphabetically cost up to
        # 20 ms per request at 20,000 contacts (measured), and search/engine.py orders the
        # facets by the reference taxonomies anyway. Every facet has fewer than 100 values.
        "faceting": {"maxValuesPerFacet": 100, "sortFacetValuesBy": {"*": "count"}},
        # Exact totals for the groups; the directory is far below this.
        "pagination": {"maxTotalHits": 100000},
        # Indexing 20,000 documents took 11.8 s with byWord proximity and facet search on,
        # 7.2 s without both (measured on 1.21). Word proximity inside one attribute adds
        # little for names of a few words, and we never search within facet values.
        "proximityPrecision": "byAttribute",
        "facetSearch": False,
    }


def settings_fingerprint(value: dict | None = None) -> str:
    return hashlib.sha256(json.dumps(value or index_settings(), sort_keys=True).encode()).hexdigest()[:16]
