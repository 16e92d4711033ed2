"""Online geocoding (IMPORT_GEOCODER=nominatim), issue 17: the rate limit and the cache are
shared by every process (database tables), and the online service is asked outside the
request: an import places rows by the offline gazetteer and queues their addresses;
`manage.py geocode_addresses` (a timer, as `search_index sync`) asks the service, one
request per IMPORT_GEOCODER_MIN_DELAY for all processes together, and moves the contacts.

The service is a stand-in for Nominatim's /search on loopback (a third party: no request
may leave the machine in tests); it records when it was asked.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import call_command

from directory.models import Contact, PostalCode
from importers.models import GeocodePending, GeocoderPace, GeocodeResult
from search.models import IndexQueue
from tests.importers.conftest import csv_bytes, row, run

pytestmark = pytest.mark.django_db

ROWS = [
    row(source_id="a", name="Opferberatung Erfurt", scope="lokal", districts="16051", street="Anger 1", postcode="99084", town="Erfurt"),
    row(source_id="b", name="Beratung Weimar", scope="lokal", districts="16055", street="Markt 2", postcode="99423", town="Weimar"),
]
HEADER = ["source_id", "name", "kinds", "scope", "districts", "street", "postcode", "town"]


class FakeNominatim(BaseHTTPRequestHandler):
    asked: list[tuple[float, dict]] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        query = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
        type(self).asked.append((time.monotonic(), query))
        street = query.get("street", "")
        body = [] if "Nirgendwo" in street else [
            {"lat": "50.97" + str(len(street)), "lon": "11.03" + str(len(street)), "display_name": f"{street}, {query.get('city', '')}"}]
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def nominatim(settings):
    FakeNominatim.asked = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNominatim)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.IMPORT_GEOCODER = "nominatim"
    settings.IMPORT_GEOCODER_DOMAIN = f"127.0.0.1:{server.server_address[1]}"
    settings.IMPORT_GEOCODER_SCHEME = "http"
    settings.IMPORT_GEOCODER_MIN_DELAY = 0.3
    try:
        yield FakeNominatim
    finally:
        server.shutdown()
        server.server_close()


def points() -> dict[str, tuple[float, float]]:
    return {c.external_id: (c.lat, c.lng) for c in Contact.objects.all()}


def test_an_import_asks_the_online_geocoder_nothing_and_queues_the_addresses(nominatim):
    report = run(csv_bytes(ROWS, header=HEADER))
    assert report.applied and report.counts["created"] == 2
    assert nominatim.asked == []  # nothing inside the request
    # Placed by the offline gazetteer (the postcodes' centres) meanwhile.
    centres = dict(PostalCode.objects.filter(code__in=["99084", "99423"]).values_list("code", "lat"))
    assert {key: lat for key, (lat, _lng) in points().items()} == {"a": centres["99084"], "b": centres["99423"]}
    pending = sorted(p.query["street"] for p in GeocodePending.objects.all())
    assert pending == ["Anger 1", "Markt 2"]


def test_a_dry_run_or_refused_file_queues_nothing(nominatim):
    run(csv_bytes(ROWS, header=HEADER), dry_run=True)
    run(csv_bytes([dict(ROWS[0], postcode="1234")], header=HEADER))
    assert not GeocodePending.objects.exists() and nominatim.asked == []


def test_the_job_geocodes_the_queue_and_moves_the_contacts(nominatim):
    run(csv_bytes(ROWS, header=HEADER))
    before = points()
    IndexQueue.objects.all().delete()
    call_command("geocode_addresses", verbosity=0)
    assert [query["street"] for _, query in nominatim.asked] == ["Anger 1", "Markt 2"]
    after = points()
    assert after["a"] == (50.977, 11.037) and after["b"] == (50.977, 11.037)
    assert after != before
    assert not GeocodePending.objects.exists()
    assert GeocodeResult.objects.count() == 2
    # The index follows: both contacts are queued for it.
    assert set(IndexQueue.objects.values_list("contact_id", flat=True)) == set(Contact.objects.values_list("pk", flat=True))


def test_a_reimport_asks_nothing_again_and_changes_nothing(nominatim):
    data = csv_bytes(ROWS, header=HEADER)
    run(data)
    call_command("geocode_addresses", verbosity=0)
    asked = len(nominatim.asked)
    again = run(data)
    assert len(nominatim.asked) == asked
    assert again.counts["unchanged"] == 2 and again.counts["updated"] == 0
    assert not GeocodePending.objects.exists()


def test_a_result_another_process_cached_is_used_at_once(nominatim):
    from importers.geocoders import geocode_key

    query = {"street": "Anger 1", "postalcode": "99084", "city": "Erfurt", "country": "Deutschland"}
    GeocodeResult.objects.create(key=geocode_key(query), query=query, found=True, address="Anger 1", lat=50.9781, lng=11.0311)
    run(csv_bytes(ROWS[:1], header=HEADER))
    assert points()["a"] == (50.9781, 11.0311)
    assert nominatim.asked == [] and not GeocodePending.objects.exists()


def test_the_rate_limit_is_shared_through_the_database(nominatim):
    run(csv_bytes(ROWS, header=HEADER))
    # Another process has just taken the service's next turn, half a second ahead.
    GeocoderPace.objects.update_or_create(name="Nominatim", defaults={"next_at": time.time() + 0.5})
    started = time.monotonic()
    call_command("geocode_addresses", verbosity=0)
    times = [when for when, _ in nominatim.asked]
    assert times[0] - started >= 0.45, times[0] - started
    assert times[1] - times[0] >= 0.28  # IMPORT_GEOCODER_MIN_DELAY apart


def test_an_address_the_service_does_not_know_keeps_the_gazetteer_point(nominatim):
    rows = [dict(ROWS[0], street="Nirgendwo 9")]
    run(csv_bytes(rows, header=HEADER))
    before = points()
    call_command("geocode_addresses", verbosity=0)
    assert points() == before
    assert GeocodeResult.objects.get().found is False and not GeocodePending.objects.exists()
