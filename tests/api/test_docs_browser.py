"""The API docs render in a real browser under their strict CSP, with no third-party request."""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update"]

pytestmark = pytest.mark.browser


@pytest.fixture
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make browser)")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    # Playwright's sync API keeps an asyncio loop on this thread; our calls are synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def test_swagger_ui_renders_our_operations_without_csp_violations(chromium, live_server):
    page = chromium.new_page()
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    response = page.goto(live_server.url + "/api/docs/")
    assert response.status == 200
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    page.wait_for_selector("text=/api/v1/contacts/", timeout=15000)
    assert page.locator(".opblock").count() >= 20
    ours = urlsplit(live_server.url).netloc
    assert [u for u in requests if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).netloc != ours] == []
    assert errors == []
    page.close()
