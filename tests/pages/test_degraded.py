"""If Meilisearch cannot answer, the pages still list contacts from the database, with a notice."""

import pytest

from search import client
from search.engine import reset_fallback
from search.server import free_port
from tests.pages.conftest import PHONE

pytestmark = pytest.mark.browser


def test_degraded_mode_shows_a_notice_and_still_lists_contacts(visit, settings):
    settings.MEILISEARCH_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    client.reset_session()
    reset_fallback()
    try:
        v = visit(PHONE)
        v.goto("/search/?near=99084&incident=threat")
        assert "eingeschränkt" in v.page.get_by_role("status").inner_text()
        assert v.page.get_by_role("link", name="Opferberatung Erfurt").is_visible()
        assert v.page.get_by_role("link", name="Landeskriminalamt Thüringen").is_visible()
        v.screenshot("results-degraded")
    finally:
        reset_fallback()
