"""An official searches by postcode, narrows by incident type, opens a contact and saves it."""

import re

import pytest
from playwright.sync_api import expect

from directory.geo import distance_km
from tests.pages.conftest import DESKTOP, PHONE, SCREENSHOTS

pytestmark = pytest.mark.browser


def test_search_by_postcode_groups_results_by_coverage(visit):
    v = visit(PHONE)
    v.goto("/")
    v.page.get_by_label("Postleitzahl oder Ort").fill("99084")
    v.page.get_by_role("button", name="Hilfe finden").click()
    v.page.wait_for_url(re.compile(r"/search/\?near=99084"))

    near = v.page.locator("section", has=v.page.get_by_role("heading", name=re.compile("In Ihrer Nähe")))
    state = v.page.locator("section", has=v.page.get_by_role("heading", name=re.compile("Landesweit")))
    national = v.page.locator("section", has=v.page.get_by_role("heading", name=re.compile("Bundesweit")))
    assert near.get_by_role("link", name="Opferberatung Erfurt").is_visible()
    assert "km entfernt" in near.inner_text()
    assert state.get_by_role("link", name="Landeskriminalamt Thüringen").is_visible()
    assert national.get_by_role("link", name="Opfer-Telefon").is_visible()
    assert v.page.get_by_text("Bayerisches Landeskriminalamt").count() == 0
    call = near.get_by_role("link", name=re.compile("Beratung: 0361 5551234"))
    assert call.get_attribute("href") == "tel:+493615551234"
    v.screenshot("results")


def test_filter_by_incident_type_narrows_the_results(visit):
    v = visit(DESKTOP)
    v.goto("/search/?near=99084")
    assert v.page.get_by_role("link", name="Landeskriminalamt Thüringen").is_visible()
    v.page.get_by_text("Filter", exact=True).click()
    stalking = v.page.get_by_role("checkbox", name=re.compile(r"Nachstellung \(2\)"))
    stalking.check()
    # With JavaScript the results narrow at once (lotse.js fetches the page and swaps them in) ...
    expect(v.page.get_by_role("link", name="Landeskriminalamt Thüringen")).to_have_count(0)
    expect(v.page).to_have_url(re.compile(r"incident=stalking"))
    assert v.page.get_by_role("link", name="Opferberatung Erfurt").is_visible()
    # ... and the button loads the same filtered page. Only after the swap, so that the one
    # navigation awaited here is the button's, not the in-place refresh racing it.
    with v.page.expect_navigation(url=re.compile(r"incident=stalking"), wait_until="load"):
        v.page.get_by_role("button", name="Suchen").click()
    assert v.page.get_by_role("link", name="Opferberatung Erfurt").is_visible()
    assert v.page.get_by_role("link", name="Opfer-Telefon").is_visible()
    assert v.page.get_by_role("link", name="Landeskriminalamt Thüringen").count() == 0
    assert v.page.get_by_role("checkbox", name=re.compile("Nachstellung")).is_checked()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_filtered_link_shows_its_results_first_on_a_phone(visit, viewport):
    # A partner's pre-filtered link, opened on a phone: the filter list stays folded, so
    # the results are on the first screen; on a desktop it is open beside them.
    v = visit(viewport)
    v.goto("/search/?near=99084&incident=stalking")
    filters = v.page.locator("details.filters")
    summary = filters.locator("summary")
    expect(summary).to_have_text("Filter (1 aktiv)")
    if viewport is PHONE:
        expect(filters).not_to_have_attribute("open", re.compile(".*"))
        expect(v.page.get_by_role("link", name="Opferberatung Erfurt")).to_be_in_viewport()
        v.page.screenshot(path=SCREENSHOTS / "filtered-link-folded-390.png")
        v.page.locator("details.query > summary").click()  # the folded search form (issue 16)
        summary.click()
    expect(filters).to_have_attribute("open", "")
    assert v.page.get_by_role("checkbox", name=re.compile("Nachstellung")).is_checked()
    assert v.page.get_by_role("checkbox", name=re.compile("Nachstellung")).is_visible()
    assert v.page.get_by_role("link", name="Landeskriminalamt Thüringen").count() == 0
    v.screenshot("filtered-link")


def test_open_a_contact_shows_details_and_provenance(visit):
    v = visit(PHONE)
    v.goto("/search/?near=99084")
    v.page.get_by_role("link", name="Opferberatung Erfurt").click()
    v.page.wait_for_url(re.compile(r"/contacts/opferberatung-erfurt/"))
    assert v.page.get_by_role("heading", level=1).inner_text() == "Opferberatung Erfurt"
    provenance = v.page.locator(".provenance").inner_text()
    assert "Testliste Thüringen" in provenance
    assert "noch nicht geprüft" in provenance
    osm = v.page.get_by_role("link", name="Auf OpenStreetMap ansehen")
    assert osm.get_attribute("href").startswith("https://www.openstreetmap.org/?mlat=50.97780&mlon=11.02870")
    assert v.page.get_by_role("link", name=re.compile("0361 5551234")).get_attribute("href") == "tel:+493615551234"
    v.screenshot("contact")


