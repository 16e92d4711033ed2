"""The first steps, the guide pages and the evidence log in Chromium (issue 16), with the
real starter content: the demo contacts and fixtures/guidance/steps.json.

At 390 px the results of /search/?near=99084&incident=threat come first: the folded query,
the first step and the first contact are on the first screen; every "who helps" link leads
to a card on the page; axe finds nothing on the results, guide and log pages; the guide
and log pages print on A4 without the navigation; and nothing typed into the log leaves
the browser (every request is recorded).
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from importers.demo import demo_load
from guidance.loader import steps_load
from search import client
from search.engine import reset_fallback
from search.sync import forget_ensured, index_uid
from tests.pages.conftest import DESKTOP, PHONE, SCREENSHOTS, Visit
from tests.search.conftest import reindex

pytestmark = pytest.mark.browser

RESULTS = "/search/?near=99084&incident=threat"


@pytest.fixture
def network(reference, transactional_db):
    reset_fallback()
    forget_ensured()
    demo_load()
    steps_load()
    reindex()
    yield
    # The flush empties the database, not the shared test index: leave no demo contact
    # for the tests that follow (they may search for one of its names).
    client.run("clear the test index", lambda c: c.index(index_uid()).delete_all_documents())


@pytest.fixture
def visit(browser, live_server, network):
    opened = []

    def open_visit(viewport=PHONE, locale="de-DE", **options):
        v = Visit(browser, live_server.url, viewport, locale)
        opened.append(v)
        return v

    yield open_visit
    for v in opened:
        v.close()


@pytest.fixture
def no_script(browser, live_server, network):
    context = browser.new_context(java_script_enabled=False, locale="de-DE", viewport=PHONE)
    yield live_server.url, context.new_page()
    context.close()


def fully_visible(locator):
    expect(locator).to_be_in_viewport(ratio=1)


def test_on_a_phone_the_first_screen_shows_the_query_the_first_step_and_the_first_contact(visit):
    v = visit(PHONE)
    v.goto(RESULTS)
    summary = v.page.locator("details.query > summary")
    expect(summary).to_have_text("Ihre Suche: 99084 · Bedrohung — ändern")
    fully_visible(summary)
    first_step = v.page.locator(".steps .step").first
    expect(first_step.get_by_role("heading")).to_have_text("In akuter Gefahr: 110 wählen")
    fully_visible(first_step)
    fully_visible(v.page.locator("article.hit h3").first)
    v.page.screenshot(path=_shot("results-first-screen-390.png"))
    # The form is folded until the summary opens it.
    near = v.page.get_by_label("Postleitzahl oder Ort")
    expect(near).to_be_hidden()
    summary.click()
    expect(near).to_be_visible()
    expect(near).to_have_value("99084")
    assert v.console_errors == [] and v.foreign_requests() == []


def test_on_a_desktop_the_form_is_open_and_the_steps_stand_beside_the_results(visit):
    v = visit(DESKTOP)
    v.goto(RESULTS)
    expect(v.page.get_by_label("Postleitzahl oder Ort")).to_be_visible()
    expect(v.page.locator("details.query > summary")).to_be_hidden()
    steps = v.page.locator(".steps .step")
    expect(steps).to_have_count(5)
    for index in range(5):
        expect(steps.nth(index)).to_be_visible()
    step_box = v.page.locator(".steps").bounding_box()
    listing_box = v.page.locator(".listing").bounding_box()
    assert step_box["x"] > listing_box["x"] + listing_box["width"], "the steps stand to the right of the results"
    v.screenshot("guidance-results")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_who_helps_link_leads_to_a_contact_on_the_page(visit, viewport):
    v = visit(viewport)
    v.goto(RESULTS)
    more = v.page.locator("details.more-steps")
    if more.get_attribute("open") is None:
        more.locator("summary").click()
    links = v.page.locator(".steps .helps a")
    count = links.count()
    assert count >= 5
    for index in range(count):
        href = links.nth(index).get_attribute("href")
        assert re.fullmatch(r"#hit-[a-z0-9-]+", href), href
        expect(v.page.locator(f"article.hit h3[id='{href[1:]}']")).to_have_count(1)
    onlinewache = v.page.locator(".steps .helps a", has_text="Onlinewache der Thüringer Polizei").first
    onlinewache.click()
    expect(v.page).to_have_url(re.compile(r"#hit-onlinewache-der-thueringer-polizei$"))
    fully_visible(v.page.locator("#hit-onlinewache-der-thueringer-polizei"))


def test_the_phone_page_folds_and_opens_without_javascript(no_script):
    base, page = no_script
    page.goto(base + RESULTS)
    near = page.get_by_label("Postleitzahl oder Ort")
    expect(near).to_be_hidden()
    expect(page.locator(".steps .step").first).to_be_visible()
    page.locator("details.query > summary").click()
    expect(near).to_be_visible()
    near.fill("80331")
    page.get_by_role("button", name="Suchen").click()
    page.wait_for_url(re.compile(r"near=80331"))
    expect(page.locator("details.query > summary")).to_have_text(re.compile(r"80331 · Bedrohung"))


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_results_guide_and_log_pages_have_no_axe_violations(visit, viewport):
    v = visit(viewport)
    found = {}
    for name, path in {
        "results-with-steps": RESULTS,
        "results-general-steps": "/search/?near=80331",
        "guide": "/guide/",
        "guide-incident-place": "/guide/threat/?near=99084",
        "guide-state-variant": "/guide/online_hate/?state=BY&lang=en",
        "evidence-log": "/evidence-log/",
    }.items():
        v.goto(path)
        if name == "results-with-steps" and viewport is PHONE:
            v.page.locator("details.more-steps > summary").click()
        if name == "evidence-log":
            v.page.get_by_role("button", name="Weiteren Vorfall hinzufügen").click()
        v.screenshot(name)
        if violations := v.axe_violations():
            found[name] = violations
    assert found == {}
    assert v.console_errors == [] and v.foreign_requests() == []


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


@pytest.mark.parametrize(("path", "max_pages"), [("/guide/threat/", 12), ("/guide/", 6), ("/evidence-log/", 2)])
def test_guide_and_log_pages_print_on_a4_without_the_navigation(visit, path, max_pages):
    v = visit(DESKTOP)
    v.goto(path)
    v.page.emulate_media(media="print")
    navigation = v.page.locator("nav, .skip, button, .place-form, .log-actions")
    assert navigation.count() >= 3
    for index in range(navigation.count()):
        expect(navigation.nth(index)).to_be_hidden()
    expect(v.page.locator(".print-only").last).to_be_visible()
    pdf = v.page.pdf(format="A4", print_background=False, prefer_css_page_size=True)
    (SCREENSHOTS / "print").mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "print" / (path.strip("/").replace("/", "-") + ".pdf")).write_bytes(pdf)
    # A4 is 210 x 297 mm = 595.3 x 841.9 pt (Chromium rounds to within a point).
    boxes = {(round(float(w)), round(float(h))) for w, h in re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", pdf)}
    assert boxes and all(abs(w - 595) <= 1 and abs(h - 842) <= 1 for w, h in boxes), boxes
    assert 1 <= _pdf_pages(pdf) <= max_pages


def test_the_guide_prints_the_steps_with_their_sources(visit):
    v = visit(DESKTOP)
    v.goto("/guide/threat/?near=99084")
    v.page.emulate_media(media="print")
    expect(v.page.locator(".place-form")).to_be_hidden()
    expect(v.page.locator(".other-guides")).to_be_hidden()
    expect(v.page.locator("#step-acute-danger-110 .sources")).to_be_visible()
    after = v.page.evaluate(
        "getComputedStyle(document.querySelector('#step-acute-danger-110 .sources a'), '::after').content"
    )
    assert "kommunalwiki.boell.de" in after  # the full source URL is printed after its link


MARKERS = {
    "name": "Marker-Name-7781",
    "role": "Marker-Amt-7782",
    "place": "https://example.social/marker-post-7783",
    "who": "Marker-Profil-7784",
    "what": "Marker-Wortlaut-7785\nzweite Zeile </script><img src=x onerror=alert(1)>",
    "witnesses": "Marker-Zeugin-7786",
    "evidence": "Marker-Screenshot-7787",
    "reported": "Marker-Aktenzeichen-7788",
}


def _fill_log(page, second: bool = True):
    page.get_by_label("Name (optional)").fill(MARKERS["name"])
    page.get_by_label("Amt oder Mandat (optional)").fill(MARKERS["role"])
    page.locator("#entry-1-date").fill("2026-12-03")
    page.locator("#entry-1-time").fill("21:15")
    for field in ("place", "who", "what", "witnesses", "evidence", "reported"):
        page.locator(f"#entry-1-{field}").fill(MARKERS[field])
    if second:
        page.get_by_role("button", name="Weiteren Vorfall hinzufügen").click()
        page.locator("#entry-2-what").fill("Marker-Zweiter-Vorfall-7789")


def test_nothing_typed_into_the_evidence_log_leaves_the_browser(visit, tmp_path):
    v = visit(PHONE)
    sent: list[dict] = []
    v.page.on("request", lambda r: sent.append({"url": r.url, "method": r.method, "body": r.post_data or "",
                                               "headers": json.dumps(r.headers)}))
    v.page.on("dialog", lambda dialog: dialog.accept())
    v.goto("/evidence-log/")
    v.page.wait_for_load_state("networkidle")  # the page and its files (and the favicon)
    loaded = len(sent)
    _fill_log(v.page)
    # Save: a download made in the page (a blob: URL), with everything typed in it.
    with v.page.expect_download() as info:
        v.page.get_by_role("button", name="Als Datei speichern").click()
    download = info.value
    assert re.fullmatch(r"vorfallprotokoll-\d{4}-\d{2}-\d{2}\.html", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    html = saved.read_text(encoding="utf-8")
    for marker in ("Marker-Name-7781", "Marker-Wortlaut-7785", "Marker-Aktenzeichen-7788", "Marker-Zweiter-Vorfall-7789"):
        assert marker in html
    assert "<img src=x" not in html and "</script><img" not in html  # typed markup stays text
    data = json.loads(re.search(r'<script type="application/json" id="lotse-evidence-log">(.*?)</script>', html, re.S).group(1))
    assert data["entries"][0]["what"] == MARKERS["what"] and data["entries"][1]["what"] == "Marker-Zweiter-Vorfall-7789"
    assert data["person"] == {"name": MARKERS["name"], "role": MARKERS["role"]}
    # Print it (Chromium's PDF, nothing on the network), clear it, and open the saved file again.
    v.page.emulate_media(media="print")
    expect(v.page.locator("#entry-1-what")).to_be_hidden()  # a filled field prints as text ...
    expect(v.page.locator("[data-log-field]", has=v.page.locator("#entry-1-what")).locator(".print-value")).to_have_text(MARKERS["what"])
    v.page.pdf(format="A4")
    v.page.emulate_media(media="screen")
    v.page.get_by_role("button", name="Alles leeren").click()
    expect(v.page.locator("#entry-1-what")).to_have_value("")
    expect(v.page.locator("#entry-2-what")).to_have_count(0)
    v.page.locator("[data-log-open]").set_input_files(str(saved))
    expect(v.page.locator("#entry-1-what")).to_have_value(MARKERS["what"])
    expect(v.page.locator("#entry-2-what")).to_have_value("Marker-Zweiter-Vorfall-7789")
    expect(v.page.get_by_label("Name (optional)")).to_have_value(MARKERS["name"])
    v.screenshot("evidence-log-filled")

    # Not one request after the page loaded, and none anywhere that carries what was typed.
    assert sent[loaded:] == [], sent[loaded:]
    for request in sent:
        text = request["url"] + request["body"] + request["headers"]
        assert "Marker" not in text and "7785" not in text, request
    assert v.context.cookies() == []
    assert v.page.evaluate("localStorage.length + sessionStorage.length") == 0
    assert v.page.evaluate("indexedDB.databases().then(list => list.length)") == 0
    assert v.foreign_requests() == [] and v.console_errors == []
    # Nothing is kept: a reload (after saving, so no warning) shows the blank form.
    v.page.get_by_role("button", name="Als Datei speichern").click()
    v.page.reload()
    expect(v.page.locator("#entry-1-what")).to_have_value("")


def test_a_file_that_is_not_a_saved_log_is_refused(visit, tmp_path):
    v = visit(PHONE)
    v.goto("/evidence-log/")
    other = tmp_path / "other.html"
    other.write_text("<!doctype html><p>kein Protokoll</p>", encoding="utf-8")
    v.page.locator("[data-log-open]").set_input_files(str(other))
    expect(v.page.locator("[data-log-status]")).to_have_text("Diese Datei ist kein mit Lotse gespeichertes Vorfallprotokoll.")


def test_without_javascript_the_log_is_a_blank_printable_form(no_script):
    base, page = no_script
    page.goto(base + "/evidence-log/")
    expect(page.get_by_role("button", name="Als Datei speichern")).to_be_hidden()
    expect(page.locator("noscript .notice")).to_have_text(re.compile("Ohne JavaScript können Sie das leere Formular ausdrucken"))
    expect(page.get_by_label("Was wurde gesagt, geschrieben oder getan? (möglichst wörtlich)")).to_be_visible()
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4")
    assert 1 <= _pdf_pages(pdf) <= 2
    assert page.locator("form").count() == 0


def _shot(name: str):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / name
