"""One error body for every failure under /api/ (issue 7)."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "/api/docs/" in response.json()["error"]["message"]


def test_the_search_endpoint_is_not_shadowed(client):
    response = client.get("/api/v1/search/", {"state": "XX"})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "state"


def test_a_wrong_method_on_a_read_endpoint_is_a_405_error_body(client):
    response = client.delete("/api/v1/states/")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_a_bad_page_number_is_a_400(client):
    response = client.get("/api/v1/contacts/", {"page": "abc"})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "page"


def test_pages_outside_the_api_keep_html_404s(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_options_on_the_csv_capable_list_answers_json(client):
    # Found by the schemathesis run: the CSV renderer was picked for OPTIONS metadata.
    response = client.options("/api/v1/contacts/", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("path", ["/api/v1/districts/?state=B%00Y", "/api/hsds/organizations?search=a%00b",
                                  "/api/v1/search/?q=x%00", "/api/v1/contacts/?st%00ate=BY"])
def test_a_nul_character_in_a_parameter_is_a_400_not_a_500(db, client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_parameter"
    assert response.json()["error"]["message"] == "contains a NUL character (\\x00)"


def test_a_nul_character_on_a_page_is_a_400(db, client):
    response = client.get("/search/?q=Hilfe%00")
    assert response.status_code == 400 and response.content == b"q: contains a NUL character (\\x00)"


# Issue 17: each of these was a 500. str.isdigit() accepts "²" (and other non-ASCII
# digits), int() does not; a valid-looking but impossible date raised outside the try; a
# NUL in a path segment reached the database (PostgreSQL refuses it in text).
BAD_NUMBERS = ["²", "١٢", "1" * 5000, "0x10", " 1", "-1"]


@pytest.mark.parametrize("value", BAD_NUMBERS)
@pytest.mark.parametrize("path, name", [("/api/hsds/services", "page"), ("/api/hsds/taxonomies", "per_page"),
                                        ("/api/hsds/organizations", "page"), ("/api/v1/contacts/", "page"),
                                        ("/api/v1/contacts/", "per_page"), ("/api/hsds/taxonomy_terms", "page")])
def test_a_page_number_that_is_not_ascii_digits_is_a_400(client, path, name, value):
    response = client.get(path, {name: value})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_parameter"
    assert response.json()["error"]["field"] == name


@pytest.mark.parametrize("key", ["²", "1" * 30, "9" * 19, "1" * 5000])
def test_a_contact_key_of_odd_digits_is_a_404(client, key):
    response = client.get(f"/api/v1/contacts/{key}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("value", ["2025-02-30T00:00:00", "2025-13-01T00:00:00", "2025-02-30 12:00", "2025-02-30"])
def test_an_impossible_date_is_a_400(client, value):
    response = client.get("/api/hsds/services", {"modified_after": value})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "modified_after"


@pytest.mark.parametrize("path", ["/api/v1/contacts/%00/", "/api/v1/contacts/a%00b/", "/api/hsds/services/%00",
                                  "/api/hsds/organizations/x%00", "/api/hsds/taxonomy_terms/%00"])
def test_a_nul_character_in_a_path_segment_is_a_400(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "invalid_path", "message": "the address contains a NUL character (\\x00)"}


@pytest.mark.parametrize("path", ["/contacts/a%00b/", "/states/%00/", "/search%00/"])
def test_a_nul_character_in_a_page_address_is_a_400(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert response.content == b"the address contains a NUL character (\\x00)"
