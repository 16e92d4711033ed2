"""Every API read names the data's licence and where its attribution is (issue 20), and
GET /api/v1/attribution/ states both: the operator's licence, the sources, the geodata."""

import pytest

from directory.models import Source
from tests.factories import make_contact
from tests.test_production import run_manage

LINK = ('<https://creativecommons.org/licenses/by/4.0/>; rel="license"; title="CC-BY-4.0", '
        '<http://testserver/api/v1/attribution/>; rel="describedby"')


@pytest.mark.parametrize("path", [
    "/api/v1/contacts/", "/api/v1/contacts/?format=csv", "/api/v1/search/?state=BY", "/api/v1/states/",
    "/api/hsds/services", "/api/hsds/", "/api/v1/attribution/",
])
def test_every_read_links_the_licence_and_the_attribution(client, contacts, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Link"] == LINK


def test_a_refused_read_links_them_too(client, db):
    response = client.get("/api/v1/search/", {"state": "XX"})
    assert response.status_code == 400
    assert response["Link"] == LINK


def test_the_licence_is_the_operators(client, contacts, settings):
    settings.DATA_LICENCE, settings.DATA_LICENCE_URL = "DL-DE-BY-2.0", "https://www.govdata.de/dl-de/by-2-0"
    settings.DATA_PUBLISHER = "Stiftung Beispiel"
    response = client.get("/api/v1/attribution/")
    assert response["Link"].startswith('<https://www.govdata.de/dl-de/by-2-0>; rel="license"; title="DL-DE-BY-2.0", ')
    body = response.json()
    assert body["licence"] == {"name": "DL-DE-BY-2.0", "path": "https://www.govdata.de/dl-de/by-2-0"}
    assert body["publisher"] == "Stiftung Beispiel"


def test_attribution_names_the_sources_of_the_published_contacts_and_the_geodata(client, contacts):
    Source.objects.create(slug="empty", name="Quelle ohne Kontakte")
    retired = Source.objects.create(slug="old", name="Alte Liste", url="https://example.org/alt")
    make_contact("Nicht mehr aktiv", scope="national", kinds=["police"], source=retired, active=False)
    body = client.get("/api/v1/attribution/", HTTP_ACCEPT_LANGUAGE="de").json()
    assert body["sources"] == [{"title": "Partner", "path": "", "slug": "partner", "contacts": 4}]
    assert [item["title"] for item in body["reference_data"]] == [
        "© GeoNames (geonames.org): postcodes and places", "© Statistisches Bundesamt (Destatis): Gemeindeverzeichnis 04-kreise"]
    assert body["attribution"] == (
        "Daten: Lotse, Lizenz CC-BY-4.0 (https://creativecommons.org/licenses/by/4.0/). Quellen: Partner. "
        "Geodaten: © GeoNames (geonames.org): postcodes and places, CC-BY-4.0; "
        "© Statistisches Bundesamt (Destatis): Gemeindeverzeichnis 04-kreise, CC-BY-4.0.")
    english = client.get("/api/v1/attribution/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["attribution"].startswith("Data: Lotse, licence CC-BY-4.0 (https://creativecommons.org/licenses/by/4.0/). Sources: Partner.")


@pytest.mark.parametrize("name, value, message", [
    ("DATA_LICENCE_URL", "creativecommons.org/by", 'DATA_LICENCE_URL: "creativecommons.org/by" is not a web address'),
    ("DATA_LICENCE", " ", 'DATA_LICENCE: "" is not a licence name'),
    ("PARTNER_CONTACT_EMAIL", "partner at example.org", 'PARTNER_CONTACT_EMAIL: "partner at example.org" is not an e-mail address'),
])
def test_bad_licence_settings_stop_the_start(tmp_path, name, value, message):
    result = run_manage("check", LOTSE_VAR_DIR=str(tmp_path), **{name: value})
    assert result.returncode != 0
    assert message in result.stderr
