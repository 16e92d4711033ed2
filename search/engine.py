"""Run a SearchQuery: Meilisearch first, the database when it cannot answer (degraded).

    from search.engine import search
    result = search(parse_query(request.GET))

Both executors (`MeilisearchExecutor`, `DatabaseExecutor`) take the same query and return
the same `SearchResult`; `search()` decides the fallback in one place: Meilisearch
unreachable, answering with an error, or slower than settings.MEILISEARCH_TIMEOUT → the
database answers and `result.degraded` is True. After a failure the database answers for
settings.SEARCH_RETRY_AFTER seconds before Meilisearch is tried again.

Coverage rule (DESIGN.md "Coverage is not location"). With a place (near= or district=,
giving districts D in states S):
    near      district/local contacts covering any of D (plus, with radius=, those located
              within radius km of the point); ordered by distance when a point is known
    state     state-wide contacts of S (never another state's)
    national  nationwide contacts
With only state=S: `regional` (district/local contacts in S), `state` (S), `national`.
Without a place: `regional` (all district/local), `state` (all state-wide), `national`.
Every group is filtered alike by q, incident (any of, or a contact that helps with all
incidents), kind (any of), target (that group or "everyone"), and the flags; each group is
paged by page/per_page on its own. A contact's group follows from its scope alone (the
coverage filter admits only contacts that cover the place), so Meilisearch answers a search
with one query (MeilisearchExecutor), the later groups' pages from small cached queries.

SearchResult (see `SearchResult.to_dict()`, the JSON of GET /api/v1/search/):
    query        the SearchQuery (to_params() for links)
    groups       [Group(key, hits, total)] in the order above; key in near|regional|state|national
    facets       {"incident_types": {slug: n}, "kinds": {slug: n}, "target_groups": {slug: n},
                  "scope": {scope: n}, "flags": {"free"|"anonymous"|"barrier_free"|"open_24_7": n}}
                 counted over all groups together (values in reference order, zeros left out)
    page, per_page, total (all groups), total_pages (of the largest group)
    degraded     True when the database answered (no typo tolerance then)
    engine       "meilisearch" or "database"

A hit is a plain dict (search/documents.py: a document without INDEX_ONLY_FIELDS):
    id, uuid, slug, name, organisation, kinds [slug], incident_types [slug], all_incidents,
    target_groups [slug], channels [slug], scope (national|state|district|local),
    states [code], districts [AGS], street, postcode, town, location_district (AGS|None),
    lat, lng, _geo {lat, lng}|None, phones [{label, number (E.164 or short), display}],
    email, website, online_report_url, opening_hours, open_24_7, languages [code],
    barrier_free, anonymous, free_of_charge (True|False|None), source_url,
    last_verified (ISO date|None), updated_at, description_de, description_en,
    distance_km (float, when the query has a point and the contact has one; else None)
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, ExpressionWrapper, F, FloatField, Q, QuerySet, Value
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt

from directory.geo import EARTH_RADIUS_KM, distance_km
from directory.models import Contact, District, Scope, State
from directory.text import german_fold
from search import cache as result_cache
from search import client
from search.client import MeiliError, MeiliUnavailable
from search.documents import HIT_FIELDS, documents
from search.query import FLAGS, SearchQuery, codes

logger = logging.getLogger(__name__)

FLAG_FIELDS = {"free": "free_of_charge", "anonymous": "anonymous", "barrier_free": "barrier_free", "open_24_7": "open_24_7"}
LOCAL_SCOPES = (Scope.DISTRICT.value, Scope.LOCAL.value)
EVERYONE = "everyone"


@dataclass
class Group:
    key: str
    hits: list[dict]
    total: int

    def to_dict(self) -> dict:
        return {"key": self.key, "total": self.total, "hits": self.hits}


@dataclass
class SearchResult:
    query: SearchQuery
    groups: list[Group]
    facets: dict
    degraded: bool = False
    engine: str = "meilisearch"
    took_ms: float = 0.0

    @property
    def page(self) -> int:
        return self.query.page

    @property
    def per_page(self) -> int:
        return self.query.per_page

    @property
    def total(self) -> int:
        return sum(group.total for group in self.groups)

    @property
    def total_pages(self) -> int:
        largest = max((group.total for group in self.groups), default=0)
        return max(1, -(-largest // self.per_page))

    def group(self, key: str) -> Group | None:
        return next((g for g in self.groups if g.key == key), None)

    def ids(self) -> list[int]:
        return [hit["id"] for group in self.groups for hit in group.hits]

    def to_dict(self) -> dict:
        params: dict[str, list[str]] = {}
        for name, value in self.query.to_params():
            params.setdefault(name, []).append(value)
        query = {name: (values if name in ("incident", "kind") else values[0]) for name, values in params.items()}
        place = None
        if self.query.has_place:
            place = {
                "label": self.query.near_label or self.query.district,
                "lat": self.query.lat,
                "lng": self.query.lng,
                "district": self.query.near_district or self.query.district,
                "districts": list(self.query.districts),
                "states": list(self.query.states),
            }
        return {
            "query": query,
            "place": place,
            "degraded": self.degraded,
            "engine": self.engine,
            "page": self.page,
            "per_page": self.per_page,
            "total": self.total,
            "total_pages": self.total_pages,
            "groups": [group.to_dict() for group in self.groups],
            "facets": self.facets,
        }


# --- the plan shared by both executors ------------------------------------------------

@dataclass(frozen=True)
class GroupPlan:
    key: str
    scopes: tuple[str, ...]
    districts: tuple[str, ...] = ()  # covering any of these
    states: tuple[str, ...] = ()  # (state scope: covered; local scopes: districts' states)
    radius_km: float | None = None  # or located within this distance of the point
    by_distance: bool = False


def plan(query: SearchQuery) -> list[GroupPlan]:
    if query.has_place:
        states = query.states
        return [
            GroupPlan("near", LOCAL_SCOPES, districts=query.districts, radius_km=query.radius,
                      by_distance=query.point is not None),
            GroupPlan("state", (Scope.STATE.value,), states=states),
            GroupPlan("national", (Scope.NATIONAL.value,)),
        ]
    states = (query.state,) if query.state else ()
    return [
        GroupPlan("regional", LOCAL_SCOPES, states=states),
        GroupPlan("state", (Scope.STATE.value,), states=states),
        GroupPlan("national", (Scope.NATIONAL.value,)),
    ]


def target_values(query: SearchQuery) -> tuple[str, ...]:
    # A contact for "everyone" serves officials too: leaving it out would hide help.
    if not query.target:
        return ()
    return tuple(dict.fromkeys([query.target, EVERYONE]))


def _known(values, allowed) -> tuple[str, ...]:
    """Defence in depth: only reference codes ever reach a filter, whatever built the query."""
    allowed = set(allowed)
    for value in values:
        if value not in allowed:
            raise ValueError(f"{value!r} is not a known code")
    return tuple(values)


# --- Meilisearch ------------------------------------------------------------------------

def filter_value(value: str) -> str:
    """A quoted filter value, escaped per MEILISEARCH.md §3 (backslash first, then quote)."""
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _in(attribute: str, values) -> str:
    return f"{attribute} IN [{', '.join(filter_value(v) for v in values)}]"


def common_filter(query: SearchQuery) -> list[str]:
    known = codes()
    parts = []
    if query.incidents:
        # A general helper (all_incidents) is shown whatever the incident (issue 15).
        parts.append(f'{_in("incident_types", _known(query.incidents, known.incidents))} OR all_incidents = true')
    if query.kinds:
        parts.append(_in("kinds", _known(query.kinds, known.kinds)))
    if query.target:
        parts.append(_in("target_groups", _known(target_values(query), known.targets)))
    for flag in FLAGS:
        if getattr(query, flag):
            parts.append(f"{FLAG_FIELDS[flag]} = true")
    return parts


def _coverage_parts(query: SearchQuery, group: GroupPlan) -> list[str]:
    """The group's coverage: its scopes and the places they must cover."""
    known = codes()
    coverage = [_in("scope", group.scopes)]
    if group.districts:
        covering = _in("districts", _known(group.districts, known.state_by_district))
        if group.radius_km is not None and query.point is not None:
            lat, lng = query.point
            covering = f"{covering} OR _geoRadius({lat:.6f}, {lng:.6f}, {int(group.radius_km * 1000)})"
        coverage.append(covering)
    if group.states:
        coverage.append(_in("states", _known(group.states, known.states)))
    return coverage


