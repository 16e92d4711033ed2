"""Addresses → points, through geopy's Geocoder interface.

The default is our offline gazetteer (directory.geo: postcode → centre and district; a town
name alone where it lies in one district): no request leaves the machine, and it is fast
enough for a 20,000-row file. IMPORT_GEOCODER = "nominatim" chooses OpenStreetMap's
Nominatim through geopy, throttled by geopy's RateLimiter (its usage policy allows one
request per second) and cached, so a re-import asks nothing twice. Whatever the geocoder,
the district of a postcode always comes from the gazetteer: coverage must use official AGS
keys, which an online geocoder does not return.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from directory.geo import gazetteer


class GazetteerGeocoder(Geocoder):
    """geopy Geocoder over the one gazetteer (directory.geo); `raw` carries the district AGS keys.

    Query: a postcode or town as text, or geopy's structured dict with "postalcode",
    "city" and optionally "state" (a short state code such as "BY", to tell towns apart).
    Raises AmbiguousPlace for a town name that several districts share.
    """

    def __init__(self):
        super().__init__(scheme="https", timeout=1)
        self.gazetteer = gazetteer()

    def geocode(self, query, *, exactly_one=True, **kwargs):
        if isinstance(query, dict):
            postcode, town, state = query.get("postalcode", ""), query.get("city", ""), query.get("state", "")
        else:
            text = str(query).strip()
            postcode, town, state = (text, "", "") if text.isdigit() else ("", text, "")
        located = self.gazetteer.postcode(postcode) if postcode else None
        if located is None and town:
            located = self.gazetteer.town(town, state_code=state or None)
        if located is None:
            return None
        location = Location(
            located.label, (located.lat, located.lng),
            {"district": located.district, "districts": list(located.districts), "source": "gazetteer"},
        )
        return location if exactly_one else [location]


class CachedGeocoder:
    """An online geopy geocoder behind geopy's RateLimiter and Django's cache."""

    def __init__(self, geocoder: Geocoder, *, min_delay_seconds: float):
        from geopy.extra.rate_limiter import RateLimiter

        self.geocoder = geocoder
        self._geocode = RateLimiter(geocoder.geocode, min_delay_seconds=min_delay_seconds, max_retries=2)

    def geocode(self, query, **kwargs):
        key = "geocode:" + type(self.geocoder).__name__ + ":" + repr(sorted(query.items()) if isinstance(query, dict) else query)
        hit = cache.get(key)
        if hit is None:
            found = self._geocode({k: v for k, v in query.items() if k != "state"} if isinstance(query, dict) else query)
            hit = (found.address, found.latitude, found.longitude) if found else ()
            cache.set(key, hit, 60 * 60 * 24 * 30)
        if not hit:
            return None
        return Location(hit[0], (hit[1], hit[2]), {"source": type(self.geocoder).__name__})


def geocoder_get():
    """The geocoder chosen by IMPORT_GEOCODER ("gazetteer", the default, or "nominatim")."""
    choice = getattr(settings, "IMPORT_GEOCODER", "gazetteer")
    if choice == "gazetteer":
        return GazetteerGeocoder()
    if choice == "nominatim":
        return _nominatim()
    raise ImproperlyConfigured(f'IMPORT_GEOCODER: "{choice}" is not a geocoder; use "gazetteer" or "nominatim"')


@lru_cache(maxsize=1)
def _nominatim() -> CachedGeocoder:
    from geopy.geocoders import Nominatim

    agent = getattr(settings, "IMPORT_GEOCODER_USER_AGENT", "") or "lotse-importer"
    domain = getattr(settings, "IMPORT_GEOCODER_DOMAIN", "") or "nominatim.openstreetmap.org"
    return CachedGeocoder(Nominatim(user_agent=agent, domain=domain), min_delay_seconds=1.0)
