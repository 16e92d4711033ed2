"""Browser tests: Playwright drives Debian's Chromium against the live server.

The live server is pytest-django's (transactional); every test gets the reference data,
a handful of contacts written through the ORM, and a search index that holds exactly
those contacts (written by the after-commit sync, as in production).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import transaction

from directory.models import ContactSlugHistory, District, Organisation, Source
from search import client
from search.engine import reset_fallback
from search.sync import ensure_index, forget_ensured, index_uid
from tests.factories import make_contact

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tools" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    # The manifest storage needs `collectstatic` first; the live server serves the
    # source files through the staticfiles finders instead.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


class Visit:
    """One browser context at a given size, recording everything a privacy test checks."""

    def __init__(self, browser, base_url: str, viewport: dict, locale: str = "de-DE"):
        self.base_url = base_url
        self.context = browser.new_context(viewport=viewport, locale=locale, accept_downloads=True)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self.responses = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("response", lambda response: self.responses.append(response))
        self.error_documents: set[str] = set()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def _console(self, message):
        # The browser logs every 4xx document as an error; those we asked for are expected.
        if message.type == "error" and message.location.get("url") not in self.error_documents:
            self.console_errors.append(message.text)

    def goto(self, path: str, expect_status: int = 200):
        if expect_status >= 400:
            self.error_documents.add(self.base_url + path)
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status == expect_status, (path, response and response.status)
        return response

    def foreign_requests(self) -> list[str]:
        ours = urlsplit(self.base_url).netloc
        return [url for url in self.requests if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != ours]

    def axe_violations(self) -> list[dict]:
        # evaluate() runs through the DevTools protocol, which the page's CSP does not
        # govern, so the strict policy stays on for everything the page itself loads.
        self.page.evaluate(AXE.read_text() + "\n;0")
        result = self.page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        return [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"]
        ]

    def screenshot(self, name: str):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        width = self.page.viewport_size["width"]
        self.page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, live_server, site):
    opened = []

    def open_visit(viewport=PHONE, locale="de-DE"):
        v = Visit(browser, live_server.url, viewport, locale)
        opened.append(v)
        return v

    yield open_visit
    for v in opened:
        v.close()


@pytest.fixture
def site(reference, transactional_db):
    """Contacts for Erfurt (district 16051, Thüringen): local, state-wide, nationwide, and a
    Bavarian state-wide one that an Erfurt search must not show."""
    reset_fallback()
    forget_ensured()
    ensure_index()
    client.run("clear the test index", lambda c: c.index(index_uid()).delete_all_documents())
    erfurt = District.objects.get(ags="16051")
    source = Source.objects.create(slug="test-list", name="Testliste Thüringen", url="https://example.org/liste")
    with transaction.atomic():
        local = make_contact(
            "Opferberatung Erfurt", slug="opferberatung-erfurt", scope="district", kinds=["victim_support"],
            incidents=["threat", "stalking"], districts=["16051"], street="Anger 1", postcode="99084", town="Erfurt",
            lat=50.9778, lng=11.0287, district=erfurt, opening_hours="Mo-Fr 09:00-17:00; PH off",
            email="hilfe@example.org", website="https://example.org/opferberatung",
            organisation=Organisation.objects.create(name="Beratungsverein Thüringen", slug="beratungsverein"),
            phones=[("Beratung", "+493615551234")],
            source=source, source_url="https://example.org/liste#erfurt", description_de="Beratung nach Bedrohungen.",
            description_en="Counselling after threats.", free_of_charge=True, anonymous=True,
        )
        ContactSlugHistory.objects.create(slug="opferberatung-erfurt-alt", contact=local)
        lka = make_contact(
            "Landeskriminalamt Thüringen", slug="lka-thueringen", scope="state", kinds=["state_security"],
            incidents=["threat", "insult"], states=["TH"], online_report_url="https://example.org/lka-melden",
            source=source, last_verified=dt.date(2025, 3, 14), phones=["+493615550000"],
        )
        make_contact(
            "Bayerisches Landeskriminalamt", slug="lka-bayern", scope="state", kinds=["state_security"],
            incidents=["threat"], states=["BY"], source=source,
        )
        hotline = make_contact(
            "Opfer-Telefon", slug="opfer-telefon", scope="national", kinds=["victim_support"],
            incidents=["threat", "insult", "stalking"], open_24_7=True, source=source, phones=["116006"],
        )
    return {"local": local, "lka": lka, "hotline": hotline}
