"""Result cards kept per process (pages/cards.py): a kept card is exactly what
rendering it again gives, and nothing a card shows can go stale."""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from django.test import Client

from pages import cards
from directory.models import Contact, IncidentType

PAGE = "/search/?near=99084"


@pytest.fixture(autouse=True)
def _no_cards_kept_across_tests():
    cards.forget()
    yield
    cards.forget()


def groups_html(response) -> str:
    html = response.content.decode()
    assert response.status_code == 200, html[:500]
    first, last = html.index('<section class="group"'), html.rindex("</section>")
    return html[first:last]


def test_a_kept_card_is_what_rendering_it_again_gives(site, settings):
    settings.PAGE_CARD_CACHE = 0
    rendered = groups_html(Client().get(PAGE))
    settings.PAGE_CARD_CACHE = 5000
    first, kept = groups_html(Client().get(PAGE)), groups_html(Client().get(PAGE))
    assert rendered == first == kept
    assert kept.count('<article class="hit"') == 3 and "&lt;article" not in kept  # HTML, not escaped text
    assert "Opferberatung Erfurt" in kept and "Landeskriminalamt Thüringen" in kept and "Opfer-Telefon" in kept
    assert len(cards._cards) == 3


def test_a_changed_contact_shows_its_change(site):
    assert "Opferberatung Erfurt" in groups_html(Client().get(PAGE))
    with transaction.atomic():  # the index push runs at the commit
        contact = Contact.objects.get(slug="opferberatung-erfurt")
        contact.name = "Opferhilfe Erfurt"
        contact.save()
    html = groups_html(Client().get(PAGE))
    assert "Opferhilfe Erfurt" in html and "Opferberatung Erfurt" not in html


def test_a_renamed_incident_type_shows_its_new_label(site):
    assert "Nachstellung" in groups_html(Client().get(PAGE))
    IncidentType.objects.filter(slug="stalking").update(name_de="Stalking (Nachstellung)")
    assert "Stalking (Nachstellung)" in groups_html(Client().get(PAGE))


def test_languages_and_embedding_never_share_a_card(site):
    german = groups_html(Client().get(PAGE))
    english = groups_html(Client().get(PAGE + "&lang=en"))
    embedded = groups_html(Client().get(PAGE + "&embed=1"))
    assert "Hilft bei:" in german and "Helps with:" in english and "Hilft bei:" not in english
    assert "?lang=en" in english and "lang=en" not in german
    assert 'target="_blank"' in embedded and 'target="_blank"' not in german
    assert re.search(r'href="/contacts/opferberatung-erfurt/\?embed=1"', embedded)


def test_the_distance_stays_with_its_search(site):
    near = groups_html(Client().get("/search/?near=99084"))
    farther = groups_html(Client().get("/search/?near=99086"))
    assert re.findall(r"([\d,.]+) km entfernt", near) != re.findall(r"([\d,.]+) km entfernt", farther)


def test_the_cache_keeps_at_most_its_limit(site, settings):
    settings.PAGE_CARD_CACHE = 2
    first = groups_html(Client().get(PAGE))
    assert len(cards._cards) == 2
    assert groups_html(Client().get(PAGE)) == first
