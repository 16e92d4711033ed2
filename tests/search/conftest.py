"""Search test data: contacts built through the ORM and the coverage rule, indexed for real.

Named cases (STYLE.md): a Munich district contact, Bavarian and Thuringian state-wide
contacts, a nationwide one, plus an Erfurt local office and two district contacts around
postcode 06120 (it spans Halle 15002 and the Saalekreis 15088).
"""

from __future__ import annotations

import itertools

import pytest
from django.conf import settings

from directory.models import Contact, ContactKind, District, IncidentType, Organisation, Phone, State, TargetGroup
from directory.services import contact_unique_slug, coverage_errors
from search import client, engine, query, sync
from search.indexing import index_rebuild

_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def no_throttle(settings):
    # GET /api/v1/search/ is rate-limited like every public API read; the throttle has its
    # own tests (tests/api), here it would make results depend on how many searches ran.
    settings.API_THROTTLE_READ = ""


def make_contact(
    name: str,
    *,
    scope: str,
    states: tuple[str, ...] = (),
    districts: tuple[str, ...] = (),
    kinds: tuple[str, ...] = ("victim_support",),
    incidents: tuple[str, ...] = ("threat",),
    targets: tuple[str, ...] = ("officials",),
    point: tuple[float, float] | None = None,
    organisation: str = "",
    phones: tuple[str, ...] = (),
    **fields,
) -> Contact:
    state_objs = list(State.objects.filter(code__in=states))
    district_objs = list(District.objects.filter(ags__in=districts))
    assert len(state_objs) == len(states) and len(district_objs) == len(districts), "unknown code in a test case"
    errors = coverage_errors(scope, state_objs, district_objs)
    assert not errors, errors
    org = None
    if organisation:
        org, _ = Organisation.objects.get_or_create(name=organisation, defaults={"slug": f"org-{next(_counter)}"})
    contact = Contact(name=name, scope=scope, organisation=org, **fields)
    if point:
        contact.lat, contact.lng = point
    contact.slug = contact_unique_slug(name=name, town=contact.town)
    contact.save()
    contact.states.set(state_objs)
    contact.districts.set(district_objs)
    contact.kinds.set(ContactKind.objects.filter(slug__in=kinds))
    contact.incident_types.set(IncidentType.objects.filter(slug__in=incidents))
    contact.target_groups.set(TargetGroup.objects.filter(slug__in=targets))
    for position, number in enumerate(phones):
        Phone.objects.create(contact=contact, number=number, position=position)
    return contact


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
