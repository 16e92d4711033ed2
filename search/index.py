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
import importlib.util
import json
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

import phonenumbers
from django.db.models import Prefetch, QuerySet

from directory.models import Channel, Contact, ContactKind, District, IncidentType, Phone, State, TargetGroup
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
FACETS = ["incident_types", "all_incidents", "kinds", "target_groups", "scope", "free_of_charge", "anonymous", "barrier_free", "open_24_7"]

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


WORD = re.compile(r"[^\W\d_]{8,}", re.UNICODE)
# char_split scores range roughly -2..1; below this a split is a guess (Erfurt → Erf|urt).
SPLIT_THRESHOLD = 0.5


class _NgramTable:
    """compound_split's German n-gram probabilities, read from a SQLite copy.

    The package keeps them in a 39 MB Python module whose import costs ~6 s per process
    (issue 4 benchmark: paid by every import and every index rebuild). The copy is written
    once per machine (COMPOUND_CACHE_DIR, default ~/.cache/lotse; keyed by the package's
    data file, so an upgrade writes a new one) and each word then costs one indexed query.
    If the directory is not writable, the package module is used as before.
    """

    def __init__(self):
        self._local = threading.local()
        self._path: Path | None = None
        self._module = None
        # A forked child must not use its parent's SQLite connections: it opens its own.
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._forget_connections)

    def _forget_connections(self) -> None:
        self._local = threading.local()

    @staticmethod
    def _source() -> Path:
        spec = importlib.util.find_spec("compound_split.de_ngram_probs")
        return Path(spec.origin)

    def path(self) -> Path:
        if self._path is None:
            from django.conf import settings

            source = self._source()
            stat = source.stat()
            stamp = hashlib.sha256(f"{source}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:16]
            directory = Path(getattr(settings, "COMPOUND_CACHE_DIR", None) or Path.home() / ".cache" / "lotse")
            self._path = directory / f"compound-de-{stamp}.sqlite3"
        return self._path

    def _build(self, path: Path) -> None:
        from compound_split import de_ngram_probs

        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
        rows = sorted(
            (ngram, kind, prob)
            for kind, table in enumerate((de_ngram_probs.prefix, de_ngram_probs.infix, de_ngram_probs.suffix))
            for ngram, prob in table.items()
        )
        db = sqlite3.connect(partial)
        try:
            # A scratch file until the rename below: no journal needed.
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            db.execute("CREATE TABLE ngram (ngram TEXT NOT NULL, kind INTEGER NOT NULL, prob REAL NOT NULL, PRIMARY KEY (ngram, kind)) WITHOUT ROWID")
            db.executemany("INSERT INTO ngram VALUES (?, ?, ?)", rows)
            db.commit()
        finally:
            db.close()
        os.replace(partial, path)  # atomic: readers never see a half-written table

    def _connection(self) -> sqlite3.Connection | None:
        db = getattr(self._local, "db", None)
        if db is None and self._module is None:
            try:
                path = self.path()
                if not path.exists():
                    self._build(path)
                db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
                self._local.db = db
            except (OSError, sqlite3.Error):
                from compound_split import de_ngram_probs

                self._module = de_ngram_probs
        return db

    def lookup(self, prefixes: set[str], infixes: set[str], suffixes: set[str]) -> tuple[dict, dict, dict]:
        db = self._connection()
        if db is None:
            m = self._module
            return ({k: m.prefix[k] for k in prefixes if k in m.prefix}, {k: m.infix[k] for k in infixes if k in m.infix},
                    {k: m.suffix[k] for k in suffixes if k in m.suffix})
        found: tuple[dict, dict, dict] = ({}, {}, {})
        wanted = sorted(prefixes | infixes | suffixes)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            sql = f"SELECT ngram, kind, prob FROM ngram WHERE ngram IN ({','.join('?' * len(chunk))})"
            for ngram, kind, prob in db.execute(sql, chunk):
                found[kind][ngram] = prob
        return found


_NGRAMS = _NgramTable()


def compound_table_prepare() -> tuple[Path, bool]:
    """Write the splitter's SQLite copy now if it is missing (e.g. at deploy time, so the
    first import does not pay ~20 s for it). Returns its path and whether it was built."""
    path = _NGRAMS.path()
    if path.exists():
        return path, False
    _NGRAMS._build(path)
    return path, True


def _cut_off_fugen_s(word: str) -> str:
    # compound_split.char_split.cut_off_fugen_s
    if word.endswith(("ts", "gs", "ks", "hls", "ns")) and len(word) > 3:
        return word[:-1]
    return word


def _ngrams_of(word: str) -> tuple[dict, dict, dict]:
    positions = range(3, len(word) - 2)
    pres = {n: _cut_off_fugen_s(word[:n]) for n in positions}
    starts = {n: _cut_off_fugen_s(word[n:]) for n in positions}
    ins = {n: [word[n:k] for k in range(len(word), n + 2, -1)] for n in positions}
    return pres, starts, ins


def compounds_prefetch(words: Iterable[str]) -> None:
    """Look up the n-grams of many words at once (a few queries instead of one per word)
    and remember their splits; split_compound then answers from memory."""
    if len(_SPLITS) > 200_000:
        _SPLITS.clear()  # bounded, like the lru_caches below
    todo = {w.lower() for w in words if "-" not in w} - set(_SPLITS)
    todo = {w for w in todo if len(w) > 5}
    if not todo:
        return
    grams = {w: _ngrams_of(w) for w in todo}
    prefixes = {g for pres, starts, ins in grams.values() for g in starts.values()}
    suffixes = {g for pres, starts, ins in grams.values() for g in pres.values()}
    infixes = {g for pres, starts, ins in grams.values() for gs in ins.values() for g in gs}
    tables = _NGRAMS.lookup(prefixes, infixes, suffixes)
    for word, parts in grams.items():
        _SPLITS[word] = _scores(word, parts, tables)


_SPLITS: dict[str, list[tuple[float, str, str]]] = {}


def split_compound(word: str) -> list[tuple[float, str, str]]:
    """compound_split.char_split.split_compound(word) for German, best split first, with
    the n-grams looked up in the SQLite copy (tests/importers/test_index_documents.py
    compares)."""
    word = word.lower()
    if "-" in word:
        hyphen = word.rfind("-")
        return [(1.0, word[:hyphen].title(), word[hyphen + 1 :].title())]
    if word in _SPLITS:
        return list(_SPLITS[word])
    positions = range(3, len(word) - 2)
    if not positions:
        return [(0, word.title(), word.title())]
    parts = _ngrams_of(word)
    pres, starts, ins = parts
    tables = _NGRAMS.lookup(set(starts.values()), {g for grams in ins.values() for g in grams}, set(pres.values()))
    return _scores(word, parts, tables)


def _scores(word: str, parts: tuple[dict, dict, dict], tables: tuple[dict, dict, dict]) -> list[tuple[float, str, str]]:
    pres, starts, ins = parts
    prefix, infix, suffix = tables
    positions = range(3, len(word) - 2)
    if not positions:
        return [(0, word.title(), word.title())]
    scores = []
    for n in positions:
        in_prob = min(infix.get(g, 1) for g in ins[n])
        scores.append((prefix.get(starts[n], -1) - in_prob + suffix.get(pres[n], -1), word[:n].title(), word[n:].title()))
    scores.sort(reverse=True)
    return scores


@lru_cache(maxsize=100_000)
def compound_parts(word: str) -> tuple[str, ...]:
    """The parts of a German compound, recursively: Hasskriminalität → Hass, Kriminalität."""
    try:
        candidates = split_compound(word)
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


@lru_cache(maxsize=100_000)
def _word_terms(word: str) -> tuple[str, ...]:
    """A word's compound parts, each followed by its transliteration (cached per word)."""
    terms: list[str] = []
    for part in compound_parts(word):
        terms += [part, german_fold(part)]
    return tuple(terms)


ANY_WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=200_000)
def _token_terms(token: str) -> tuple[str, str | None, tuple[str, ...]]:
    """One word (a run of word characters): its lowercase form, its transliteration if that
    differs, and the compound terms of its long letter runs. Cached per word: names and
    descriptions are unique texts, but their words recur (issue 4 benchmark)."""
    folded = german_fold(token)
    compounds: tuple[str, ...] = ()
    for word in WORD.findall(token):
        compounds += _word_terms(word)
    return token.lower(), folded if folded != token else None, compounds


