"""No cookies, no third-party requests, a strict CSP that our own pages obey, and the
pages work with and without JavaScript (issue 6 "Privacy and safety")."""

import re

import pytest

from tests.pages.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

PUBLIC_PAGES = [
    ("/", 200),
    ("/search/?near=99084&incident=threat", 200),
    ("/search/?near=99084&kind=prosecution", 200),
    ("/contacts/opferberatung-erfurt/", 200),
    ("/states/thueringen/", 200),
    ("/districts/erfurt/", 200),
    ("/about/", 200),
    ("/search/?near=123", 400),
    ("/contacts/gibt-es-nicht/", 404),
]


def test_public_pages_set_no_cookies_and_ask_no_other_host(visit):
    v = visit(DESKTOP)
    for path, status in PUBLIC_PAGES:
        v.goto(path, expect_status=status)
        v.page.wait_for_load_state("networkidle")
    assert v.foreign_requests() == []
    with_cookies = [(r.url, r.headers["set-cookie"]) for r in v.responses if "set-cookie" in r.headers]
    assert with_cookies == []
    assert v.context.cookies() == []
    assert v.console_errors == []
    own_assets = {r.url.rsplit("/", 1)[-1] for r in v.responses if "/static/" in r.url}
    assert {"site.css", "lotse.js"} <= own_assets


def test_pages_send_a_strict_content_security_policy(visit):
    v = visit(PHONE)
    for path, status in PUBLIC_PAGES:
        response = v.goto(path, expect_status=status)
        policy = response.headers["content-security-policy"]
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
        assert "default-src 'none'" in policy and "script-src 'self'" in policy, path
        assert "frame-ancestors 'none'" in policy, path
        assert response.headers["x-frame-options"] == "DENY", path
    assert v.console_errors == []  # a CSP violation would be reported here


def test_search_as_you_type_updates_the_results(visit):
    v = visit(DESKTOP)
    v.goto("/search/?near=99084")
    assert v.page.get_by_role("link", name="Landeskriminalamt Thüringen").is_visible()
    v.page.get_by_label("Suchbegriff").press_sequentially("Opferberatung", delay=20)
    v.page.wait_for_url(re.compile(r"q=Opferberatung"))
    v.page.get_by_role("link", name="Landeskriminalamt Thüringen").wait_for(state="detached")
    assert v.page.get_by_role("link", name="Opferberatung Erfurt").is_visible()
    assert v.console_errors == []
    assert v.foreign_requests() == []


def test_search_and_filters_work_without_javascript(browser, live_server, site):
    context = browser.new_context(java_script_enabled=False, locale="de-DE", viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        assert page.get_by_role("button", name="Meinen Standort verwenden").is_hidden()
        page.get_by_label("Postleitzahl oder Ort").fill("Erfurt")
        page.get_by_role("checkbox", name="Nachstellung").check()
        page.get_by_role("button", name="Hilfe finden").click()
        page.wait_for_url(re.compile(r"/search/\?"))
        assert page.get_by_role("link", name="Opferberatung Erfurt").is_visible()
        assert page.get_by_role("link", name="Landeskriminalamt Thüringen").count() == 0
    finally:
        context.close()


def test_imported_text_is_escaped(visit, site):
    local = site["local"]
    local.description_de = '<script>document.title="pwned"</script><b>fett</b>'
    local.save()
    v = visit(PHONE)
    v.goto("/contacts/opferberatung-erfurt/")
    assert '<script>document.title="pwned"</script><b>fett</b>' in v.page.locator(".contact").inner_text()
    assert v.page.title() != "pwned"
