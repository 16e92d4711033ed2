"""GET /api/v1/guidance/ and the steps of GET /api/v1/search/ (issue 16): the same steps the
pages show, in the OpenAPI schema, with the one error body for bad parameters."""

import pytest
import yaml

from tests.search.conftest import reindex

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_throttle(settings):
    settings.API_THROTTLE_READ = ""


def slugs(body):
    return [step["slug"] for step in body["steps"]]


def test_without_an_incident_the_general_steps(client, steps):
    body = client.get("/api/v1/guidance/").json()
    assert body["incidents"] == [] and body["states"] == []
    assert slugs(body) == ["acute", "document", "report", "counselling"]


def test_an_incident_and_a_state_give_the_state_variant_in_place_of_the_general_step(client, steps):
    body = client.get("/api/v1/guidance/", {"incident": "online_hate", "state": "by"}).json()
    assert body["incidents"] == ["online_hate"] and body["states"] == ["BY"]
    assert slugs(body) == ["acute", "document", "report", "online-form-by", "counselling"]
    bavaria = body["steps"][3]
    assert bavaria == {
        "slug": "online-form-by", "order": 31, "incidents": ["threat", "online_hate"], "states": ["BY"],
        "replaces": "online-form", "title_de": "Bayern: Meldeverfahren", "title_en": "Step online-form-by",
        "summary_de": "Kurztext zu online-form-by.", "summary_en": "Summary of online-form-by.", "body_de": "", "body_en": "",
        "kinds": ["reporting_office"], "contacts": [], "services": [], "sources": ["https://example.org/online-form-by"],
        "law": [], "last_reviewed": "2026-12-04",
    }


def test_a_place_gives_its_state_and_limit_cuts_to_the_most_urgent(client, steps):
    body = client.get("/api/v1/guidance/", {"near": "70173", "limit": "2"}).json()  # Stuttgart
    assert body["states"] == ["BW"]
    assert slugs(body) == ["acute", "document"]
    assert "zamat-bw" in slugs(client.get("/api/v1/guidance/", {"near": "70173"}).json())


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"incident": "bedrohung"}, "incident", '"bedrohung" is not an incident type'),
        ({"state": "XX"}, "state", '"XX"'),
        ({"limit": "0"}, "limit", '"0" is not a whole number from 1 to 100'),
        ({"limit": "zwei"}, "limit", '"zwei" is not a whole number from 1 to 100'),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client, steps, params, field, message):
    response = client.get("/api/v1/guidance/", params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_parameter" and error["field"] == field and message in error["message"]


def test_the_guidance_endpoint_is_in_the_schema_with_its_parameters_and_step_fields(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    operation = schema["paths"]["/api/v1/guidance/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"incident", "state", "near", "district", "limit"}
    assert "400" in operation["responses"]
    step = schema["components"]["schemas"]["Step"]["properties"]
    assert {"slug", "order", "incidents", "states", "replaces", "title_de", "summary_de", "body_de", "kinds",
            "contacts", "sources", "law", "last_reviewed"} <= set(step)


def test_the_steps_of_the_search_api_are_in_the_schema(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    answer = schema["paths"]["/api/v1/search/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert "steps" in answer["required"]
    assert answer["properties"]["steps"]["items"] == {"$ref": "#/components/schemas/SearchStep"}
    step = schema["components"]["schemas"]["SearchStep"]["allOf"]
    assert step[0] == {"$ref": "#/components/schemas/Step"}
    assert step[1]["properties"]["helpers"]["items"] == {"type": "integer"}
    # Generating the schema twice documents the same (the hook changes nothing shared).
    assert yaml.safe_load(client.get("/api/schema/").content) == schema


def test_the_search_api_returns_the_steps_of_its_query_with_the_contacts_that_help(client, steps):
    from tests.factories import make_contact

    police = make_contact("Polizei Thüringen", scope="state", states=("TH",), kinds=("police",), incidents=("threat",))
    online = make_contact("Onlinewache Thüringen", scope="state", states=("TH",), kinds=("police_online",), incidents=("threat",))
    reindex()
    body = client.get("/api/v1/search/", {"near": "99084", "incident": "threat"}).json()
    assert [step["slug"] for step in body["steps"]] == ["acute", "document", "report", "online-form", "threat-report"]
    helpers = {step["slug"]: step["helpers"] for step in body["steps"]}
    assert helpers["report"] == [police.pk, online.pk]
    assert helpers["online-form"] == [online.pk]
    assert helpers["document"] == []
    hit_ids = {hit["id"] for group in body["groups"] for hit in group["hits"]}
    assert {police.pk, online.pk} <= hit_ids
    assert body["steps"][0]["title_de"] == "In akuter Gefahr: 110 wählen"
