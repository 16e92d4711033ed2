"""Partners frame a pre-filtered result page (?embed=1); only configured origins may."""

import pytest

from tests.pages.conftest import DESKTOP

pytestmark = pytest.mark.browser

PARTNER = "http://partner.test"
STRANGER = "http://stranger.test"


def _host_page(v, origin: str, src: str):
    """Serve a page at `origin` from inside the browser (no network) that frames `src`."""
    html = f'<!doctype html><title>host</title><iframe id="lotse" src="{src}" width="800" height="600"></iframe>'
    v.page.route(f"{origin}/**", lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    v.page.goto(f"{origin}/")


def _assert_frame_blocked(v):
    # Chromium replaces a refused frame with an empty error document; wait until the
    # frame has finished loading, then check that none of our page is in it.
    frame = next(f for f in v.page.frames if f != v.page.main_frame)
    frame.wait_for_load_state("load")
    v.page.wait_for_timeout(300)
    assert "Opferberatung Erfurt" not in frame.content()
    assert "Lotse" not in frame.content()


def test_embed_mode_headers_allow_only_the_partner_origins(visit, settings):
    settings.PARTNER_FRAME_ORIGINS = [PARTNER, "https://www.example-kreis.de"]
    v = visit(DESKTOP)
    response = v.goto("/search/?district=16051&incident=threat&embed=1")
    assert "frame-ancestors http://partner.test https://www.example-kreis.de" in response.headers["content-security-policy"]
    assert "x-frame-options" not in response.headers
    response = v.goto("/search/?district=16051&incident=threat")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"


def test_embed_mode_is_a_minimal_layout_that_keeps_the_emergency_numbers(visit, settings):
    settings.PARTNER_FRAME_ORIGINS = [PARTNER]
    v = visit(DESKTOP)
    v.goto("/search/?district=16051&embed=1")
    assert v.page.get_by_role("link", name="Polizei 110").get_attribute("href") == "tel:110"
    assert v.page.get_by_role("link", name="Notruf 112").get_attribute("href") == "tel:112"
    assert v.page.get_by_text("Link zu dieser Suche").count() == 0
    contact = v.page.get_by_role("link", name="Opferberatung Erfurt")
    assert contact.get_attribute("target") == "_blank"
    v.screenshot("embed")


def test_partner_origin_can_frame_the_embed(visit, settings, live_server):
    settings.PARTNER_FRAME_ORIGINS = [PARTNER]
    v = visit(DESKTOP)
    _host_page(v, PARTNER, f"{live_server.url}/search/?district=16051&embed=1")
    link = v.page.frame_locator("#lotse").get_by_role("link", name="Opferberatung Erfurt")
    link.wait_for(state="visible", timeout=10000)


def test_other_origins_cannot_frame_any_page(visit, settings, live_server):
    settings.PARTNER_FRAME_ORIGINS = [PARTNER]
    v = visit(DESKTOP)
    _host_page(v, STRANGER, f"{live_server.url}/search/?district=16051&embed=1")
    _assert_frame_blocked(v)


def test_embed_cannot_be_framed_when_no_partner_is_configured(visit, settings, live_server):
    settings.PARTNER_FRAME_ORIGINS = []
    v = visit(DESKTOP)
    response = v.goto("/search/?district=16051&embed=1")
    assert response.headers["x-frame-options"] == "SAMEORIGIN"  # the embed builder's preview (issue 20)
    assert "frame-ancestors 'self';" in response.headers["content-security-policy"] + ";"
    _host_page(v, PARTNER, f"{live_server.url}/search/?district=16051&embed=1")
    _assert_frame_blocked(v)


def test_link_box_offers_the_canonical_url_and_an_iframe_snippet(visit, live_server):
    v = visit(DESKTOP)
    v.goto("/search/?incident=threat&district=16051&utm_source=x")
    v.page.get_by_text("Link zu dieser Suche").click()
    url = v.page.get_by_label("Adresse dieser Suche (dauerhaft gültig)").input_value()
    assert url == f"{live_server.url}/search/?district=16051&incident=threat"
    snippet = v.page.get_by_label("Zum Einbetten in Ihre Webseite (iframe)").input_value()
    assert snippet.startswith(f'<iframe src="{live_server.url}/search/?district=16051&incident=threat&embed=1"')
