"""Guidance test data: steps built through the ORM (named cases), or the real fixture file
with the demo contacts it names."""

from __future__ import annotations

import datetime as dt

import pytest

from directory.models import Contact, ContactKind, IncidentType, State
from guidance import selectors
from guidance.models import Step

REVIEWED = dt.date(2026, 12, 4)


@pytest.fixture(autouse=True)
def _fresh_steps():
    # Each process keeps the steps it read (guidance/selectors.py); a rolled-back test
    # must not hand its steps to the next one.
    selectors.forget()
    yield
    selectors.forget()


def make_step(
    slug: str,
    order: int,
    *,
    incidents: tuple[str, ...] = (),
    states: tuple[str, ...] = (),
    replaces: Step | None = None,
    kinds: tuple[str, ...] = (),
    contacts: tuple[Contact, ...] = (),
    title_de: str = "",
    summary_de: str = "",
    **fields,
) -> Step:
    step = Step.objects.create(
        slug=slug, order=order, all_incidents=not incidents, replaces=replaces,
        title_de=title_de or f"Schritt {slug}", title_en=fields.pop("title_en", f"Step {slug}"),
        summary_de=summary_de or f"Kurztext zu {slug}.", summary_en=fields.pop("summary_en", f"Summary of {slug}."),
        sources=fields.pop("sources", [f"https://example.org/{slug}"]), last_reviewed=REVIEWED, **fields,
    )
    step.incident_types.set(IncidentType.objects.filter(slug__in=incidents))
    step.states.set(State.objects.filter(code__in=states))
    step.kinds.set(ContactKind.objects.filter(slug__in=kinds))
    step.contacts.set(contacts)
    return step


class Steps:
    """A small guide: three general steps for all incidents, one for threats, one for online
    hate that Bavaria replaces with its own procedure, and a Baden-Württemberg addition."""

    def __init__(self):
        self.acute = make_step("acute", 10, kinds=("emergency", "police"), title_de="In akuter Gefahr: 110 wählen")
        self.document = make_step("document", 20, kinds=("victim_support",))
        self.report = make_step("report", 30, kinds=("police", "police_online", "prosecution"), title_de="Anzeige erstatten")
        self.threat = make_step("threat-report", 35, incidents=("threat",), kinds=("police", "state_security"))
        self.online = make_step("online-form", 31, incidents=("online_hate", "threat"), kinds=("police_online",))
        self.bavaria = make_step(
            "online-form-by", 31, incidents=("online_hate", "threat"), states=("BY",), replaces=self.online,
            kinds=("reporting_office",), title_de="Bayern: Meldeverfahren",
        )
        self.zamat = make_step("zamat-bw", 32, states=("BW",), kinds=("state_security",))
        self.counselling = make_step("counselling", 64, kinds=("victim_support",))


@pytest.fixture
def steps(db):
    return Steps()
