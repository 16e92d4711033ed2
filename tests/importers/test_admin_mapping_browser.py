"""In a real browser (issue 22): an administrator uploads a partner's list with a value the
importer does not know, maps it in the preview, confirms; next month's file of the same
source goes through with no mapping step. Debian's Chromium through Playwright against
the live server; the task backend runs each import inside its request (tests/conftest.py).
"""

import re

import pytest
from playwright.sync_api import expect

from directory.models import Contact
from importers.models import SourceMapping
from tests.importers.test_partner_files import COUNSEL, HEADERS, NOTE, POLICE, TITLE, xlsx
from tests.pages.conftest import DESKTOP, PHONE, SCREENSHOTS

pytestmark = pytest.mark.browser


def november() -> bytes:
    police = list(POLICE)
    police[3] = "Kontaktbereichsdienst"  # no kind by that name: the preview asks
    return xlsx([[TITLE], None, HEADERS, police, COUNSEL, None, [NOTE]], merges=("A1:O1",))


def december() -> bytes:
    police, counsel = list(POLICE), list(COUNSEL)
    police[3] = "Kontaktbereichsdienst"
    counsel[10] = "0361 2188 6701"  # a new number
    return xlsx([[TITLE.replace("November", "Dezember")], None, HEADERS, police, counsel, None, [NOTE]], merges=("A1:O1",))


@pytest.fixture
def admin_page(browser, live_server, reference, transactional_db, django_user_model, settings):
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    django_user_model.objects.create_superuser("anna", "anna@example.org", "geheim-und-lang")
    contexts = []

    def open_page(viewport):
        context = browser.new_context(viewport=viewport, locale="de-DE")
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/admin/login/?next=/admin/")
        page.get_by_label("Benutzername").fill("anna")
        page.get_by_label("Passwort").fill("geheim-und-lang")
        page.get_by_role("button", name="Anmelden").click()
        page.wait_for_url(re.compile(r"/admin/$"))
        return page

    yield live_server.url, open_page
    for context in contexts:
        context.close()


def _upload(page, base, tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    page.goto(f"{base}/admin/importers/importrun/upload/")
    page.get_by_label("Datei (CSV, XLSX oder JSON)").set_input_files(str(path))
    page.get_by_label("Quelle (Kennung)").fill("lk-gotha")
    page.get_by_role("button", name="Probelauf starten").click()
    page.wait_for_url(re.compile(r"/progress/$"))


def _within_width(page, selector) -> bool:
    width = page.viewport_size["width"]
    return page.evaluate(f"document.querySelector('{selector}').getBoundingClientRect().right") <= width


def test_map_an_unknown_value_in_the_preview_confirm_and_next_month_needs_no_mapping(admin_page, tmp_path):
    base, open_page = admin_page
    page = open_page(PHONE)
    _upload(page, base, tmp_path, "hilfsangebote-november.xlsx", november())
    expect(page.get_by_role("heading", name="Nicht importiert: die Datei hat Fehler")).to_be_visible()
    expect(page.get_by_text("Kopfzeile in Zeile 3 erkannt; Zeilen 1–2 übersprungen")).to_be_visible()
    expect(page.get_by_text('"Hinweis: Angaben ohne Gewähr" steht unter der Liste')).to_be_visible()
    choice = page.get_by_label('Art: "Kontaktbereichsdienst"')
    expect(choice).to_be_visible()
    assert page.get_by_role("button", name="Jetzt importieren").count() == 0
    assert _within_width(page, "#mapping-form")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)  # test-artifacts/: kept out of the repository
    page.screenshot(path=SCREENSHOTS.joinpath("admin-mapping-390.png"), full_page=True)
    desktop = open_page(DESKTOP)
    desktop.goto(page.url)
    assert _within_width(desktop, "#mapping-form")
    desktop.screenshot(path=SCREENSHOTS.joinpath("admin-mapping-1280.png"), full_page=True)

    choice.select_option("police")
    page.get_by_role("button", name="Zuordnen und erneut prüfen").click()
    page.wait_for_url(re.compile(r"/progress/$"))
    expect(page.get_by_role("heading", name="Probelauf: so würde importiert")).to_be_visible()
    expect(page.locator("#mapping")).to_contain_text("Polizeidienststelle (police)")
    assert not Contact.objects.exists() and not SourceMapping.objects.exists()
    page.screenshot(path=SCREENSHOTS.joinpath("admin-preview-390.png"), full_page=True)
    desktop.goto(page.url)
    desktop.screenshot(path=SCREENSHOTS.joinpath("admin-preview-1280.png"), full_page=True)

    page.get_by_role("button", name="Jetzt importieren").click()
    page.wait_for_url(re.compile(r"/progress/$"))
    expect(page.get_by_role("heading", name="Import abgeschlossen")).to_be_visible()
    assert sorted(Contact.objects.values_list("name", flat=True)) == ["Opferberatung Gotha", "Polizeiinspektion Gotha"]
    assert SourceMapping.objects.get(source__slug="lk-gotha").mapping == {"columns": {}, "values": {"kinds": {"Kontaktbereichsdienst": "police"}}}

    # Next month's file of the same source: straight to the plan, no mapping step.
    _upload(page, base, tmp_path, "hilfsangebote-dezember.xlsx", december())
    expect(page.get_by_role("heading", name="Probelauf: so würde importiert")).to_be_visible()
    assert page.locator("#mapping-form").count() == 0
    expect(page.get_by_text("1 Eintrag stammt aus der gespeicherten Zuordnung der Quelle.")).to_be_visible()
    expect(page.locator("#updated")).to_contain_text("+4936121886701")
    page.get_by_role("button", name="Jetzt importieren").click()
    page.wait_for_url(re.compile(r"/progress/$"))
    expect(page.get_by_role("heading", name="Import abgeschlossen")).to_be_visible()
    counsel = Contact.objects.get(name="Opferberatung Gotha")
    assert [p.number for p in counsel.phones.all()] == ["+4936121886701"]
    assert list(Contact.objects.get(name="Polizeiinspektion Gotha").kinds.values_list("slug", flat=True)) == ["police"]
