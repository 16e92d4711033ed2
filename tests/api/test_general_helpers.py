"""A contact for every incident (issue 15) in the v1 API and in HSDS."""

import pytest

from directory import hsds
from directory.models import Scope
from tests.api.conftest import make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def association(contacts):
    return make_contact(name="Gemeinde- und Städtebund Thüringen", scope=Scope.STATE, kinds=["municipal_association"],
                        states=["TH"], incidents=(), targets=(), all_incidents=True, source_url="https://gstb-thueringen.de",
                        source_date="2025-03")


def test_the_contact_api_says_it_and_finds_it_for_any_incident(client, association):
    body = client.get("/api/v1/contacts/", {"state": "TH", "incident": "sexual_harassment"}).json()
    assert [c["name"] for c in body["results"]] == ["Gemeinde- und Städtebund Thüringen"]
    item = body["results"][0]
    assert (item["all_incidents"], item["incident_types"]) == (True, [])
    assert item["provenance"]["source_date"] == "2025-03"
    detail = client.get(f"/api/v1/contacts/{association.uuid}/").json()
    assert detail["all_incidents"] is True and detail["provenance"]["source_date"] == "2025-03"


def test_the_csv_list_has_the_columns(client, association):
    response = client.get("/api/v1/contacts/", {"state": "TH", "format": "csv"})
    text = b"".join(response.streaming_content).decode()
    header, *lines = text.splitlines()
    rows = [dict(zip(header.split(","), line.split(","))) for line in lines]
    row = next(r for r in rows if r["name"] == "Gemeinde- und Städtebund Thüringen")
    assert (row["all_incidents"], row["source_date"]) == ("1", "2025-03")


def test_hsds_gives_it_every_incident_term(client, association):
    service = client.get(f"/api/hsds/services/{association.uuid}").json()
    incident_terms = {a["taxonomy_term"]["code"] for a in service["attributes"]
                      if a["taxonomy_term"]["taxonomy_id"] == hsds.taxonomy_id("lotse-incident-types")}
    assert len(incident_terms) == 12
    term = hsds.term_id("lotse-incident-types", "stalking")
    names = {s["name"] for s in client.get("/api/hsds/services", {"taxonomy_term_id": term}).json()["contents"]}
    assert "Gemeinde- und Städtebund Thüringen" in names
