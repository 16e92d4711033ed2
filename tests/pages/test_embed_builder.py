"""The embed builder (/embed/) and self-sizing embeds (issue 20), in Chromium: a snippet
built in the builder, pasted into a page served by a second local server (a partner's
origin, another port), frames a result page that tells the partner page its height; the
partner origin must be configured, and no other origin hears anything."""

from __future__ import annotations

import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from search.server import free_port
from tests.pages.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

# The partner's page: the pasted snippet, and a listener that records what reaches the page.
HOST = """<!doctype html><html lang="de"><title>Kreis</title>
<script>window.received = []; addEventListener("message", function (e) { received.push({origin: e.origin, data: e.data}); });</script>
<h1>Hilfe für Mandatsträger im Kreis</h1>
{snippet}
"""


class OriginServer:
    """A second local web server: its own origin (127.0.0.1 and a port of its own)."""

    def __init__(self):
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = pages.get(self.path, "").encode()
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def origins():
    started = []

    def start() -> OriginServer:
        started.append(OriginServer())
        return started[-1]

    yield start
    for server in started:
        server.stop()


def build_snippet(v, live_server) -> str:
    """In the builder: Erfurt, threats; the code as the page offers it."""
    v.goto("/embed/")
    v.page.get_by_label("Kreis oder kreisfreie Stadt").select_option("16051")
    v.page.get_by_role("checkbox", name="Bedrohung").check()
    code = v.page.get_by_label("Code für Ihre Webseite (iframe und Skript)")
    frame = f"{live_server.url}/search/?district=16051&incident=threat&embed=1"
    for _ in range(50):
        if frame in code.input_value():
            break
        v.page.wait_for_timeout(100)
    assert v.page.get_by_label("Link zu dieser Auswahl (dauerhaft gültig)").input_value() == (
        f"{live_server.url}/search/?district=16051&incident=threat")
    return code.input_value()


def frame_heights(v) -> tuple[int, int]:
    """(the iframe's height on the partner page, the height of the page inside it)."""
    outer = v.page.evaluate("document.querySelector('iframe').clientHeight")  # without its border
    inner = v.page.frames[1].evaluate("Math.ceil(document.documentElement.getBoundingClientRect().height)")
    return outer, inner


def wait_until_fitted(v, *, other_than: int | None = None) -> int:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        outer, inner = frame_heights(v)
        if abs(outer - inner) <= 1 and outer != other_than:
            return outer
        v.page.wait_for_timeout(100)
    raise AssertionError(f"the frame is {outer}px high, its page {inner}px")


def test_the_builders_snippet_fits_the_frame_to_its_results_on_a_partner_page(visit, settings, live_server, origins):
    partner = origins()
    settings.PARTNER_FRAME_ORIGINS = [partner.origin]
    v = visit(DESKTOP)
    snippet = build_snippet(v, live_server)
    assert v.page.locator(".origins code").all_inner_texts() == [partner.origin]
    assert snippet == (
        f'<iframe src="{live_server.url}/search/?district=16051&incident=threat&embed=1" title="Lotse: Hilfe bei Anfeindungen" '
        f'width="100%" height="600" loading="lazy"></iframe>\n<script src="{live_server.url}/embed.js" async></script>'
    )
    partner.pages["/"] = HOST.replace("{snippet}", snippet)
    v.page.goto(partner.origin + "/")
    v.page.frame_locator("iframe").get_by_role("link", name="Opferberatung Erfurt").wait_for(timeout=10000)
    first = wait_until_fitted(v)
    assert first != 600

    # Fewer results: the frame shrinks to its page again.
    inside = v.page.frame_locator("iframe")
    lka = inside.get_by_role("checkbox", name=re.compile(r"Staatsschutz \(1\)"))
    if not lka.is_visible():  # the filters are folded on narrow frames
        inside.get_by_text("Filter", exact=True).click()
    lka.check()
    inside.get_by_text("1 Angebot für Erfurt").wait_for(timeout=10000)
    second = wait_until_fitted(v, other_than=first)
    assert second < first

    messages = v.page.evaluate("received")
    assert messages and all(m["origin"] == live_server.url for m in messages)
    assert all(set(m["data"]) == {"type", "height"} and m["data"]["type"] == "lotse:height" for m in messages)
    assert v.foreign_requests() == [partner.origin + "/"]
    assert v.context.cookies() == []


