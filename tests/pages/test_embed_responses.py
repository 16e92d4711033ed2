"""The embed builder (/embed/) and the resize script (/embed.js) through Django's test client
(issue 20): languages, refused choices, and the headers a partner's page depends on."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _plain_static(settings):
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


def test_the_builder_is_german_first_and_english_on_request(client):
    german = client.get("/embed/?district=16051").content.decode()
    assert "<h1>Lotse in Ihre Webseite einbetten</h1>" in german
    assert 'title="Lotse: Hilfe bei Anfeindungen"' in german.replace("&quot;", '"')
    english = client.get("/embed/?district=16051&lang=en").content.decode()
    assert "<h1>Embed Lotse in your website</h1>" in english
    assert "Who may embed Lotse?" in english
    assert '<input type="hidden" name="lang" value="en">' in english


def test_the_snippet_is_in_the_embedded_pages_language(client):
    page = client.get("/embed/?district=16051&embed_lang=en").content.decode().replace("&quot;", '"').replace("&amp;", "&")
    assert '/search/?district=16051&lang=en&embed=1" title="Lotse: help against hostility"' in page


def test_a_refused_choice_answers_400_with_the_query_models_message_and_no_code(client):
    response = client.get("/embed/?district=16051&state=BY")
    assert response.status_code == 400
    page = response.content.decode()
    assert "16051 liegt in TH, nicht in BY; bitte eines von beiden weglassen" in page
    assert '<textarea id="embed-code" readonly rows="4"></textarea>' in page
    response = client.get("/embed/?embed_lang=fr&lang=en")
    assert response.status_code == 400
    assert '&quot;fr&quot; is not a language; use de or en' in response.content.decode()


def test_the_builder_may_frame_only_itself_and_is_framed_by_nobody(client, settings):
    settings.PARTNER_FRAME_ORIGINS = ["https://www.example-kreis.de"]
    csp = client.get("/embed/")["Content-Security-Policy"]
    assert "frame-src 'self';" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


def test_embedded_pages_name_the_origins_their_height_goes_to(client, settings):
    settings.PARTNER_FRAME_ORIGINS = ["https://www.example-kreis.de", "https://portal.example.org"]
    page = client.get("/search/?district=16051&embed=1").content.decode()
    assert 'data-frame-origins="https://www.example-kreis.de https://portal.example.org"' in page
    assert "/static/js/embedded.js" in page
    page = client.get("/search/?district=16051").content.decode()
    assert "data-frame-origins" not in page and "embedded.js" not in page


def test_the_resize_script_can_be_loaded_by_partner_pages_and_sets_nothing(client):
    response = client.get("/embed.js", HTTP_ORIGIN="https://www.example-kreis.de")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert "Cross-Origin-Resource-Policy" not in response or response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert not response.cookies
    assert b'"lotse:height"' in response.content
