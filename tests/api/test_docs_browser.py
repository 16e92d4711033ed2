"""The API docs render in a real browser under their strict CSP, with no third-party request."""

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser


def test_swagger_ui_renders_our_operations_without_csp_violations(browser, live_server):
    page = browser.new_page()
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
