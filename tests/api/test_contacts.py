"""GET /api/v1/contacts/ and /api/v1/contacts/<key>/: the query model, coverage, CSV."""

import csv
import io

import pytest

from directory.models import Contact

pytestmark = pytest.mark.django_db


def names(response):
    return {item["name"] for item in response.json()["results"]}


def test_list_shows_active_contacts_only(client, contacts):
    response = client.get("/api/v1/contacts/")
    assert response.status_code == 200
    assert names(response) == {"Opferberatung München", "Landeskriminalamt Bayern Staatsschutz", "ezra Thüringen",
                               "Hilfetelefon Hass im Netz"}
    assert response.json()["count"] == 4


def test_a_district_gets_its_own_its_states_and_the_nationwide_contacts(client, contacts):
    response = client.get("/api/v1/contacts/", {"district": "09162"})
    assert names(response) == {"Opferberatung München", "Landeskriminalamt Bayern Staatsschutz", "Hilfetelefon Hass im Netz"}


def test_a_state_never_gets_another_states_state_wide_contacts(client, contacts):
    response = client.get("/api/v1/contacts/", {"state": "TH"})
    assert names(response) == {"ezra Thüringen", "Hilfetelefon Hass im Netz"}


def test_near_a_postcode_orders_by_distance_and_reports_km(client, contacts):
    response = client.get("/api/v1/contacts/", {"near": "80331"})
    results = response.json()["results"]
    assert results[0]["name"] == "Opferberatung München"
    assert results[0]["distance_km"] < 2


def test_filters_by_incident_kind_and_flag(client, contacts):
    assert names(client.get("/api/v1/contacts/", {"incident": "online_hate"})) == {"ezra Thüringen", "Hilfetelefon Hass im Netz"}
    assert names(client.get("/api/v1/contacts/", {"kind": "victim_support", "state": "BY"})) == {"Opferberatung München"}
    assert names(client.get("/api/v1/contacts/", {"open_24_7": "1"})) == {"Hilfetelefon Hass im Netz"}
    assert names(client.get("/api/v1/contacts/", {"q": "Staatsschutz"})) == {"Landeskriminalamt Bayern Staatsschutz"}


def test_an_unknown_state_is_a_400_naming_the_field(client, contacts):
    response = client.get("/api/v1/contacts/", {"state": "XX"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_parameter"
    assert error["field"] == "state"
    assert '"XX" is not a German state code' in error["message"]


def test_an_unknown_incident_is_a_400(client, contacts):
    response = client.get("/api/v1/contacts/", {"incident": "nonsense"})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "incident"


def test_pagination_uses_page_and_per_page(client, contacts):
    first = client.get("/api/v1/contacts/", {"per_page": 3}).json()
    second = client.get("/api/v1/contacts/", {"per_page": 3, "page": 2}).json()
    assert len(first["results"]) == 3 and len(second["results"]) == 1
    assert {r["uuid"] for r in first["results"]}.isdisjoint({r["uuid"] for r in second["results"]})
    past = client.get("/api/v1/contacts/", {"per_page": 3, "page": 9})
    assert past.status_code == 404 and past.json()["error"]["code"] == "page_not_found"


def test_detail_by_uuid_id_and_slug(client, contacts):
    munich = contacts["munich"]
    for key in (str(munich.uuid), str(munich.pk), munich.slug):
        response = client.get(f"/api/v1/contacts/{key}/")
        assert response.status_code == 200, key
        body = response.json()
        assert body["uuid"] == str(munich.uuid)
    assert body["phones"] == [{"label": "Beratung", "number": "+498912345678", "display": body["phones"][0]["display"]}]
    assert body["districts"] == ["09162"] and body["scope"] == "district"
    assert body["provenance"]["source"] == "partner" and body["provenance"]["last_verified"] == "2025-03-01"
    assert body["organisation"]["name"] == "Weißer Ring e. V."


def test_an_inactive_or_unknown_contact_is_a_404_error_body(client, contacts):
    for key in (str(contacts["inactive"].uuid), "does-not-exist"):
        response = client.get(f"/api/v1/contacts/{key}/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_csv_lists_every_matching_contact_and_neutralises_formulas(client, contacts):
    response = client.get("/api/v1/contacts/", {"format": "csv", "state": "TH"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {row["name"] for row in rows} == {"ezra Thüringen", "Hilfetelefon Hass im Netz"}
    hotline = next(row for row in rows if row["name"] == "Hilfetelefon Hass im Netz")
    assert hotline["phones"] == "116006" and hotline["open_24_7"] == "1"


def test_csv_by_accept_header(client, contacts):
    response = client.get("/api/v1/contacts/", HTTP_ACCEPT="text/csv")
    assert response["Content-Type"].startswith("text/csv")


def test_csv_cells_that_start_a_formula_are_neutralised():
    from api.renderers import neutralise

    assert neutralise('=HYPERLINK("http://evil")') == '\'=HYPERLINK("http://evil")'
    assert neutralise("+4989") == "'+4989"
    assert neutralise("München") == "München"


def test_errors_stay_json_when_csv_was_asked_for(client, contacts):
    response = client.get("/api/v1/contacts/", {"format": "csv", "state": "XX"})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "state"


@pytest.mark.parametrize(
    "params",
    [{"district": "09162", "incident": "threat"}, {"state": "TH"}, {"near": "80331", "radius": "50"}, {"kind": "victim_support"}],
)
def test_the_list_means_what_the_search_api_means(client, contacts, params):
    """DESIGN.md: a partner's link and an API call mean the same thing."""
    from search.engine import DatabaseExecutor
    from search.query import parse_query

    listed = {item["uuid"] for item in client.get("/api/v1/contacts/", {**params, "per_page": 100}).json()["results"]}
    result = DatabaseExecutor().run(parse_query({**params, "per_page": "100"}))
    searched = {hit["uuid"] for group in result.to_dict()["groups"] for hit in group["hits"]}
    assert listed == searched
    assert listed


def test_near_orders_by_great_circle_distance_as_the_search_does(client, contacts):
    from directory.geo import distance_km
    from search.query import parse_query

    point = parse_query({"near": "99084"}).point
    results = client.get("/api/v1/contacts/", {"near": "99084"}).json()["results"]
    located = [r for r in results if r["point"]]
    assert [r["name"] for r in located] == [r["name"] for r in sorted(located, key=lambda r: r["distance_km"])]
    for item in located:
        assert item["distance_km"] == round(distance_km(*point, item["point"]["lat"], item["point"]["lng"]), 1)
    assert results[-1]["point"] is None or all(r["point"] for r in results)  # unlocated contacts come last


def test_a_list_page_asks_the_database_a_fixed_number_of_queries(client, contacts, django_assert_max_num_queries):
    # count, page keys, contacts, six relations, phones: not one query per contact.
    with django_assert_max_num_queries(10):
        response = client.get("/api/v1/contacts/", {"per_page": 100})
    assert response.json()["count"] == 4