def test_verified_contact_shows_the_date_of_the_last_check(visit):
    v = visit(PHONE)
    v.goto("/contacts/lka-thueringen/")
    assert "14. März 2025" in v.page.locator(".provenance").inner_text()


def test_download_the_vcard(visit):
    v = visit(PHONE)
    v.goto("/contacts/opferberatung-erfurt/")
    with v.page.expect_download() as info:
        v.page.get_by_role("link", name="Als Kontakt speichern (vCard)").click()
    download = info.value
    assert download.suggested_filename == "opferberatung-erfurt.vcf"
    text = open(download.path(), encoding="utf-8").read()
    assert "BEGIN:VCARD" in text
    assert "FN:Opferberatung Erfurt" in text
    assert "ORG:Beratungsverein Thüringen" in text
    assert re.search(r"TEL;TYPE=WORK:\+493615551234", text)
    assert "EMAIL;TYPE=INTERNET:hilfe@example.org" in text


def test_old_contact_slug_redirects_to_the_current_one(visit):
    v = visit(PHONE)
    v.goto("/contacts/opferberatung-erfurt-alt/?lang=en")
    assert v.page.url.endswith("/contacts/opferberatung-erfurt/?lang=en")


def test_state_and_district_codes_redirect_to_the_landing_pages(visit):
    v = visit(DESKTOP)
    v.goto("/states/TH/")
    assert v.page.url.endswith("/states/thueringen/")
    assert v.page.get_by_role("heading", level=1).inner_text() == "Hilfe in Thüringen"
    assert v.page.get_by_role("link", name="Landeskriminalamt Thüringen").is_visible()
    assert v.page.get_by_text("Bayerisches Landeskriminalamt").count() == 0
    v.screenshot("state")
    v.goto("/districts/16051/")
    assert v.page.url.endswith("/districts/erfurt/")
    assert v.page.get_by_role("link", name="Opferberatung Erfurt").is_visible()
    assert v.page.get_by_role("link", name="Landeskriminalamt Thüringen").is_visible()
    v.screenshot("district")


def test_bad_parameter_gets_a_400_page_with_the_reason(visit):
    v = visit(PHONE)
    v.goto("/search/?near=123", expect_status=400)
    alert = v.page.get_by_role("alert").inner_text()
    assert "„near“" in alert
    assert '"123" ist keine Postleitzahl; eine deutsche Postleitzahl hat 5 Ziffern' in alert


def test_nothing_found_offers_ways_out_and_the_hotlines(visit):
    v = visit(PHONE)
    v.goto("/search/?near=99084&kind=prosecution")
    advice = v.page.locator(".advice")
    assert advice.get_by_role("link", name="Suchradius auf 200 km erweitern").is_visible()
    advice.get_by_role("link", name="ohne Filter „Art der Stelle“ suchen").click()
    assert v.page.get_by_role("link", name="Opferberatung Erfurt").is_visible()
    v.page.go_back()
    assert v.page.locator(".hotlines").get_by_role("link", name=re.compile("Opfer-Telefon.*116 006")).get_attribute("href") == "tel:116006"


def test_use_my_location_searches_near_the_browser_position(browser, live_server, site):
    context = browser.new_context(
        viewport=PHONE, locale="de-DE", geolocation={"latitude": 50.9787, "longitude": 11.0328}, permissions=["geolocation"]
    )
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        page.get_by_role("button", name="Meinen Standort verwenden").click()
        page.wait_for_url(re.compile(r"near=50\.9787%2C11\.0328"))
        near = page.locator("section", has=page.get_by_role("heading", name=re.compile("In Ihrer Nähe")))
        assert near.get_by_role("link", name="Opferberatung Erfurt").is_visible()
        expected = f"{distance_km(50.9787, 11.0328, 50.9778, 11.0287):.1f}".replace(".", ",")
        assert f"{expected} km entfernt" in near.inner_text()
    finally:
        context.close()


def test_contact_prints_without_the_page_controls(visit):
    v = visit(DESKTOP)
    v.goto("/contacts/opferberatung-erfurt/")
    v.page.emulate_media(media="print")
    assert v.page.get_by_role("link", name="Als Kontakt speichern (vCard)").is_hidden()
    assert v.page.get_by_role("link", name="Auf OpenStreetMap ansehen").is_hidden()
    assert v.page.get_by_role("link", name=re.compile("0361 5551234")).is_visible()
    assert v.page.get_by_text("noch nicht geprüft").is_visible()