def _coverage(query: SearchQuery, group: GroupPlan) -> str:
    # Parentheses everywhere: AND binds tighter than OR (MEILISEARCH.md §2).
    return " AND ".join(f"({part})" for part in _coverage_parts(query, group))


def group_filter(query: SearchQuery, group: GroupPlan) -> str:
    return " AND ".join(f"({part})" for part in [*_coverage_parts(query, group), *common_filter(query)])


def group_sort(query: SearchQuery, group: GroupPlan) -> list[str]:
    if group.by_distance:
        lat, lng = query.point
        return [f"_geoPoint({lat:.6f}, {lng:.6f}):asc", "name_sort:asc"]
    return ["name_sort:asc"]


FACETS = ["incident_types", "all_incidents", "kinds", "target_groups", "scope", *FLAG_FIELDS.values()]


def group_key(query: SearchQuery, scope: str) -> str:
    """The group a hit belongs to, from its own scope: the coverage filter admits only
    contacts that cover the place, so district and local contacts are the near group (in
    radius mode also those of other districts within the radius: the same scopes), and
    without a place the regional group."""
    if scope in LOCAL_SCOPES:
        return "near" if query.has_place else "regional"
    return scope


def search_request(query: SearchQuery) -> dict:
    """The one query of a search: every group's coverage at once, with the facets.

    The index ranks by scope_rank first (search/index.py), so the hits list the first
    group (near/regional) whole, then the state-wide and the nationwide group, each in the
    order its own query would give (the other rules, and the sort, rank inside a group).
    The first group's page is the window offset…offset+per_page; the facet distribution
    gives every group's total (the scope counts) and the facets of all groups together.
    """
    groups = plan(query)
    coverage = " OR ".join(f"({_coverage(query, group)})" for group in groups)
    return {
        "indexUid": settings.MEILISEARCH_INDEX,
        "q": query.q,
        "filter": " AND ".join(f"({part})" for part in [coverage, *common_filter(query)]),
        "sort": group_sort(query, groups[0]),
        "offset": query.offset,
        "limit": query.per_page,
        "attributesToRetrieve": HIT_FIELDS,
        "facets": FACETS,
    }


