"""Addresses → points, through geopy's Geocoder interface.

The default is our offline gazetteer (directory.geo: postcode → centre and district; a town
name alone where it lies in one district): no request leaves the machine, and it is fast
enough for a 20,000-row file. IMPORT_GEOCODER = "nominatim" chooses OpenStreetMap's
Nominatim through geopy. Whatever the geocoder, the district of a postcode always comes
from the gazetteer: coverage must use official AGS keys, which an online geocoder does not
return.

Online geocoding never runs inside a request (issue 17: an upload with more than ~25 new
addresses ran into gunicorn's timeout at one request per second). An import asks only the
shared cache (GeocodeResult); an address not in it gets the gazetteer's point and is queued
(GeocodePending) when the import is applied. `manage.py geocode_addresses` (run from a timer)
asks the service for the queued addresses, at most one request per
IMPORT_GEOCODER_MIN_DELAY for all processes together (GeocoderPace, a row in the database),
caches the answers for every process, and moves the contacts that still stand at the
gazetteer's point. A re-import then finds every address in the cache and asks nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from geopy.exc import GeopyError
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from directory.geo import gazetteer

logger = logging.getLogger(__name__)


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


CACHE_DAYS = 30  # an online answer older than this is asked again


def geocode_key(query: dict) -> str:
    """The cache key of a structured query (its fields, whatever their order)."""
    return hashlib.sha256(json.dumps(sorted(query.items()), ensure_ascii=False).encode()).hexdigest()


class CachedGeocoder:
    """The online geocoder as an import sees it: the shared cache only, never the network.

    `geocode` answers from GeocodeResult; a miss returns None (the import then keeps the
    gazetteer's point) and is remembered in `missed` with that point, for `geocode_queue`.
    """

    def __init__(self, name: str):
        self.name = name
        self.missed: dict[str, dict] = {}

    def geocode(self, query: dict, *, fallback: tuple[float, float] | None = None, **kwargs):
        from importers.models import GeocodeResult

        query = {k: v for k, v in query.items() if k != "state"}
        key = geocode_key(query)
        cutoff = timezone.now() - timedelta(days=CACHE_DAYS)
        hit = GeocodeResult.objects.filter(key=key, fetched_at__gte=cutoff).first()
        if hit is None:
            if fallback is not None:
                self.missed[key] = {"query": query, "lat": fallback[0], "lng": fallback[1]}
            return None
        if not hit.found:
            return None
        return Location(hit.address, (hit.lat, hit.lng), {"source": self.name})


def geocode_queue(missed: dict[str, dict]) -> None:
    """Queue the addresses an applied import could not place online (inside its transaction:
    a rolled-back import queues nothing)."""
    from importers.models import GeocodePending

    for key, item in missed.items():
        GeocodePending.objects.get_or_create(key=key, defaults={"query": item["query"], "lat": item["lat"], "lng": item["lng"]})


def pace_wait(name: str, interval: float) -> None:
    """Wait for this process's turn at service `name`: the turns are handed out in the
    database (GeocoderPace), `interval` seconds apart for all processes together."""
    from importers.models import GeocoderPace

    with transaction.atomic():
        # On PostgreSQL the row lock, on SQLite the write lock of the IMMEDIATE transaction,
        # makes the read and the write one step for all processes.
        GeocoderPace.objects.get_or_create(name=name)
        pace = GeocoderPace.objects.select_for_update().get(name=name)
        turn = max(time.time(), pace.next_at)
        pace.next_at = turn + interval
        pace.save(update_fields=["next_at"])
    delay = turn - time.time()
    if delay > 0:
        time.sleep(delay)


@dataclass
class GeocodeReport:
    asked: int = 0
    found: int = 0
    moved: int = 0
    failed: str = ""


def addresses_geocode(*, limit: int | None = None, service: Geocoder | None = None) -> GeocodeReport:
    """Ask the online service for the queued addresses (oldest first), cache the answers and
    move the contacts still at the gazetteer's point. Stops at the first service error (the
    address stays queued, the next run tries again)."""
    from directory.models import Contact
    from importers.models import GeocodePending, GeocodeResult
    from directory.services import contacts_touched

    service = service or _online_service()
    name = type(service).__name__
    interval = float(getattr(settings, "IMPORT_GEOCODER_MIN_DELAY", 1.0))
    report = GeocodeReport()
    for pending in GeocodePending.objects.order_by("queued_at", "key")[:limit]:
        query = pending.query
        cutoff = timezone.now() - timedelta(days=CACHE_DAYS)
        result = GeocodeResult.objects.filter(key=pending.key, fetched_at__gte=cutoff).first()
        if result is None:
            pace_wait(name, interval)
            try:
                found = service.geocode(query, exactly_one=True)
            except GeopyError as exc:
                pending.attempts += 1
                pending.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                pending.save(update_fields=["attempts", "last_error"])
                report.failed = pending.last_error
                logger.warning("geocoding stopped, %s: %s", name, report.failed)
                return report
            report.asked += 1
            result, _created = GeocodeResult.objects.update_or_create(key=pending.key, defaults={
                "query": query, "found": found is not None, "address": found.address if found else "",
                "lat": round(found.latitude, 6) if found else None, "lng": round(found.longitude, 6) if found else None,
                "fetched_at": timezone.now(),
            })
        with transaction.atomic():
            if result.found:
                contacts = list(Contact.objects.filter(
                    street=query.get("street", ""), postcode=query.get("postalcode", ""), town=query.get("city", ""),
                    lat=pending.lat, lng=pending.lng,
                ))
                for contact in contacts:
                    contact.lat, contact.lng = result.lat, result.lng
                    contact.save(update_fields=["lat", "lng", "updated_at"])
                contacts_touched([c.pk for c in contacts])
                report.found += 1
                report.moved += len(contacts)
            pending.delete()
    return report


def geocoder_get():
    """The geocoder chosen by IMPORT_GEOCODER ("gazetteer", the default, or "nominatim")."""
    choice = getattr(settings, "IMPORT_GEOCODER", "gazetteer")
    if choice == "gazetteer":
        return GazetteerGeocoder()
    if choice == "nominatim":
        return _nominatim()
    raise ImproperlyConfigured(f'IMPORT_GEOCODER: "{choice}" is not a geocoder; use "gazetteer" or "nominatim"')


def _nominatim() -> CachedGeocoder:
    return CachedGeocoder("Nominatim")


def _online_service() -> Geocoder:
    """The network geocoder behind IMPORT_GEOCODER (only `geocode_addresses` asks it)."""
    from geopy.geocoders import Nominatim

    agent = getattr(settings, "IMPORT_GEOCODER_USER_AGENT", "") or "lotse-importer"
    domain = getattr(settings, "IMPORT_GEOCODER_DOMAIN", "") or "nominatim.openstreetmap.org"
    scheme = getattr(settings, "IMPORT_GEOCODER_SCHEME", "") or "https"
    return Nominatim(user_agent=agent, domain=domain, scheme=scheme, timeout=10)
