"""Public reads: CORS-enabled for GET, throttled per client with the error body."""

import pytest

pytestmark = pytest.mark.django_db

ORIGIN = "https://partner.example"


@pytest.mark.parametrize("path", ["/api/v1/contacts/", "/api/v1/states/", "/api/hsds/services", "/api/schema/"])
def test_reads_are_cors_enabled(client, path):
    response = client.get(path, HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"


def test_the_preflight_allows_only_reading_methods(client):
    response = client.options("/api/v1/contacts/", HTTP_ORIGIN=ORIGIN, HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert set(response["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_too_many_reads_are_a_429_with_retry_after(client, settings):
    settings.API_THROTTLE_READ = "3/minute"
    statuses = [client.get("/api/v1/states/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/kinds/")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    wait = int(response["Retry-After"])
    assert wait > 0
    assert response.json()["error"]["message"] == f"Too many requests from this client. Try again in {wait} seconds."


def test_the_search_api_counts_against_the_same_limit(client, settings):
    settings.API_THROTTLE_READ = "3/minute"
    assert client.get("/api/v1/states/").status_code == 200
    statuses = [client.get("/api/v1/search/", {"state": "BY"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    response = client.get("/api/v1/search/", {"state": "BY"}, HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    wait = int(response["Retry-After"])
    assert wait > 0
    assert response.json() == {"error": {"code": "throttled", "message": f"Too many requests from this client. Try again in {wait} seconds."}}
    assert response["Access-Control-Allow-Origin"] == "*"
    # The result pages are for people, not clients of the API: never throttled.
    assert client.get("/search/", {"state": "BY"}).status_code == 200


def test_clients_are_throttled_separately(client, settings):
    settings.API_THROTTLE_READ = "2/minute"
    for _ in range(2):
        client.get("/api/v1/states/", REMOTE_ADDR="10.0.0.1")
    assert client.get("/api/v1/states/", REMOTE_ADDR="10.0.0.1").status_code == 429
    assert client.get("/api/v1/states/", REMOTE_ADDR="10.0.0.2").status_code == 200


def test_a_malformed_rate_stops_the_start(settings):
    from django.core.exceptions import ImproperlyConfigured

    from api.throttles import check_rates

    settings.API_THROTTLE_READ = "lots"
    with pytest.raises(ImproperlyConfigured, match='API_THROTTLE_READ: "lots" is not a rate'):
        check_rates()


@pytest.mark.parametrize("path, params", [("/api/v1/states/", {}), ("/api/v1/search/", {"state": "BY"})])
def test_a_forged_forwarded_for_header_does_not_change_who_is_counted(client, settings, path, params):
    # Issue 17: with API_PROXIES unset (0), DRF took the whole X-Forwarded-For header, which
    # the client writes, as the client's identity: ten forged headers, ten fresh limits.
    from api.models import ThrottleSlot

    settings.API_THROTTLE_READ = "3/minute"
    statuses = [client.get(path, params, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(10)]
    assert statuses == [200] * 3 + [429] * 7
    assert ThrottleSlot.objects.count() == 1


def test_behind_one_proxy_the_address_it_appends_is_the_client(client, settings):
    from rest_framework.settings import api_settings

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert api_settings.NUM_PROXIES == 1
    settings.API_THROTTLE_READ = "2/minute"
    # The proxy appends the address it saw; whatever the client wrote before it is ignored.
    forged = [f"10.9.9.{n}, 203.0.113.5" for n in range(4)]
    statuses = [client.get("/api/v1/states/", HTTP_X_FORWARDED_FOR=header).status_code for header in forged]
    assert statuses == [200, 200, 429, 429]
    assert client.get("/api/v1/states/", HTTP_X_FORWARDED_FOR="10.9.9.1, 203.0.113.6").status_code == 200