def page_request(query: SearchQuery, group: GroupPlan) -> dict:
    """One group's page alone, without facets or an exact count: for a group after the
    first, whose page the one query's window does not hold. Place-independent for the
    nationwide group, shared by every search in a state for the state-wide one: the result
    cache keeps them."""
    return {
        "indexUid": settings.MEILISEARCH_INDEX,
        "q": query.q,
        "filter": group_filter(query, group),
        "sort": group_sort(query, group),
        "offset": query.offset,
        "limit": query.per_page,
        "attributesToRetrieve": HIT_FIELDS,
    }


def meili_request(query: SearchQuery) -> dict:
    """The multi-search body of a search nobody made before (no cached results): the one
    query, and the page queries of the later groups (benchmarks send it raw)."""
    return {"queries": [search_request(query), *(page_request(query, g) for g in plan(query)[1:])]}


def _group_totals(query: SearchQuery, groups: list[GroupPlan], distribution: dict) -> dict[str, int]:
    totals = {group.key: 0 for group in groups}
    for scope, count in (distribution.get("scope") or {}).items():
        totals[group_key(query, scope)] += count
    return totals


class MeilisearchExecutor:
    """Asks Meilisearch one query for a search, plus the pages of the later groups.

    The one query (search_request) answers the first group's page, every group's total
    and the facets. The pages of the state-wide and nationwide groups come from their own
    small queries (page_request), sent in the same multi-search unless the result cache
    holds them (search/cache.py: they recur across searches, the nationwide one in every
    search with the same filters). When the one query's answer is cached, its totals say
    which later groups have hits on this page: only those are asked for.
    """

    name = "meilisearch"

    def __init__(self, *, use_cache: bool = True):
        self.use_cache = use_cache

    def run(self, query: SearchQuery) -> SearchResult:
        groups_plan = plan(query)
        bodies = [search_request(query), *(page_request(query, g) for g in groups_plan[1:])]
        cache = result_cache.results() if self.use_cache else None
        results: list[dict | None] = [None] * len(bodies)
        keys: list[bytes] = []
        generation: tuple = ()
        if cache is not None:
            generation = result_cache.generation()
            keys = [result_cache.key_for(body) for body in bodies]
            results = [cache.get(key, generation) for key in keys]
        missing = [i for i, result in enumerate(results) if result is None]
        if results[0] is not None:
            totals = _group_totals(query, groups_plan, results[0]["facetDistribution"])
            for i, group in enumerate(groups_plan[1:], start=1):
                if results[i] is None and totals[group.key] <= query.offset:
                    results[i] = {"hits": []}
                    missing.remove(i)
        if missing:
            body = client.call("POST", "/multi-search", json={"queries": [bodies[i] for i in missing]},
                               timeout=settings.MEILISEARCH_TIMEOUT)
            for i, answer in zip(missing, body["results"]):
                results[i] = {"hits": answer.get("hits") or []}
                if i == 0:
                    results[i]["facetDistribution"] = answer.get("facetDistribution") or {}
                if cache is not None:
                    cache.put(keys[i], generation, results[i])
        distribution = results[0]["facetDistribution"]
        totals = _group_totals(query, groups_plan, distribution)
        first = groups_plan[0].key
        groups = [Group(first, [_hit(h, query) for h in results[0]["hits"] if group_key(query, h["scope"]) == first],
                        totals[first])]
        for group, result in zip(groups_plan[1:], results[1:]):
            groups.append(Group(group.key, [_hit(h, query) for h in result["hits"]], totals[group.key]))
        return SearchResult(query, groups, _facets(distribution), engine=self.name)