def test_an_origin_that_is_not_configured_gets_no_frame_and_no_message(visit, settings, live_server, origins):
    partner, stranger = origins(), origins()
    settings.PARTNER_FRAME_ORIGINS = [partner.origin]
    v = visit(DESKTOP)
    snippet = build_snippet(v, live_server)
    stranger.pages["/"] = HOST.replace("{snippet}", snippet)
    v.page.goto(stranger.origin + "/")
    frame = v.page.frames[1]
    frame.wait_for_load_state("load")
    v.page.wait_for_timeout(1500)
    assert "Opferberatung Erfurt" not in frame.content()
    assert v.page.evaluate("received") == []
    assert frame_heights(v)[0] == 600


def test_without_the_script_the_frame_keeps_its_height_and_scrolls(visit, settings, live_server, origins):
    partner = origins()
    settings.PARTNER_FRAME_ORIGINS = [partner.origin]
    v = visit(PHONE)
    snippet = build_snippet(v, live_server)
    partner.pages["/"] = HOST.replace("{snippet}", snippet.split("\n")[0])  # the iframe only
    v.page.goto(partner.origin + "/")
    v.page.frame_locator("iframe").get_by_role("link", name="Opferberatung Erfurt").wait_for(timeout=10000)
    v.page.wait_for_timeout(500)
    outer, inner = frame_heights(v)
    assert outer == 600 and inner > outer
    assert v.page.frames[1].evaluate("document.scrollingElement.scrollHeight > document.scrollingElement.clientHeight")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_builder_has_no_axe_violations_and_previews_the_embed(visit, live_server, viewport):
    v = visit(viewport)
    v.goto("/embed/?district=16051&incident=threat")
    preview = v.page.frame_locator("#embed-preview")
    preview.get_by_role("link", name="Opferberatung Erfurt").wait_for(timeout=10000)
    deadline = time.monotonic() + 10
    while v.page.evaluate("Math.round(document.getElementById('embed-preview').getBoundingClientRect().height)") == 600:
        assert time.monotonic() < deadline, "the preview was not sized to its page"
        v.page.wait_for_timeout(100)
    v.screenshot("embed-builder")
    assert v.axe_violations() == []
    assert v.foreign_requests() == []
    assert v.context.cookies() == []
    assert v.console_errors == []


def test_a_choice_the_query_model_refuses_shows_its_message(visit, live_server):
    v = visit(DESKTOP)
    v.goto("/embed/?district=16051")
    v.page.get_by_label("Bundesland").select_option("BY")
    error = v.page.get_by_role("alert")
    error.wait_for(timeout=10000)
    assert error.inner_text() == "16051 liegt in TH, nicht in BY; bitte eines von beiden weglassen"
    assert v.page.get_by_label("Kreis oder kreisfreie Stadt").get_attribute("aria-invalid") == "true"
    assert not v.page.get_by_label("Code für Ihre Webseite (iframe und Skript)").is_visible()
    v.page.get_by_label("Bundesland").select_option("TH")
    v.page.get_by_role("alert").wait_for(state="hidden", timeout=10000)
    assert "state=TH&district=16051" in v.page.get_by_label("Link zu dieser Auswahl (dauerhaft gültig)").input_value()


def test_copy_puts_the_code_on_the_clipboard(visit, live_server):
    v = visit(DESKTOP)
    v.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    v.goto("/embed/?state=TH&kind=victim_support&embed_lang=en&per_page=5")
    v.page.get_by_role("button", name="Code kopieren").click()
    copied = v.page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(f'<iframe src="{live_server.url}/search/?state=TH&kind=victim_support&lang=en&per_page=5&embed=1"')
