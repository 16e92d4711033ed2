"""German first, English via ?lang=en or Accept-Language; never a cookie."""

import re

import pytest
from playwright.sync_api import expect

from tests.pages.conftest import PHONE

pytestmark = pytest.mark.browser


def test_german_is_the_default(visit):
    v = visit(PHONE, locale="de-DE")
    v.goto("/")
    assert v.page.locator("html").get_attribute("lang") == "de"
    assert v.page.get_by_role("heading", level=1).inner_text() == "Wer hilft mir – hier und jetzt?"


def test_switch_language_with_the_link_keeps_the_search(visit):
    v = visit(PHONE, locale="de-DE")
    v.goto("/search/?near=99084&incident=threat")
    v.page.get_by_role("link", name="English").click()
    v.page.wait_for_url(re.compile(r"lang=en"))
    assert "near=99084" in v.page.url and "incident=threat" in v.page.url
    assert v.page.locator("html").get_attribute("lang") == "en"
    assert v.page.get_by_role("heading", name=re.compile("Near you")).is_visible()
    # On a phone the filter list arrives folded (results first); its summary is English too.
    summary = v.page.locator("details.filters summary")
    expect(summary).to_have_text(re.compile(r"\(1 active\)"))
    # ... inside the search form, which a phone folds into its one-line summary (issue 16).
    expect(v.page.locator("details.query > summary")).to_have_text("Your search: 99084 · Threat — change")
    v.page.locator("details.query > summary").click()
    summary.click()
    assert v.page.get_by_role("checkbox", name=re.compile(r"Threat \(3\)")).is_checked()
    # Links inside the site keep the language, without any cookie.
    v.page.get_by_role("link", name="Opferberatung Erfurt").click()
    v.page.wait_for_url(re.compile(r"/contacts/opferberatung-erfurt/\?lang=en"))
    assert v.page.get_by_text("Counselling after threats.").is_visible()
    assert "not checked yet" in v.page.locator(".provenance").inner_text()
    assert v.context.cookies() == []
    v.screenshot("contact-en")


def test_accept_language_english_gives_english_pages(visit):
    v = visit(PHONE, locale="en-GB")
    response = v.goto("/")
    assert response.headers["content-language"] == "en"
    assert "Accept-Language" in response.headers["vary"]
    assert v.page.get_by_role("heading", level=1).inner_text() == "Who can help me – here and now?"
    assert v.page.get_by_role("checkbox", name="Threat").count() == 1
    v.page.get_by_role("link", name="Deutsch").click()
    assert v.page.locator("html").get_attribute("lang") == "de"