@lru_cache(maxsize=65_536)
def _text_terms(text: str) -> tuple[frozenset[str], tuple[tuple[str, str], ...]]:
    """One text's own words (lowercase), and the (term, lowercase key) pairs it adds: the
    transliteration of each word that changes by it, then its long words' compound parts.
    Cached per text: streets, towns, organisations and labels repeat across contacts."""
    own = set()
    folds: list[str] = []
    compounds: list[str] = []
    for token in ANY_WORD.findall(text):
        lower, folded, parts = _token_terms(token)
        own.add(lower)
        if folded is not None:
            folds.append(folded)
        compounds += parts
    return frozenset(own), tuple((term, term.lower()) for term in folds + compounds)


def folded_text_prefetch(texts: Iterable[str]) -> None:
    """Split the compounds of many texts in one go before folded_text is called on them."""
    compounds_prefetch({word for text in texts if text for word in WORD.findall(text)})


def folded_text(*texts: str) -> str:
    """The `search_folded` field: transliterations and compound parts of the texts, only
    those that none of the texts holds as a word already. The words themselves are
    searched in their own attributes; repeating them here made Meilisearch index a
    20,000-contact import ~0.8 s longer (issue 4 benchmark) and found nothing more."""
    own: set[str] = set()
    added = []
    for text in texts:
        if text:
            words, terms = _text_terms(text)
            own |= words
            added.append(terms)
    chosen: dict[str, str] = {}
    for terms in added:
        for term, key in terms:
            if key not in own and key not in chosen:
                chosen[key] = term
    return " ".join(chosen.values())


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
        "all_incidents": contact.all_incidents,
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