def _hit(document: dict, query: SearchQuery) -> dict:
    """A hit from a document of HIT_FIELDS (attributesToRetrieve, or the database path's
    documents), which the caller owns: the result cache hands out fresh copies."""
    document.pop("_geoDistance", None)  # Meilisearch adds it to geo-sorted hits regardless
    document["distance_km"] = _distance(document, query)
    return document


def _distance(hit: dict, query: SearchQuery) -> float | None:
    if query.point is None or hit.get("lat") is None or hit.get("lng") is None:
        return None
    return round(distance_km(query.lat, query.lng, hit["lat"], hit["lng"]), 2)


def _facets(distribution: dict) -> dict:
    known = codes()

    def ordered(counts: dict, order) -> dict:
        return {value: counts[value] for value in order if counts.get(value)}

    # A contact for all incidents has no incident types of its own (directory.models), so
    # it adds exactly one to every incident's count: the count a filter by it would show.
    general = distribution.get("all_incidents", {}).get("true", 0)
    incidents = {slug: distribution.get("incident_types", {}).get(slug, 0) + general for slug in known.incidents}
    return {
        "incident_types": ordered(incidents, known.incidents),
        "kinds": ordered(distribution.get("kinds", {}), known.kinds),
        "target_groups": ordered(distribution.get("target_groups", {}), known.targets),
        "scope": ordered(distribution.get("scope", {}), Scope.values),
        "flags": {
            flag: distribution.get(attr, {}).get("true", 0)
            for flag, attr in FLAG_FIELDS.items()
            if distribution.get(attr, {}).get("true", 0)
        },
    }


# --- the database -----------------------------------------------------------------------

TEXT_FIELDS = ("name", "organisation__name", "description_de", "description_en", "town", "street",
               "kinds__name_de", "kinds__name_en", "incident_types__name_de", "incident_types__name_en")


def _text_q(q: str) -> Q:
    """Every word must occur in some text field (substring, so compounds match too)."""
    condition = Q()
    for word in q.split():
        variants = {word, german_fold(word)}
        if "ss" in word.lower():
            variants.add(word.lower().replace("ss", "ß"))
        word_q = Q()
        for variant in variants:
            for name in TEXT_FIELDS:
                word_q |= Q(**{f"{name}__icontains": variant})
        condition &= Q(id__in=Contact.objects.filter(word_q).values("id"))
    return condition


