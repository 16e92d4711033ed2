"""The offline gazetteer: postcode or town → point and district(s).

Shared by the search query model (near=) and the importers' default geocoder.
"""

from __future__ import annotations

import math
import re
from collections import Counter
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


# A name whose places lie in several districts still means one town when nearly all of them
# are in one district: "Kiel" (16 places in Kiel, 1 in Rendsburg-Eckernförde), "Hamburg".
CLEAR_MAJORITY = 0.9
_QUALIFIER = re.compile(r"\s*(\(.*\)|/.*|\b(am|an der|an den|in der|im|ob der|bei)\b.*)$", re.IGNORECASE)


def town_keys(name: str) -> list[str]:
    """The keys a town may have in the gazetteer, most exact first: as written, with "St."
    as "Sankt", and without a qualifier that GeoNames leaves out ("Halle (Saale)" → Halle,
    "Mühlheim am Main" → Mühlheim, "Frankfurt/Oder" → Frankfurt)."""
    name = (name or "").strip()
    variants = [name, re.sub(r"^St\.\s*", "Sankt ", name)]
    variants += [_QUALIFIER.sub("", variant) for variant in variants]
    keys = []
    for variant in variants:
        key = normalise_name(variant)
        if key and key not in keys:
            keys.append(key)
    return keys


def place_located(name: str, places: list[tuple[str, float, float, str]]) -> Located:
    """One town from its places (name, lat, lng, district AGS): their mean point, in the
    district that holds them, or in the district holding a clear majority of them."""
    counts = Counter(place[3] for place in places)
    if len(counts) > 1:
        ags, count = counts.most_common(1)[0]
        if count < CLEAR_MAJORITY * len(places) or count < 5:
            raise AmbiguousPlace(name, sorted(counts))
        places = [place for place in places if place[3] == ags]
    lat = sum(p[1] for p in places) / len(places)
    lng = sum(p[2] for p in places) / len(places)
    return Located(round(lat, 5), round(lng, 5), places[0][3], (places[0][3],), places[0][0])


def town_lookup(name: str, *, state_code: str | None = None) -> Located | None:
    """A town by name, if it lies in one district (within the state, when given).

    Raises AmbiguousPlace when the name exists in several districts ("Neustadt").
    """
    for key in town_keys(name):
        places = Place.objects.filter(name_key=key)
        if state_code:
            places = places.filter(district__state__code=state_code)
        found = list(places.values_list("name", "lat", "lng", "district__ags"))
        if found:
            return place_located(name, found)
    return None


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine), as Meilisearch computes _geoDistance."""
    radius = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))