DOCUMENT_FIELDS = [
    "id", "uuid", "slug", "name", "organisation__name", "scope", "all_incidents", "street", "postcode", "town", "district_id", "lat",
    "lng", "email", "website", "online_report_url", "opening_hours", "open_24_7", "languages", "barrier_free",
    "anonymous", "free_of_charge", "source_url", "last_verified", "updated_at", "description_de", "description_en",
]
TERM_RELATIONS = {"kinds": ContactKind, "incident_types": IncidentType, "target_groups": TargetGroup, "channels": Channel}


class _Related:
    """The small tables a document refers to, loaded once per documents() call: with them,
    a chunk of documents costs one query per relation instead of model instances per row."""

    def __init__(self):
        # term id → (position, slug) sort key, slug, name_de, name_en (Term.Meta.ordering)
        self.terms = {
            name: {pk: ((position, slug), slug, de, en) for pk, position, slug, de, en in
                   model.objects.values_list("id", "position", "slug", "name_de", "name_en")}
            for name, model in TERM_RELATIONS.items()
        }
        self.states = dict(State.objects.values_list("id", "code"))
        self.districts = {pk: (ags, code) for pk, ags, code in District.objects.values_list("id", "ags", "state__code")}

    def pairs(self, name: str, ids: list[int]) -> dict[int, list[int]]:
        through = Contact._meta.get_field(name).remote_field.through
        target = Contact._meta.get_field(name).m2m_reverse_field_name() + "_id"
        related: dict[int, list[int]] = {}
        for contact_id, target_id in _among(through.objects.all(), "contact_id", ids).values_list("contact_id", target):
            related.setdefault(contact_id, []).append(target_id)
        return related


def _among(queryset: QuerySet, column: str, ids: list[int]) -> QuerySet:
    """queryset filtered to `column` in `ids` (sorted). A dense run of ids (an import's new
    contacts) becomes a range: Django spends ~0.3 ms per value preparing a long IN list,
    which was seconds for a 20,000-contact import (issue 4 benchmark). Callers that need
    exactly `ids` drop the surplus rows of a range themselves."""
    if ids and ids[-1] - ids[0] < 2 * len(ids):
        return queryset.filter(**{f"{column}__gte": ids[0], f"{column}__lte": ids[-1]})
    return queryset.filter(**{f"{column}__in": ids})


def _documents_chunk(ids: list[int], related: _Related) -> list[dict]:
    """contact_document for each active contact among `ids`, built from value rows."""
    wanted = set(ids)
    rows = [
        row for row in _among(Contact.objects.filter(active=True), "id", ids).order_by("id").values(*DOCUMENT_FIELDS)
        if row["id"] in wanted
    ]
    ids = [row["id"] for row in rows]
    folded_text_prefetch(text for row in rows for text in (row["name"], row["organisation__name"], row["street"], row["town"], row["description_de"]))
    relations = {name: related.pairs(name, ids) for name in (*TERM_RELATIONS, "states", "districts")}
    phones: dict[int, list[dict]] = {}
    for contact_id, label, number in (
        _among(Phone.objects.all(), "contact_id", ids).order_by("contact_id", "position", "id").values_list("contact_id", "label", "number")
    ):
        phones.setdefault(contact_id, []).append({"label": label, "number": number, "display": _phone_display(number)})
    return [_document(row, relations, phones.get(row["id"], []), related) for row in rows]


def related_tables() -> _Related:
    """The reference tables documents refer to, for document_from_values."""
    return _Related()