def _covering(through, field: str, keys) -> Q:
    """Contacts with a through-table row for these reference rows: nested subqueries on the
    through table, no joins back to the contacts (half the time of the joined form at 20k
    contacts on SQLite; reference keys, not cached ids, so a reloaded reference is fine)."""
    return Q(id__in=through.objects.filter(**{f"{field}__in": keys}).values("contact_id"))


def _group_q(query: SearchQuery, group: GroupPlan) -> Q:
    known = codes()
    condition = Q(active=True, scope__in=group.scopes)
    if group.districts:
        districts = District.objects.filter(ags__in=_known(group.districts, known.state_by_district)).values("id")
        covering = _covering(Contact.districts.through, "district_id", districts)
        if group.radius_km is not None and query.point is not None:
            covering |= Q(id__in=_within(query.lat, query.lng, group.radius_km))
        condition &= covering
    if group.states:
        states = State.objects.filter(code__in=_known(group.states, known.states)).values("id")
        if group.scopes == (Scope.STATE.value,):
            condition &= _covering(Contact.states.through, "state_id", states)
        else:
            districts = District.objects.filter(state_id__in=states).values("id")
            condition &= _covering(Contact.districts.through, "district_id", districts)
    return condition


def _within(lat: float, lng: float, radius_km: float) -> list[int]:
    box = radius_km / 111.0 + 0.01
    lng_box = box / max(math.cos(math.radians(lat)), 0.1)
    candidates = Contact.objects.filter(
        active=True, lat__range=(lat - box, lat + box), lng__range=(lng - lng_box, lng + lng_box)
    ).values_list("id", "lat", "lng")
    return [pk for pk, a, b in candidates if distance_km(lat, lng, a, b) <= radius_km]


def _common_q(query: SearchQuery) -> Q:
    condition = Q()
    if query.incidents:
        condition &= Q(id__in=Contact.objects.filter(incident_types__slug__in=query.incidents).values("id")) | Q(all_incidents=True)
    if query.kinds:
        condition &= Q(id__in=Contact.objects.filter(kinds__slug__in=query.kinds).values("id"))
    if query.target:
        condition &= Q(id__in=Contact.objects.filter(target_groups__slug__in=target_values(query)).values("id"))
    for flag in FLAGS:
        if getattr(query, flag):
            condition &= Q(**{FLAG_FIELDS[flag]: True})
    if query.q:
        condition &= _text_q(query.q)
    return condition


def contacts_condition(query: SearchQuery) -> Q:
    """Every contact the query finds, over all its groups, as one database condition.

    For callers that list contacts rather than grouped hits (the API's contacts/ list), so
    that a partner's list and a search mean the same thing.
    """
    coverage = Q()
    for group in plan(query):
        coverage |= _group_q(query, group)
    return coverage & _common_q(query)


def contacts_matching(query: SearchQuery, contacts: QuerySet[Contact] | None = None) -> QuerySet[Contact]:
    """Every contact the query finds, as one queryset: nearest first (great-circle distance,
    as the search orders, annotated as `distance_km`) when it has a point, else by name.
    For callers that list contacts rather than grouped hits (the API's contacts/ list,
    HSDS), so that a partner's list and a search mean the same thing."""
    contacts = (Contact.objects.all() if contacts is None else contacts).filter(contacts_condition(query))
    if query.point is None:
        return contacts.order_by("name", "pk")
    return contacts.annotate(distance_km=_distance_sql(query.lat, query.lng)).order_by(
        F("distance_km").asc(nulls_last=True), "name", "pk"
    )


