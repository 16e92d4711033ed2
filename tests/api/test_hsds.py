"""Open Referral HSDS 3.0 under /api/hsds/: every response validates against the
compiled HSDS schemas (../shared/reference/hsds-3.0/compiled/)."""

import datetime
import uuid

import pytest
from django.utils import timezone

from directory import hsds
from directory.models import Contact
from tests.api.hsds_schemas import assert_page, assert_valid

pytestmark = pytest.mark.django_db


def test_the_schemas_reject_a_broken_service():
    with pytest.raises(AssertionError, match="'status' is a required property"):
        assert_valid({"id": str(uuid.uuid4()), "name": "x"}, "compiled/service.json")
    with pytest.raises(AssertionError, match="is not a 'uuid'"):
        assert_valid({"id": "7", "name": "x", "status": "active"}, "compiled/service.json")


def test_root_names_the_version_and_our_openapi(client):
    body = client.get("/api/hsds/").json()
    assert body["version"] == "3.0" and body["openapi_url"].endswith("/api/schema/")


def test_services_page_validates(client, contacts):
    body = client.get("/api/hsds/services").json()
    assert_page(body, "compiled/service_list.json")
    assert body["total_items"] == 4 and body["first_page"] and body["last_page"] and not body["empty"]
    full = client.get("/api/hsds/services", {"full": "true"}).json()
    assert_page(full, "compiled/service.json")


def test_services_are_paged(client, contacts):
    body = client.get("/api/hsds/services", {"per_page": 3, "page": 2}).json()
    assert (body["total_items"], body["total_pages"], body["page_number"], body["size"]) == (4, 2, 2, 1)
    assert not body["first_page"] and body["last_page"]
    empty = client.get("/api/hsds/services", {"search": "zzzzzz"}).json()
    assert empty["empty"] and empty["contents"] == [] and empty["total_pages"] == 1
    assert_page(empty, "compiled/service_list.json")


def test_a_service_carries_coverage_phones_terms_and_provenance(client, contacts):
    munich = contacts["munich"]
    body = client.get(f"/api/hsds/services/{munich.uuid}").json()
    assert_valid(body, "compiled/service.json")
    assert body["id"] == str(munich.uuid) and body["organization_id"] == str(munich.organisation.uuid)
    assert body["assured_date"] == "2025-03-01"
    assert body["last_modified"].endswith("Z")
    assert [a["extent"] for a in body["service_areas"]] == ["09162"]
    assert body["phones"][0]["number"] == "+498912345678"
    codes = {(a["taxonomy_term"]["taxonomy"], a["taxonomy_term"]["code"]) for a in body["attributes"]}
    assert ("lotse-incident-types", "threat") in codes and ("lotse-contact-kinds", "victim_support") in codes
    address = body["service_at_locations"][0]["location"]["addresses"][0]
    assert (address["postal_code"], address["city"], address["country"]) == ("80331", "München", "DE")


def test_ids_are_stable_across_requests(client, contacts):
    path = f"/api/hsds/services/{contacts['national'].uuid}"
    assert client.get(path).json() == client.get(path).json()


def test_a_contact_without_organisation_gets_its_own_synthetic_one(client, contacts):
    national = contacts["national"]
    body = client.get(f"/api/hsds/services/{national.uuid}").json()
    org_id = body["organization_id"]
    assert org_id == hsds.derived_id("organization", "contact", national.uuid)
    assert body["service_areas"][0]["extent"] == "DE"
    organization = client.get(f"/api/hsds/organizations/{org_id}").json()
    assert_valid(organization, "compiled/organization.json")
    assert [s["id"] for s in organization["services"]] == [str(national.uuid)]
    only = client.get("/api/hsds/services", {"organization_id": org_id}).json()
    assert [s["id"] for s in only["contents"]] == [str(national.uuid)]


def test_organizations_validate(client, contacts):
    body = client.get("/api/hsds/organizations").json()
    assert_page(body, "compiled/organization_list.json")
    assert body["total_items"] == 4  # Weißer Ring + three contacts without organisation
    ring = contacts["munich"].organisation
    detail = client.get(f"/api/hsds/organizations/{ring.uuid}").json()
    assert_valid(detail, "compiled/organization.json")
    assert detail["website"] == "https://weisser-ring.de"


