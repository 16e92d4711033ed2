"""Reads for the JSON API. Filtering lives here, not in the views (STYLE.md)."""

from __future__ import annotations

import math
import re
import uuid

from django.db.models import F, FloatField, Q, QuerySet, Value
from django.db.models.functions import Cast

from directory.models import Channel, Contact, ContactKind, District, IncidentType, State, TargetGroup

from search import engine
from search.query import SearchQuery

KM_PER_DEGREE = 111.195


def contacts_base() -> QuerySet[Contact]:
    return (
        Contact.objects.filter(active=True)
        .select_related("organisation", "district__state", "source")
        .prefetch_related("kinds", "incident_types", "target_groups", "channels", "states", "districts__state", "phones")
    )


def _squared_km(lat: float, lng: float):
    # Equirectangular approximation: exact enough to order by distance, portable to
    # SQLite and PostgreSQL (no trigonometry in SQL).
    kx = KM_PER_DEGREE * math.cos(math.radians(lat))
    dlat = (F("lat") - Value(lat)) * Value(KM_PER_DEGREE)
    dlng = (F("lng") - Value(lng)) * Value(kx)
    return Cast(dlat * dlat + dlng * dlng, FloatField())


def contacts_matching(query: SearchQuery) -> Q:
    """The contacts a search for `query` finds (coverage groups and common filters), so the
    list answers exactly what /api/v1/search/ answers in its groups."""
    return engine.contacts_condition(query)


def contacts_list(*, query: SearchQuery) -> QuerySet[Contact]:
    """Active contacts for a query: by distance from near= when given, else by name."""
    contacts = contacts_base().filter(contacts_matching(query))
    if query.point is not None:
        lat, lng = query.point
        return contacts.annotate(distance2=_squared_km(lat, lng)).order_by(F("distance2").asc(nulls_last=True), "name", "pk")
    return contacts.order_by("name", "pk")


def contact_keys(contacts: QuerySet[Contact]) -> QuerySet:
    """The keys serializers.contacts_data needs, in the list's order: a cheap query to count
    and page (no related rows fetched for contacts outside the page)."""
    fields = ["pk", "distance2"] if "distance2" in contacts.query.annotations else ["pk"]
    return contacts.prefetch_related(None).select_related(None).values(*fields)


def contact_get(*, key: str) -> Contact | None:
    """A contact by UUID, numeric id or slug; inactive contacts are not published."""
    contacts = contacts_base()
    try:
        return contacts.filter(uuid=uuid.UUID(key)).first()
    except ValueError:
        pass
    if re.fullmatch(r"[0-9]{1,18}", key):  # ASCII, within a 64-bit id ("²".isdigit() is true too)
        return contacts.filter(pk=int(key)).first()
    return contacts.filter(slug=key).first()


def states_list() -> QuerySet[State]:
    return State.objects.order_by("code")


def districts_list(*, state: str = "") -> QuerySet[District]:
    districts = District.objects.select_related("state").order_by("ags")
    if state:
        districts = districts.filter(state__code__iexact=state)
    return districts


TAXONOMIES = {
    "incident-types": IncidentType,
    "kinds": ContactKind,
    "target-groups": TargetGroup,
    "channels": Channel,
}


def terms_list(*, taxonomy: str):
    return TAXONOMIES[taxonomy].objects.order_by("position", "slug")
