"""Zero axe-core violations on the main pages, at phone and desktop width; screenshots
of each are kept in test-artifacts/screenshots/."""

import pytest

from tests.pages.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

PAGES = {
    "home": "/",
    "results": "/search/?near=99084&incident=threat",
    "results-empty": "/search/?near=99084&kind=prosecution",
    "contact": "/contacts/opferberatung-erfurt/",
    "state": "/states/thueringen/",
    "district": "/districts/erfurt/",
    "about": "/about/",
}


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_main_pages_have_no_axe_violations(visit, viewport):
    v = visit(viewport)
    found = {}
    for name, path in PAGES.items():
        v.goto(path)
        v.screenshot(name)
        violations = v.axe_violations()
        if violations:
            found[name] = violations
    v.goto("/search/?near=123", expect_status=400)
    if violations := v.axe_violations():
        found["bad-request"] = violations
    assert found == {}


def test_keyboard_reaches_the_search_first_and_skip_link_works(visit):
    v = visit(DESKTOP)
    v.goto("/")
    v.page.keyboard.press("Tab")
    assert v.page.evaluate("document.activeElement.textContent") == "Zum Inhalt springen"
    v.page.keyboard.press("Enter")
    v.page.keyboard.press("Tab")
    assert v.page.evaluate("document.activeElement.id") == "near"
    v.page.keyboard.type("99084")
    v.page.keyboard.press("Enter")
    v.page.wait_for_url("**/search/?near=99084**")
    assert v.page.get_by_role("link", name="Opferberatung Erfurt").is_visible()
