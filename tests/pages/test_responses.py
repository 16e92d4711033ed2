"""What the public pages answer, checked through Django's test client (no browser needed)."""

import re

import pytest

from tests.factories import make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _plain_static(settings):
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


def test_codes_redirect_permanently_to_the_canonical_slugs(client):
    assert client.get("/states/TH/")["Location"] == "/states/thueringen/"
    assert client.get("/states/th/?lang=en")["Location"] == "/states/thueringen/?lang=en"
    assert client.get("/districts/16051/").status_code == 301
    assert client.get("/districts/16051/")["Location"] == "/districts/erfurt/"
    assert client.get("/districts/99999/").status_code == 404
    assert client.get("/states/XX/").status_code == 404


def test_unknown_contact_is_404_and_inactive_contact_is_410(client):
    assert client.get("/contacts/gibt-es-nicht/").status_code == 404
    gone = make_contact("Alte Stelle", slug="alte-stelle", scope="national", kinds=["legal"], incidents=[], active=False)
    response = client.get(f"/contacts/{gone.slug}/")
    assert response.status_code == 410
    assert "nicht mehr aktiv" in response.content.decode()
    assert client.get(f"/contacts/{gone.slug}/vcard.vcf").status_code == 404


def test_bad_parameters_answer_400_with_the_message_never_500(client):
    cases = {
        "/search/?near=123": '"123" ist keine Postleitzahl',
        "/search/?state=XX": '"XX" ist kein Kürzel eines Bundeslandes',
        "/search/?incident=murder": '"murder" ist keine bekannte Vorfallart',
        "/search/?radius=5": "braucht near=",
        "/search/?page=abc": '"abc" ist keine ganze Zahl',
        "/search/?near=123&lang=en": '"123" is not a postcode; a German postcode has 5 digits',
    }
    for path, message in cases.items():
        response = client.get(path)
        assert response.status_code == 400, path
        assert message in response.content.decode().replace("&quot;", '"'), path


def test_visitors_get_no_cookies_but_the_admin_login_keeps_its_csrf_cookie(client):
    for path in ("/", "/search/?near=99084", "/about/", "/states/thueringen/", "/search/?near=1"):
        assert not client.get(path).cookies, path
    assert "csrftoken" in client.get("/admin/login/").cookies


def test_responses_are_compressed_for_clients_that_accept_gzip(client):
    response = client.get("/search/?near=99084", headers={"accept-encoding": "gzip"})
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"] and "Accept-Language" in response["Vary"]


def test_embed_is_only_exempt_from_framing_rules_with_partner_origins(client, settings):
    # Lotse itself may frame an embed: the embed builder previews it (issue 20).
    settings.PARTNER_FRAME_ORIGINS = []
    response = client.get("/search/?embed=1")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self';" in response["Content-Security-Policy"] + ";"
    settings.PARTNER_FRAME_ORIGINS = ["https://www.example-kreis.de"]
    response = client.get("/search/?embed=1")
    assert "X-Frame-Options" not in response
    assert "frame-ancestors https://www.example-kreis.de 'self';" in response["Content-Security-Policy"] + ";"
    response = client.get("/search/")
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none';" in response["Content-Security-Policy"] + ";"


@pytest.mark.parametrize("path", ["/%5Cevil.example/", "/%5C%5Cevil.example/x/", "/%2F%2Fevil.example/",
                                  "/search/%5Cevil.example"])
def test_the_language_link_never_points_to_another_host(client, path):
    # Issue 17: the link was built from request.path, so /\\evil.example/ became
    # href="/\\evil.example/?lang=en", which browsers read as //evil.example/.
    response = client.get(path)
    assert response.status_code == 404
    links = re.findall(r'<a href="([^"]*)" hreflang="en"', response.content.decode())
    assert links == ["?lang=en"]


def test_the_language_link_keeps_the_parameters_and_only_the_query(client):
    body = client.get("/search/?near=99084&incident=threat&lang=de").content.decode()
    assert '<a href="?near=99084&amp;incident=threat&amp;lang=en" hreflang="en" lang="en">English</a>' in body
