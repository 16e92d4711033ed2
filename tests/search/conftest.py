"""Search test data: contacts built through the ORM and the coverage rule, indexed for real.

Named cases (STYLE.md): a Munich district contact, Bavarian and Thuringian state-wide
contacts, a nationwide one, plus an Erfurt local office and two district contacts around
postcode 06120 (it spans Halle 15002 and the Saalekreis 15088).
"""

from __future__ import annotations

import pytest
from django.conf import settings

from directory.models import Contact
from search import client, engine, query, sync
from search.indexing import index_rebuild
from tests.factories import make_contact

__all__ = ["Cases", "admin_task", "make_contact", "meili_ids", "raw_search", "reindex"]

@pytest.fixture(autouse=True)
def no_throttle(settings):
    # GET /api/v1/search/ is rate-limited like every public API read; the throttle has its
    # own tests (tests/api), here it would make results depend on how many searches ran.
    settings.API_THROTTLE_READ = ""


class Cases:
    """The named contacts of the coverage tests."""

    def __init__(self):
        self.munich = make_contact(
            "Beratungsstelle München", scope="district", districts=("09162",), point=(48.1372, 11.5756),
            street="Landwehrstraße 7", postcode="80336", town="München", phones=("+49894622467",),
            free_of_charge=True, anonymous=True,
        )
        self.bavaria = make_contact(
            "Landesweite Opferhilfe Bayern", scope="state", states=("BY",), point=(48.15, 11.58),
            kinds=("victim_support", "legal"), incidents=("threat", "insult"),
        )
        self.thuringia = make_contact(
            "ezra Opferberatung Thüringen", scope="state", states=("TH",), point=(50.9787, 11.0328),
            town="Erfurt", postcode="99084", incidents=("threat", "physical_attack"),
        )
        self.national = make_contact(
            "Hilfetelefon bundesweit", scope="national", kinds=("psychological",), incidents=("threat", "insult"),
            targets=("everyone",), phones=("116016",), open_24_7=True, free_of_charge=True,
        )
        self.erfurt = make_contact(
            "Polizeiinspektion Erfurt", scope="local", districts=("16051",), point=(50.9760, 11.0220),
            kinds=("police",), incidents=("threat", "property_damage"), town="Erfurt",
        )
        self.halle = make_contact(
            "Mobile Beratung Halle", scope="district", districts=("15002",), point=(51.4825, 11.9700),
            kinds=("mobile_counselling",), incidents=("extremist_intimidation",),
        )
        self.saalekreis = make_contact(
            "Opferberatung Saalekreis", scope="district", districts=("15088",), point=(51.36, 11.98),
            incidents=("threat",),
        )

    def all(self) -> list[Contact]:
        return [self.munich, self.bavaria, self.thuringia, self.national, self.erfurt, self.halle, self.saalekreis]


def reindex() -> None:
    """Make the test index hold exactly the active contacts of the (uncommitted) test data."""
    index_rebuild()
    engine.reset_fallback()


def admin_task(method: str, path: str, *, json=None) -> dict:
    """A raw admin call that enqueues a task, waited for: test set-up that puts the index
    into a state the application's own client would never leave it in."""
    enqueued = client.call(method, path, admin=True, json=json, timeout=30)
    return client.wait_for_task(enqueued["taskUid"])


def meili_ids(body: dict) -> set[int]:
    return {hit["id"] for hit in body["hits"]}


def raw_search(q: str = "", *, filter: str | None = None, index: str | None = None, **extra) -> dict:
    body = {"q": q, "limit": 1000, **extra}
    if filter is not None:
        body["filter"] = filter
    return client.call("POST", f"/indexes/{index or settings.MEILISEARCH_INDEX}/search", json=body, timeout=5)


@pytest.fixture(autouse=True)
def _fresh_search_state():
    query.forget_codes()
    engine.reset_fallback()
    sync.forget_ensured()
    yield
    engine.reset_fallback()


@pytest.fixture
def cases(db):
    return Cases()


@pytest.fixture
def indexed(cases):
    reindex()
    return cases
