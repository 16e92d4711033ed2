"""The one query model, shared by the pages and the API (DESIGN.md "URLs partners link to").

    query = parse_query(request.GET)       # raises QueryError(message, field)
    query.to_params()                      # canonical URL parameters, for stable links
    query.with_(incidents=("threat",))     # a facet link: same query, one thing changed

Parameters (stable names): q, near (postcode, town or "lat,lng"), radius (km), state (short
code such as TH, any case; DE-TH works too), district (5-digit AGS), incident (repeatable),
kind (repeatable), target, free, anonymous, barrier_free, open_24_7 (1/true/yes/on or
0/false/no/off), lang (de|en), page, per_page. Unknown parameters are ignored (partners add
their own tracking parameters); a known parameter with a value we do not know is an error,
never a silently widened search.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from directory import geo
from directory.geo import AmbiguousPlace, Located
from directory.models import ContactKind, District, IncidentType, State, TargetGroup
from directory.text import german_fold
from lotse.env import parse_bool

DEFAULT_PER_PAGE = 20
MAX_PAGE = 1000
MAX_Q_LENGTH = 200
MAX_NEAR_LENGTH = 100
FLAGS = ("free", "anonymous", "barrier_free", "open_24_7")
POINT = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
# Germany's bounding box with a margin: a point outside cannot be "near" a German district.
GERMANY = (47.0, 55.2, 5.5, 15.3)


class QueryError(ValueError):
    """Bad input in one parameter: the view answers 400 with this message and field.

    The message is translatable (German source, English in locale/en): pages show it in the
    visitor's language (`message`); the API answers in English (`message_en`), the one
    language its clients can rely on.
    """

    def __init__(self, message, field: str, **params):
        self.template, self.field, self.params = message, field, params
        super().__init__(f"{field}: {self.message_en}")

    @property
    def message(self) -> str:
        return self._render(api=False)

    @property
    def message_en(self) -> str:
        with translation.override("en"):
            return self._render(api=True)

    def _render(self, *, api: bool) -> str:
        shown = {name: value.shown(api=api) if isinstance(value, Choices) else str(value) for name, value in self.params.items()}
        return str(self.template) % shown


@dataclass(frozen=True)
class Choices:
    """The values a parameter takes, named as people know them (issue 17): a page lists
    their labels in the visitor's language (states as "Bayern (BY)": the parameter is the
    code), the API the codes it takes, each with its English label ("threat (Threat)")."""

    items: tuple[tuple[str, str, str], ...]  # (code, German label, English label), in reference order
    code_on_pages: bool = False

    def shown(self, *, api: bool) -> str:
        if api:
            return ", ".join(f"{code} ({english})" for code, _german, english in self.items)
        english = translation.get_language() == "en"
        labels = [(label_en if english else label_de, code) for code, label_de, label_en in self.items]
        if self.code_on_pages:
            return ", ".join(f"{label} ({code})" for label, code in sorted(labels, key=lambda item: german_fold(item[0])))
        return ", ".join(label for label, _code in labels)


@dataclass(frozen=True)
class Codes:
    """Every code a query may name, from the reference tables (cached per process)."""

    states: tuple[str, ...]
    state_by_district: dict[str, str]
    incidents: tuple[str, ...]
    kinds: tuple[str, ...]
    targets: tuple[str, ...]
    choices: dict[str, Choices]  # parameter → its values with their labels, for messages


@lru_cache(maxsize=1)
def codes() -> Codes:
    states = tuple(State.objects.order_by("code").values_list("code", "name", "name_en"))
    terms = {
        name: tuple(model.objects.order_by("position", "slug").values_list("slug", "name_de", "name_en"))
        for name, model in (("incident", IncidentType), ("kind", ContactKind), ("target", TargetGroup))
    }
    return Codes(
        states=tuple(code for code, *_labels in states),
        state_by_district=dict(District.objects.values_list("ags", "state__code")),
        incidents=tuple(slug for slug, *_labels in terms["incident"]),
        kinds=tuple(slug for slug, *_labels in terms["kind"]),
        targets=tuple(slug for slug, *_labels in terms["target"]),
        choices={"state": Choices(states, code_on_pages=True), **{name: Choices(items) for name, items in terms.items()}},
    )


def forget_codes() -> None:
    """Re-read the reference codes (after reference data changed; tests)."""
    codes.cache_clear()
    geo.forget()


@dataclass(frozen=True)
class SearchQuery:
    q: str = ""
    near: str = ""  # as given (normalised), for canonical links
    near_label: str = ""
    lat: float | None = None
    lng: float | None = None
    near_district: str = ""  # primary district of the place
    near_districts: tuple[str, ...] = ()  # every district the place touches
    radius: float | None = None
    state: str = ""
    district: str = ""
    incidents: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    target: str = ""
    free: bool = False
    anonymous: bool = False
    barrier_free: bool = False
    open_24_7: bool = False
    lang: str = ""
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    # --- what the executors need -------------------------------------------------------
    @property
    def point(self) -> tuple[float, float] | None:
        return (self.lat, self.lng) if self.lat is not None and self.lng is not None else None

    @property
    def districts(self) -> tuple[str, ...]:
        """The searched districts: the district parameter, or every district of `near`."""
        if self.district:
            return (self.district,)
        return self.near_districts

    @property
    def states(self) -> tuple[str, ...]:
        """The searched states: the state parameter, or the states of the searched districts."""
        if self.state:
            return (self.state,)
        by_district = codes().state_by_district
        return tuple(sorted({by_district[ags] for ags in self.districts}))

    @property
    def has_place(self) -> bool:
        return bool(self.districts)

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.has_place or self.state or self.incidents or self.kinds or self.target
                    or any(getattr(self, flag) for flag in FLAGS))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    # --- links -----------------------------------------------------------------------
    def to_params(self) -> list[tuple[str, str]]:
        """Canonical URL parameters, in a fixed order; defaults are left out."""
        params: list[tuple[str, str]] = []
        if self.q:
            params.append(("q", self.q))
        if self.near:
            params.append(("near", self.near))
        if self.radius is not None:
            params.append(("radius", _number(self.radius)))
        if self.state:
            params.append(("state", self.state))
        if self.district:
            params.append(("district", self.district))
        params += [("incident", slug) for slug in self.incidents]
        params += [("kind", slug) for slug in self.kinds]
        if self.target:
            params.append(("target", self.target))
        params += [(flag, "1") for flag in FLAGS if getattr(self, flag)]
        if self.lang:
            params.append(("lang", self.lang))
        if self.page != 1:
            params.append(("page", str(self.page)))
        if self.per_page != DEFAULT_PER_PAGE:
            params.append(("per_page", str(self.per_page)))
        return params

    def to_querystring(self) -> str:
        return urlencode(self.to_params())

    def with_(self, **changes) -> "SearchQuery":
        """The same query with some fields changed; back to page 1 unless `page` is given.

        Changing `near`/`district`/`state` must go through parse_query (they are resolved
        against the gazetteer): pass the new parameters to parse_query instead.
        """
        if {"near", "district", "state", "lat", "lng"} & changes.keys():
            raise TypeError("re-parse the parameters to change the place: parse_query({...})")
        changes.setdefault("page", 1)
        for name in ("incidents", "kinds"):
            if name in changes:
                changes[name] = tuple(sorted(set(changes[name])))
        return dataclasses.replace(self, **changes)

    def toggled(self, name: str, slug: str) -> "SearchQuery":
        """A facet link: add or remove one incident/kind value."""
        current = set(getattr(self, name))
        current ^= {slug}
        return self.with_(**{name: tuple(current)})


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _values(params, name: str) -> list[str]:
    if hasattr(params, "getlist"):
        values = params.getlist(name)
    else:
        raw = params.get(name, [])
        values = raw if isinstance(raw, (list, tuple)) else [raw]
    return [str(v) for v in values]


def _single(params, name: str) -> str:
    values = [v.strip() for v in _values(params, name) if v.strip()]
    if len(set(values)) > 1:
        raise QueryError(_("bitte nur einen Wert angeben, nicht %(count)s (%(values)s)"), name,
                         count=len(values), values=", ".join(_quote(v) for v in values[:3]))
    return values[0] if values else ""


def _quote(value: str, limit: int = 60) -> str:
    shown = value if len(value) <= limit else value[:limit] + "…"
    return '"' + shown.replace("\\", "\\\\").replace('"', '\\"') + '"'


UNKNOWN_SLUG = {
    "incident": _("%(value)s ist keine bekannte Vorfallart; möglich sind %(known)s"),
    "kind": _("%(value)s ist keine bekannte Art der Hilfe; möglich sind %(known)s"),
    "target": _("%(value)s ist keine bekannte Zielgruppe; möglich sind %(known)s"),
}


def _slugs(params, name: str, known: tuple[str, ...]) -> tuple[str, ...]:
    choices = codes().choices[name]
    chosen: set[str] = set()
    for raw in _values(params, name):
        for value in raw.split(","):
            value = value.strip()
            if not value:
                continue
            slug = value.lower()
            if slug not in known:
                raise QueryError(UNKNOWN_SLUG[name], name, value=_quote(value), known=choices)
            chosen.add(slug)
    # Order of the reference list, so that equal queries give equal links.
    return tuple(slug for slug in known if slug in chosen)


def _flag(params, name: str) -> bool:
    value = _single(params, name)
    try:
        return bool(parse_bool(value))
    except ValueError:
        pass
    raise QueryError(_("%(value)s ist kein Ja/Nein-Wert; bitte 1 oder 0 angeben"), name, value=_quote(value))


def _int(params, name: str, default: int, low: int, high: int) -> int:
    raw = _single(params, name)
    if not raw:
        return default
    if not re.fullmatch(r"[0-9]{1,7}", raw):  # ASCII: \d matches any script's digits
        raise QueryError(_("%(value)s ist keine ganze Zahl; bitte %(low)s bis %(high)s angeben"), name,
                         value=_quote(raw), low=low, high=high)
    value = int(raw)
    if not low <= value <= high:
        raise QueryError(_("%(value)s liegt außerhalb des Bereichs; bitte %(low)s bis %(high)s angeben"), name,
                         value=value, low=low, high=high)
    return value


def _nearest_postcode(lat: float, lng: float) -> Located:
    """The place of a point: the district(s) of the nearest postcode, at the point itself."""
    located = geo.gazetteer().nearest_postcode(lat, lng)
    if located is None:
        raise QueryError(_("%(point)s liegt bei keiner deutschen Postleitzahl"), "near", point=f'"{lat:.5f},{lng:.5f}"')
    return Located(lat, lng, located.district, located.districts, f"{lat:.5f},{lng:.5f}")


def _resolve_near(raw: str, state: str) -> tuple[str, Located]:
    if len(raw) > MAX_NEAR_LENGTH:
        raise QueryError(_("ist %(length)s Zeichen lang; bitte eine Postleitzahl, einen Ort oder „Breite,Länge“ angeben"),
                         "near", length=len(raw))
    point = POINT.match(raw)
    if point:
        lat, lng = float(point.group(1)), float(point.group(2))
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise QueryError(_("%(value)s ist kein Punkt; bitte „Breite,Länge“ in Grad angeben, z. B. 50.978,11.029"),
                             "near", value=_quote(raw))
        south, north, west, east = GERMANY
        if not (south <= lat <= north and west <= lng <= east):
            raise QueryError(_("%(value)s liegt außerhalb Deutschlands; bitte eine deutsche Postleitzahl, einen Ort "
                               "oder Punkt angeben"), "near", value=_quote(raw))
        return f"{lat:.5f},{lng:.5f}", _nearest_postcode(lat, lng)
    if re.fullmatch(r"\d+", raw):
        if len(raw) != 5:
            raise QueryError(_("%(value)s ist keine Postleitzahl; eine deutsche Postleitzahl hat 5 Ziffern"), "near",
                             value=_quote(raw))
        located = geo.gazetteer().postcode(raw)
        if located is None:
            raise QueryError(_("%(value)s ist keine deutsche Postleitzahl"), "near", value=_quote(raw))
        return raw, located
    if "," in raw or not re.search(r"[^\W\d_]", raw):
        raise QueryError(_("%(value)s ist weder eine Postleitzahl noch ein Ort noch ein Punkt „Breite,Länge“"), "near",
                         value=_quote(raw))
    try:
        found = geo.gazetteer().town(raw, state_code=state or None)
    except AmbiguousPlace as ambiguous:
        found = ambiguous
    if isinstance(found, AmbiguousPlace):
        raise QueryError(
            _("%(value)s gibt es in %(count)s Kreisen (%(districts)s); bitte die Postleitzahl angeben"), "near",
            value=_quote(raw), count=len(found.districts),
            districts=", ".join(found.districts[:5]) + (", …" if len(found.districts) > 5 else ""),
        )
    if found is None:
        if state:
            raise QueryError(_("kein Ort %(value)s in %(state)s gefunden; bitte die Postleitzahl angeben"), "near",
                             value=_quote(raw), state=state)
        raise QueryError(_("kein Ort %(value)s gefunden; bitte die Postleitzahl angeben"), "near", value=_quote(raw))
    return raw, found


def parse_query(params) -> SearchQuery:
    """Parse and validate request parameters (QueryDict or dict of lists) into a query."""
    known = codes()
    q = " ".join(_single(params, "q").split())
    if len(q) > MAX_Q_LENGTH:
        raise QueryError(_("ist %(length)s Zeichen lang; höchstens %(limit)s sind möglich"), "q",
                         length=len(q), limit=MAX_Q_LENGTH)

    state = ""
    raw_state = _single(params, "state")
    if raw_state:
        candidate = raw_state.upper()
        if candidate.startswith("DE-"):
            candidate = candidate[3:]
        if candidate not in known.states:
            raise QueryError(_("%(value)s ist kein Kürzel eines Bundeslandes; möglich sind %(known)s"), "state",
                             value=_quote(raw_state), known=known.choices["state"])
        state = candidate

    district = _single(params, "district")
    if district:
        if not re.fullmatch(r"\d{5}", district):
            raise QueryError(_("%(value)s ist kein Kreisschlüssel; bitte den 5-stelligen AGS angeben, z. B. 09162"),
                             "district", value=_quote(district))
        if district not in known.state_by_district:
            raise QueryError(_("%(value)s ist kein deutscher Kreis (AGS)"), "district", value=_quote(district))
        if state and known.state_by_district[district] != state:
            raise QueryError(_("%(district)s liegt in %(in_state)s, nicht in %(state)s; bitte eines von beiden weglassen"),
                             "district", district=district, in_state=known.state_by_district[district], state=state)

    near, located = "", None
    raw_near = _single(params, "near")
    if raw_near:
        if district:
            raise QueryError(_("bitte entweder near oder district angeben, nicht beides"), "near")
        near, located = _resolve_near(raw_near, state)
        if state and not any(known.state_by_district[d] == state for d in located.districts):
            raise QueryError(_("%(value)s liegt nicht in %(state)s; bitte near oder state weglassen"), "near",
                             value=_quote(raw_near), state=state)

    radius = None
    raw_radius = _single(params, "radius")
    if raw_radius:
        try:
            radius = float(raw_radius.replace(",", "."))
        except ValueError:
            raise QueryError(_("%(value)s ist keine Zahl von Kilometern"), "radius", value=_quote(raw_radius)) from None
        limit = settings.SEARCH_MAX_RADIUS_KM
        if not math.isfinite(radius) or not 1 <= radius <= limit:
            raise QueryError(_("%(value)s liegt außerhalb des Bereichs; bitte 1 bis %(limit)s km angeben"), "radius",
                             value=_quote(raw_radius), limit=limit)
        if located is None:
            raise QueryError(_("braucht near= (eine Postleitzahl, einen Ort oder Punkt als Mittelpunkt)"), "radius")

    target = ""
    targets = _slugs(params, "target", known.targets)
    if len(targets) > 1:
        raise QueryError(_("bitte nur eine Zielgruppe angeben, nicht %(count)s"), "target", count=len(targets))
    if targets:
        target = targets[0]

    lang = _single(params, "lang").lower()
    if lang and lang not in ("de", "en"):
        raise QueryError(_("%(value)s ist keine Sprache; möglich sind de oder en"), "lang", value=_quote(lang))

    return SearchQuery(
        q=q,
        near=near,
        near_label=located.label if located else "",
        lat=located.lat if located else None,
        lng=located.lng if located else None,
        near_district=located.district if located else "",
        near_districts=tuple(located.districts) if located else (),
        radius=radius,
        state=state,
        district=district,
        incidents=_slugs(params, "incident", known.incidents),
        kinds=_slugs(params, "kind", known.kinds),
        target=target,
        free=_flag(params, "free"),
        anonymous=_flag(params, "anonymous"),
        barrier_free=_flag(params, "barrier_free"),
        open_24_7=_flag(params, "open_24_7"),
        lang=lang,
        page=_int(params, "page", 1, 1, MAX_PAGE),
        per_page=_int(params, "per_page", DEFAULT_PER_PAGE, 1, settings.SEARCH_MAX_PER_PAGE),
    )
