"""GET /api/v1/search/: JSON shape, 400 for bad input, never a 500."""

import json

import pytest
from hypothesis import HealthCheck, given, settings as hsettings
from hypothesis import strategies as st

PARAMS = ["q", "near", "radius", "state", "district", "incident", "kind", "target", "free", "anonymous",
          "barrier_free", "open_24_7", "lang", "page", "per_page"]


def test_search_returns_groups_facets_and_page_info(indexed, client):
    response = client.get("/api/v1/search/?near=80331&incident=threat&lang=en")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["query"] == {"near": "80331", "incident": ["threat"], "lang": "en"}
    assert body["place"]["districts"] == ["09162"] and body["place"]["states"] == ["BY"]
    assert [g["key"] for g in body["groups"]] == ["near", "state", "national"]
    assert body["groups"][0]["hits"][0]["name"] == "Beratungsstelle München"
    assert (body["page"], body["per_page"], body["total"], body["total_pages"], body["degraded"]) == (1, 20, 3, 1, False)
    assert body["facets"]["incident_types"]["threat"] == 3


def test_bad_parameter_gets_400_with_field_and_message(db, client):
    response = client.get("/api/v1/search/?state=XX")
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "invalid_parameter", "field": "state", "message":
        '"XX" is not a German state code; use one of BB (Brandenburg), BE (Berlin), BW (Baden-Württemberg), '
        'BY (Bavaria), HB (Bremen), HE (Hesse), HH (Hamburg), MV (Mecklenburg-Western Pomerania), NI (Lower Saxony), '
        'NW (North Rhine-Westphalia), RP (Rhineland-Palatinate), SH (Schleswig-Holstein), SL (Saarland), SN (Saxony), '
        'ST (Saxony-Anhalt), TH (Thuringia)'}}


def test_only_safe_methods(db, client):
    assert client.post("/api/v1/search/").status_code == 405


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(st.sampled_from(PARAMS), st.text(max_size=30), max_size=5))
def test_arbitrary_input_never_gives_a_server_error(indexed, client, params):
    response = client.get("/api/v1/search/", params)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert response.json()["error"]["field"] in PARAMS


def test_a_gzip_client_gets_the_same_json_compressed(indexed, client):
    import gzip

    plain = client.get("/api/v1/search/", {"near": "80331"})
    packed = client.get("/api/v1/search/", {"near": "80331"}, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert "Content-Encoding" not in plain and "Accept-Encoding" in plain["Vary"]
    assert int(packed["Content-Length"]) == len(packed.content) < len(plain.content)
    unpacked = json.loads(gzip.decompress(packed.content))
    plain_body = plain.json()
    assert unpacked == plain_body and unpacked["groups"][0]["hits"][0]["name"] == "Beratungsstelle München"
