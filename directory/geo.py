"""The gazetteer: postcode, town or point → point and district(s). The only one.

The search query model (near=) and the importers' default geocoder both ask it. It holds
the reference tables in memory, read once per process on first use (8,300 postcodes and
16,500 places, a few MB): a search names a place in most requests, and a 20,000-row import
names one per row; asking the database each time cost three queries a postcode.
`forget()` drops them after the reference data was reloaded.
"""

from __future__ import annotations

import math
import re
import threading
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


class Gazetteer:
    """The reference geography in memory (see the module docstring)."""

    def __init__(self):
        districts: dict[int, list[str]] = {}
        for pc_id, ags in PostalCode.districts.through.objects.values_list("postalcode_id", "district__ags"):
            districts.setdefault(pc_id, []).append(ags)
        self.postcodes: dict[str, Located] = {
            code: Located(lat, lng, primary, tuple(sorted(districts.get(pk, ()))), code)
            for pk, code, lat, lng, primary in PostalCode.objects.values_list("id", "code", "lat", "lng", "primary_district__ags")
        }
        # Postcode centres by grid cell (GRID degrees of latitude, GRID_LNG of longitude),
        # each cell in the postcodes' own order: nearest_postcode looks at the cells its
        # box touches instead of all 8,300 centres (~1.2 ms a point search).
        self.cells: dict[tuple[int, int], list[tuple[int, Located]]] = {}
        for order, located in enumerate(self.postcodes.values()):
            self.cells.setdefault(_cell(located.lat, located.lng), []).append((order, located))
        # name key → [(name, lat, lng, district AGS, state code)], in Place's own order
        self.places: dict[str, list[tuple[str, float, float, str, str]]] = {}
        rows = Place.objects.order_by("name", "postal_code__code").values_list("name_key", "name", "lat", "lng", "district__ags", "district__state__code")
        for key, name, lat, lng, ags, state in rows:
            self.places.setdefault(key, []).append((name, lat, lng, ags, state))

    def postcode(self, code: str) -> Located | None:
        return self.postcodes.get((code or "").strip())

    def town(self, name: str, *, state_code: str | None = None) -> Located | None:
        """A town by name (as sources write it, town_keys), if it lies in one district or
        nearly all its places do (within the state, when given).

        Raises AmbiguousPlace when the name exists in several districts ("Neustadt").
        """
        for key in town_keys(name):
            places = [p[:4] for p in self.places.get(key, ()) if not state_code or p[4] == state_code]
            if places:
                return place_located(name, places)
        return None

    def nearest_postcode(self, lat: float, lng: float) -> Located | None:
        """The postcode whose centre is nearest to a point (the gazetteer's grain), if one
        lies within about 100 km."""
        for box in (0.1, 0.3, 1.0):
            (south, west), (north, east) = _cell(lat - box, lng - box * 1.6), _cell(lat + box, lng + box * 1.6)
            near = [
                (order, located)
                # one cell more on every side: a centre on a cell's edge is never missed
                for row in range(south - 1, north + 2) for column in range(west - 1, east + 2)
                for order, located in self.cells.get((row, column), ())
                if abs(located.lat - lat) <= box and abs(located.lng - lng) <= box * 1.6
            ]
            if near:
                # The nearest; of equally near ones, the first in the postcodes' order.
                return min(near, key=lambda item: (distance_km(lat, lng, item[1].lat, item[1].lng), item[0]))[1]
        return None


GRID, GRID_LNG = 0.1, 0.16


def _cell(lat: float, lng: float) -> tuple[int, int]:
    return math.floor(lat / GRID), math.floor(lng / GRID_LNG)


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


_lock = threading.Lock()
_gazetteer: Gazetteer | None = None


def gazetteer() -> Gazetteer:
    global _gazetteer
    if _gazetteer is None:
        with _lock:
            if _gazetteer is None:
                _gazetteer = Gazetteer()
    return _gazetteer


def forget() -> None:
    """Read the reference tables again on next use (after load_reference; tests)."""
    global _gazetteer
    with _lock:
        _gazetteer = None


EARTH_RADIUS_KM = 6371.0088


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine), as Meilisearch computes _geoDistance."""
    radius = EARTH_RADIUS_KM
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))
