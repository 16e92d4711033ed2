"""The vocabularies partners need to build a query: states, districts, taxonomies."""

import pytest

pytestmark = pytest.mark.django_db


def test_states_lists_all_sixteen_with_codes(client):
    body = client.get("/api/v1/states/").json()
    assert len(body) == 16
    assert {"code": "TH", "iso": "DE-TH", "ags": "16"}.items() <= next(s for s in body if s["code"] == "TH").items()


def test_districts_filter_by_state(client):
    everything = client.get("/api/v1/districts/").json()
    assert len(everything) == 400
    thuringia = client.get("/api/v1/districts/", {"state": "th"}).json()
    assert thuringia and {d["state"] for d in thuringia} == {"TH"}
    assert "16051" in {d["ags"] for d in thuringia}


def test_districts_with_an_unknown_state_is_a_400(client):
    response = client.get("/api/v1/districts/", {"state": "ZZ"})
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "invalid_parameter", "message": response.json()["error"]["message"], "field": "state"}


@pytest.mark.parametrize(
    "path,slug", [("incident-types", "threat"), ("kinds", "victim_support"), ("target-groups", "officials"), ("channels", "phone")]
)
def test_taxonomies_list_stable_slugs_with_both_labels(client, path, slug):
    body = client.get(f"/api/v1/{path}/").json()
    term = next(t for t in body if t["slug"] == slug)
    assert term["name_de"] and term["name_en"]
