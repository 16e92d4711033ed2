"""The first steps on the results page, the guide pages and the evidence log, as served
(issue 16); the browser tests are in test_browser.py."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model

from guidance.models import Step
from tests.factories import make_contact
from tests.search.conftest import reindex

pytestmark = pytest.mark.django_db


class Page(HTMLParser):
    """Ids, forms, links and the text of the steps block of a page."""

    def __init__(self, html: str):
        super().__init__()
        self.ids, self.links, self.forms, self.step_titles, self.helpers = set(), [], 0, [], []
        self._in_steps = self._in_title = self._in_helps = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "form":
            self.forms += 1
        if tag == "section" and attrs.get("class") == "steps":
            self._in_steps = 1
        if self._in_steps and tag == "h3":
            self._in_title = 1
            self.step_titles.append("")
        if self._in_steps and tag == "p" and attrs.get("class") == "helps":
            self._in_helps = 1
        if tag == "a":
            self.links.append(attrs.get("href", ""))
            if self._in_helps:
                self.helpers.append(attrs.get("href", ""))

    def handle_endtag(self, tag):
        if tag == "section":
            self._in_steps = 0
        if tag == "h3":
            self._in_title = 0
        if tag == "p":
            self._in_helps = 0

    def handle_data(self, data):
        if self._in_title:
            self.step_titles[-1] += data


@pytest.fixture
def erfurt(steps):
    police = make_contact("Polizei Thüringen", scope="state", states=("TH",), kinds=("police",), incidents=("threat",))
    make_contact("Opferberatung Erfurt", scope="district", districts=("16051",), kinds=("victim_support",), incidents=("threat",))
    reindex()
    return police


def test_the_results_page_shows_at_most_five_steps_most_urgent_first(client, erfurt):
    page = Page(client.get("/search/", {"near": "99084", "incident": "threat"}).content.decode())
    assert page.step_titles == ["In akuter Gefahr: 110 wählen", "Schritt document", "Anzeige erstatten",
                                "Schritt online-form", "Schritt threat-report"]


def test_every_who_helps_link_leads_to_a_card_on_the_page(client, erfurt):
    page = Page(client.get("/search/", {"near": "99084", "incident": "threat"}).content.decode())
    assert page.helpers, "no step links a contact"
    for href in page.helpers:
        assert href.startswith("#hit-") and href[1:] in page.ids, href
    assert "#hit-polizei-thueringen" in page.helpers


def test_without_an_incident_the_general_set(client, erfurt):
    page = Page(client.get("/search/", {"near": "99084"}).content.decode())
    assert page.step_titles == ["In akuter Gefahr: 110 wählen", "Schritt document", "Anzeige erstatten", "Schritt counselling"]


def test_the_state_variant_replaces_the_general_step_on_a_bavarian_results_page(client, steps):
    page = Page(client.get("/search/", {"near": "80331", "incident": "online_hate"}).content.decode())
    assert "Bayern: Meldeverfahren" in page.step_titles and "Schritt online-form" not in page.step_titles


def test_the_folded_form_summarises_the_query(client, erfurt):
    html = client.get("/search/", {"near": "99084", "incident": "threat"}).content.decode()
    assert re.search(r'<details class="query" data-wide-open="40">\s*<summary>', html)  # closed: results first
    assert '<span data-query-summary>99084 · Bedrohung</span> <span class="change">— ändern</span>' in html
    english = client.get("/search/", {"near": "99084", "incident": "threat", "lang": "en"}).content.decode()
    assert '<span data-query-summary>99084 · Threat</span> <span class="change">— change</span>' in english
    # Nothing searched yet: the form is open, there is nothing to summarise.
    assert '<details class="query" data-wide-open="40" open>' in client.get("/search/").content.decode()


def test_a_results_page_without_steps_has_no_block(client, db):
    assert 'class="steps"' not in client.get("/search/", {"near": "99084"}).content.decode()


def test_the_guide_page_shows_every_step_with_sources_and_links_the_contacts_of_the_place(client, erfurt):
    response = client.get("/guide/threat/", {"near": "99084"})
    assert response.status_code == 200
    html = response.content.decode()
    page = Page(html)
    for slug in ("acute", "document", "report", "online-form", "threat-report", "counselling"):
        assert f"step-{slug}" in page.ids
    assert "online-form-by" not in html and "zamat-bw" not in html
    assert 'href="https://example.org/threat-report"' in html  # every step's sources
    assert "Wer hilft – für 99084" in html and 'id="hit-polizei-thueringen"' in html
    helpers = [href for href in page.links if href.startswith("#hit-")]
    assert helpers and all(href[1:] in page.ids for href in helpers)


def test_a_guide_page_without_a_place_names_contacts_and_kinds(client, steps):
    from directory.models import Contact

    hotline = Contact.objects.create(slug="polizei-notruf-110", name="Polizei-Notruf 110", scope="national")
    steps.acute.contacts.set([hotline])
    steps.acute.save()
    html = client.get("/guide/", {"lang": "en"}).content.decode()
    assert '<a href="/contacts/polizei-notruf-110/?lang=en">Polizei-Notruf 110</a> · Emergency number · Police station' in html
    assert "online-form" not in html  # the general set only


def test_a_state_guide_page_shows_its_variants(client, steps):
    html = client.get("/guide/online_hate/", {"state": "BY"}).content.decode()
    assert "Bayern: Meldeverfahren" in html and 'id="step-online-form"' not in html


def test_an_unknown_incident_is_a_404_and_a_bad_place_a_400(client, steps):
    assert client.get("/guide/bedrohung/").status_code == 404
    response = client.get("/guide/threat/", {"near": "123"})
    assert response.status_code == 400 and "keine Postleitzahl" in response.content.decode()


def test_guide_pages_can_be_embedded_by_partners(client, steps, settings):
    settings.PARTNER_FRAME_ORIGINS = ["https://www.example-kreis.de"]
    response = client.get("/guide/threat/", {"embed": "1"})
    assert "frame-ancestors https://www.example-kreis.de" in response["Content-Security-Policy"]
    assert "X-Frame-Options" not in response
    assert 'class="embed"' in response.content.decode()
    assert "frame-ancestors 'none'" in client.get("/guide/threat/")["Content-Security-Policy"]


def test_the_evidence_log_has_no_form_to_submit_and_sets_no_cookie(client, db):
    response = client.get("/evidence-log/")
    assert response.status_code == 200
    page = Page(response.content.decode())
    assert page.forms == 0  # nothing on this page can be submitted to us
    assert not response.cookies
    html = response.content.decode()
    assert "localStorage" not in html and 'autocomplete="off"' in html


def test_the_admin_edits_a_step_and_the_pages_show_it_after_save(client, erfurt, steps):
    admin = get_user_model().objects.create_superuser("alice", "alice@example.org", "pw-alice-123")
    client.force_login(admin)
    url = f"/admin/guidance/step/{steps.acute.pk}/change/"
    page = client.get(url)
    assert 'name="_preview" formaction="/admin/guidance/step/preview/?step=' in page.content.decode()
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: v for k, v in data.items() if v is not None}
    for name in ("sources", "law", "services"):
        data[name] = "\n".join(getattr(steps.acute, name))
    data.update(title_de="Sofort 110 anrufen", last_reviewed="2026-12-05", _save="Sichern")
    for name in ("incident_types", "states", "kinds", "contacts"):
        data[name] = [str(pk) for pk in data.get(name) or []]
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    client.logout()
    assert "Sofort 110 anrufen" in client.get("/search/", {"near": "99084"}).content.decode()
    assert "Sofort 110 anrufen" in client.get("/guide/").content.decode()
    assert client.get("/api/v1/guidance/").json()["steps"][0]["title_de"] == "Sofort 110 anrufen"


def test_the_admin_preview_shows_the_unsaved_form_and_saves_nothing(client, steps):
    admin = get_user_model().objects.create_superuser("alice", "alice@example.org", "pw-alice-123")
    client.force_login(admin)
    data = {
        "title_de": "Vorschau-Titel", "summary_de": "Vorschau-Kurztext.", "body_de": "Absatz eins.\n\nAbsatz zwei.",
        "title_en": "Preview title", "summary_en": "Preview summary.", "body_en": "",
        "slug": "preview-step", "order": "12", "all_incidents": "on", "sources": "https://example.org/a\nhttps://example.org/b",
        "law": "§ 77b StGB", "services": "", "last_reviewed": "2026-12-05", "notes": "intern", "active": "on",
    }
    response = client.post("/admin/guidance/step/preview/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Vorschau-Titel" in html and "<p>Absatz zwei.</p>" in html and "Preview title" in html
    assert "§ 77b StGB" in html and "intern" not in html
    assert not Step.objects.filter(slug="preview-step").exists()
    bad = client.post("/admin/guidance/step/preview/", {**data, "sources": "", "all_incidents": ""}).content.decode()
    assert "Mindestens eine Quelle" in bad or "Dieses Feld ist zwingend erforderlich" in bad
    assert "Bitte „für alle Vorfälle“ wählen oder mindestens eine Vorfallart." in bad
    assert client.get("/admin/guidance/step/preview/").status_code == 405


def test_the_admin_refuses_a_variant_of_a_variant(client, steps):
    from guidance.admin import StepForm

    form = StepForm(data={
        "slug": "x", "order": 5, "all_incidents": "on", "title_de": "T", "summary_de": "S", "sources": "https://example.org",
        "last_reviewed": "2026-12-05", "states": [steps.bavaria.states.get().pk], "replaces": steps.bavaria.pk,
    })
    assert not form.is_valid()
    assert form.errors["replaces"] == ["Ersetzt werden kann nur ein allgemeiner Schritt (ohne Bundesland), nicht „online-form-by“."]
