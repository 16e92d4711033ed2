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
