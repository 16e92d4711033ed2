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