def test_taxonomies_and_terms_validate(client, contacts):
    taxonomies = client.get("/api/hsds/taxonomies").json()
    assert_page(taxonomies, "taxonomy.json")
    assert taxonomies["total_items"] == 3
    terms = client.get("/api/hsds/taxonomy_terms", {"per_page": 200}).json()
    assert_page(terms, "taxonomy_term.json")
    threat = next(t for t in terms["contents"] if t["code"] == "threat")
    assert_valid(client.get(f"/api/hsds/taxonomy_terms/{threat['id']}").json(), "taxonomy_term.json")
    assert_valid(client.get(f"/api/hsds/taxonomies/{threat['taxonomy_id']}").json(), "taxonomy.json")
    only = client.get("/api/hsds/taxonomy_terms", {"taxonomy_id": threat["taxonomy_id"]}).json()
    assert {t["taxonomy"] for t in only["contents"]} == {"lotse-incident-types"}


def test_services_by_taxonomy_term(client, contacts):
    term = hsds.term_id("lotse-incident-types", "online_hate")
    body = client.get("/api/hsds/services", {"taxonomy_term_id": term}).json()
    assert {s["name"] for s in body["contents"]} == {"ezra Thüringen", "Hilfetelefon Hass im Netz"}


def test_services_by_postcode_follow_the_coverage_rule(client, contacts):
    body = client.get("/api/hsds/services", {"postcode": "80331"}).json()
    assert {s["name"] for s in body["contents"]} == {
        "Opferberatung München", "Landeskriminalamt Bayern Staatsschutz", "Hilfetelefon Hass im Netz"}
    assert {s["name"] for s in client.get("/api/hsds/services", {"state": "TH"}).json()["contents"]} == {
        "ezra Thüringen", "Hilfetelefon Hass im Netz"}


def test_services_modified_after(client, contacts):
    old = timezone.now() - datetime.timedelta(days=30)
    Contact.objects.exclude(pk=contacts["munich"].pk).update(updated_at=old)
    since = (timezone.now() - datetime.timedelta(days=1)).date().isoformat()
    body = client.get("/api/hsds/services", {"modified_after": since}).json()
    assert [s["name"] for s in body["contents"]] == ["Opferberatung München"]


def test_service_at_locations_validate(client, contacts):
    body = client.get("/api/hsds/service_at_locations").json()
    assert_page(body, "compiled/service_at_location_list.json")
    assert [s["service_id"] for s in body["contents"]] == [str(contacts["munich"].uuid)]


@pytest.mark.parametrize(
    "params,field",
    [({"organization_id": "nope"}, "organization_id"), ({"modified_after": "yesterday"}, "modified_after"),
     ({"postcode": "00000"}, "postcode"), ({"per_page": "0"}, "per_page"), ({"full": "maybe"}, "full"),
     ({"state": "XX"}, "state")],
)
def test_bad_parameters_are_400_error_bodies(client, contacts, params, field):
    response = client.get("/api/hsds/services", params)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field


def test_unknown_ids_are_404_error_bodies(client, contacts):
    for path in ("services", "organizations", "taxonomies", "taxonomy_terms"):
        response = client.get(f"/api/hsds/{path}/{uuid.uuid4()}")
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"


def test_the_demo_directory_validates_as_hsds(client):
    """Every demo contact (public facts, as imported) as a full HSDS service, organization
    and service_at_location, validated against the compiled schemas."""
    from importers.demo import demo_load

    demo_load()
    total = Contact.objects.filter(active=True).count()
    services = client.get("/api/hsds/services", {"full": "true", "per_page": 200}).json()
    assert services["total_items"] == total > 10
    assert_page(services, "compiled/service.json")
    organizations = client.get("/api/hsds/organizations", {"per_page": 200}).json()
    assert_page(organizations, "compiled/organization_list.json")
    for organization in organizations["contents"][:10]:
        assert_valid(client.get(f"/api/hsds/organizations/{organization['id']}").json(), "compiled/organization.json")
    assert_page(client.get("/api/hsds/service_at_locations", {"per_page": 200}).json(), "compiled/service_at_location_list.json")