def document_from_values(row: dict, relation_ids: dict[str, list[int]], phones: list[tuple[str, str]], related: _Related) -> dict:
    """The document of one contact from values held in memory (an import's plan), without
    reading it back: `row` has the DOCUMENT_FIELDS keys as Contact.values() returns them,
    `relation_ids` the target ids of kinds, incident_types, target_groups, channels,
    states and districts, `phones` (label, number) in order. The same dict as
    contact_document (tests/importers/test_index_documents.py proves it)."""
    pk = row["id"]
    relations = {name: {pk: relation_ids.get(name, [])} for name in (*TERM_RELATIONS, "states", "districts")}
    return _document(row, relations, [{"label": label, "number": number, "display": _phone_display(number)} for label, number in phones], related)


def _phone_display(number: str) -> str:
    """phone_display without phonenumbers.parse for the common case, a German E.164 number
    (+49 and a national number not starting with 0): parse would only rebuild exactly this
    PhoneNumber, and it is most of phone_display's cost (~0.3 ms a number)."""
    if number.startswith("+49") and number[3:4] not in ("", "0") and number[3:].isdigit():
        parsed = phonenumbers.PhoneNumber(country_code=49, national_number=int(number[3:]))
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phone_display(number)


def _document(row: dict, relations: dict, phones: list[dict], related: _Related) -> dict:
    """The same dict as contact_document(contact) (tests/search/test_documents.py proves it)."""
    pk = row["id"]
    terms = {}
    for name in TERM_RELATIONS:
        table = related.terms[name]
        terms[name] = sorted((table[t] for t in relations[name].get(pk, ())), key=lambda term: term[0])
    kinds, incidents = terms["kinds"], terms["incident_types"]
    covered = [related.districts[d] for d in relations["districts"].get(pk, ())]
    if row["scope"] in ("district", "local"):
        states = sorted({code for _, code in covered})
    else:
        states = sorted(related.states[s] for s in relations["states"].get(pk, ()))
    organisation = row["organisation__name"] or ""
    lat, lng = row["lat"], row["lng"]
    return {
        "id": pk,
        "uuid": str(row["uuid"]),
        "slug": row["slug"],
        "name": row["name"],
        "name_sort": german_fold(row["name"]).lower(),
        "organisation": organisation,
        "kinds": [k[1] for k in kinds],
        "kind_labels": [k[2] for k in kinds] + [k[3] for k in kinds],
        "incident_types": [i[1] for i in incidents],
        "all_incidents": row["all_incidents"],
        "incident_labels": [i[2] for i in incidents] + [i[3] for i in incidents],
        "target_groups": [t[1] for t in terms["target_groups"]],
        "channels": [c[1] for c in terms["channels"]],
        "scope": row["scope"],
        "states": states,
        "districts": sorted(ags for ags, _ in covered),
        "street": row["street"],
        "postcode": row["postcode"],
        "town": row["town"],
        "location_district": related.districts[row["district_id"]][0] if row["district_id"] else None,
        "lat": lat,
        "lng": lng,
        "_geo": {"lat": lat, "lng": lng} if lat is not None and lng is not None else None,
        "phones": phones,
        "email": row["email"],
        "website": row["website"],
        "online_report_url": row["online_report_url"],
        "opening_hours": row["opening_hours"],
        "open_24_7": row["open_24_7"],
        "languages": list(row["languages"] or []),
        "barrier_free": row["barrier_free"],
        "anonymous": row["anonymous"],
        "free_of_charge": row["free_of_charge"],
        "source_url": row["source_url"],
        "last_verified": row["last_verified"].isoformat() if row["last_verified"] else None,
        "updated_at": row["updated_at"].isoformat() if row["updated_at"] else None,
        "description_de": row["description_de"],
        "description_en": row["description_en"],
        "search_folded": folded_text(
            row["name"], organisation, row["street"], row["town"], row["description_de"],
            " ".join(k[2] for k in kinds), " ".join(i[2] for i in incidents),
        ),
    }


def documents(ids: Iterable[int] | None = None, *, chunk: int = 1000) -> Iterator[list[dict]]:
    """Documents of active contacts (all, or those among `ids`), in chunks.

    Built from value rows with the small reference tables loaded once: model instances and
    prefetch_related cost about 2 ms per contact, which made a 20,000-row import wait
    ~45 s for its documents (issue 4 benchmark).
    """
    queryset = Contact.objects.filter(active=True)
    if ids is None:
        pks = list(queryset.order_by("id").values_list("id", flat=True))
    else:
        wanted = sorted({int(pk) for pk in ids})
        keep = set(wanted)
        pks = []
        for start in range(0, len(wanted), 5000):
            pks += (pk for pk in _among(queryset, "id", wanted[start : start + 5000]).values_list("id", flat=True) if pk in keep)
        pks.sort()
    if not pks:
        return
    related = _Related()
    for start in range(0, len(pks), chunk):
        yield _documents_chunk(pks[start : start + chunk], related)