def _distance_sql(lat: float, lng: float):
    """distance_km (haversine) in SQL; Django provides these functions on SQLite too."""
    phi, lam = math.radians(lat), math.radians(lng)
    half_dlat = (Radians(F("lat")) - Value(phi)) / Value(2.0)
    half_dlng = (Radians(F("lng")) - Value(lam)) / Value(2.0)
    a = Power(Sin(half_dlat), 2) + Value(math.cos(phi)) * Cos(Radians(F("lat"))) * Power(Sin(half_dlng), 2)
    return ExpressionWrapper(Value(2 * EARTH_RADIUS_KM) * ASin(Sqrt(a)), output_field=FloatField())


class DatabaseExecutor:
    name = "database"

    def run(self, query: SearchQuery) -> SearchResult:
        common = _common_q(query)
        groups, all_ids = [], set()
        for group in plan(query):
            rows = list(Contact.objects.filter(_group_q(query, group) & common).values_list("id", "name", "lat", "lng"))
            all_ids.update(r[0] for r in rows)

            def key(row, group=group):
                pk, name, lat, lng = row
                name_key = german_fold(name).lower()
                if group.by_distance:
                    far = lat is None or lng is None
                    return (far, distance_km(query.lat, query.lng, lat, lng) if not far else 0.0, name_key, pk)
                return (False, 0.0, name_key, pk)

            rows.sort(key=key)
            page_ids = [r[0] for r in rows[query.offset : query.offset + query.per_page]]
            by_id = {doc["id"]: doc for chunk in documents(page_ids) for doc in chunk}
            hits = []
            for pk in page_ids:
                document = by_id[pk]
                hits.append(_hit({k: document[k] for k in HIT_FIELDS}, query))
            groups.append(Group(group.key, hits, len(rows)))
        return SearchResult(query, groups, _db_facets(all_ids), degraded=True, engine=self.name)


def _db_facets(ids: set[int]) -> dict:
    ids = list(ids)
    distribution: dict[str, dict] = {}
    for name, through_field in (("incident_types", "incidenttype"), ("kinds", "contactkind"), ("target_groups", "targetgroup")):
        through = getattr(Contact, name).through
        rows = (
            through.objects.filter(contact_id__in=ids)
            .values(f"{through_field}__slug")
            .annotate(n=Count("contact_id", distinct=True))
        )
        distribution[name] = {row[f"{through_field}__slug"]: row["n"] for row in rows}
    contacts = Contact.objects.filter(id__in=ids)
    distribution["all_incidents"] = {"true": contacts.filter(all_incidents=True).count()}
    distribution["scope"] = {row["scope"]: row["n"] for row in contacts.values("scope").annotate(n=Count("id"))}
    for attr in FLAG_FIELDS.values():
        distribution[attr] = {"true": contacts.filter(**{attr: True}).count()}
    return _facets(distribution)


# --- the one place that decides the fallback --------------------------------------------

_state_lock = threading.Lock()
_meili_down_until = 0.0


def search(query: SearchQuery) -> SearchResult:
    global _meili_down_until
    started = time.perf_counter()
    result = None
    if time.monotonic() >= _meili_down_until:
        try:
            result = MeilisearchExecutor().run(query)
        except (MeiliUnavailable, MeiliError) as exc:
            # Only when Meilisearch cannot answer (unreachable, too slow, its index missing,
            # its own failure): a request it refuses as wrong, or any other exception, is a
            # bug of ours and must fail loudly (a test, a 500 in the log), not turn every
            # search of this process into "degraded" for SEARCH_RETRY_AFTER seconds.
            if isinstance(exc, MeiliError) and not exc.cannot_answer:
                raise
            # No query parameters in the log: a search reveals where an official lives.
            logger.warning("search answered from the database (degraded): %s", _reason(exc))
            with _state_lock:
                _meili_down_until = time.monotonic() + settings.SEARCH_RETRY_AFTER
    if result is None:
        result = DatabaseExecutor().run(query)
    result.took_ms = round((time.perf_counter() - started) * 1000, 2)
    return result


def _reason(exc: Exception) -> str:
    if isinstance(exc, MeiliError):
        return f"Meilisearch error {exc.status} {exc.code}"
    return "Meilisearch unreachable or too slow"


def reset_fallback() -> None:
    """Try Meilisearch on the next search again (tests, after a restart)."""
    global _meili_down_until
    with _state_lock:
        _meili_down_until = 0.0
