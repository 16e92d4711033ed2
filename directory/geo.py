"""The offline gazetteer: postcode or town → point and district(s).

Shared by the search query model (near=) and the importers' default geocoder.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from directory.models import Place, PostalCode
from directory.text import normalise_name


@dataclass(frozen=True)
class Located:
    lat: float
    lng: float
    district: str  # primary district AGS
    districts: tuple[str, ...]  # every district AGS the place touches
    label: str


class AmbiguousPlace(LookupError):
    def __init__(self, name: str, districts: list[str]):
        self.name, self.districts = name, districts
        super().__init__(f'"{name}" exists in {len(districts)} districts ({", ".join(districts[:5])}); give a postcode')


def postcode_lookup(code: str) -> Located | None:
    code = (code or "").strip()
    if not (len(code) == 5 and code.isdigit()):
        return None
    try:
        pc = PostalCode.objects.select_related("primary_district").get(code=code)
    except PostalCode.DoesNotExist:
        return None
    districts = tuple(sorted(pc.districts.values_list("ags", flat=True)))
    return Located(pc.lat, pc.lng, pc.primary_district.ags, districts, code)


def town_lookup(name: str, *, state_code: str | None = None) -> Located | None:
    """A town by name, if it lies in one district (within the state, when given).

    Raises AmbiguousPlace when the name exists in several districts ("Neustadt").
    """
    places = Place.objects.filter(name_key=normalise_name(name or "")).select_related("district__state")
    if state_code:
        places = places.filter(district__state__code=state_code)
    places = list(places)
    if not places:
        return None
    districts = sorted({p.district.ags for p in places})
    if len(districts) > 1:
        raise AmbiguousPlace(name, districts)
    lat = sum(p.lat for p in places) / len(places)
    lng = sum(p.lng for p in places) / len(places)
    return Located(round(lat, 5), round(lng, 5), districts[0], tuple(districts), places[0].name)


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine), as Meilisearch computes _geoDistance."""
    radius = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))
