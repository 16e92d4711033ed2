"""Reading guidance: which steps an official sees for some incidents in some states.

    steps_for(incidents=("threat",), states=("TH",), limit=5)   # most urgent first
    step_helpers(step, hits)                                      # the hits that do it

Selection (issue 16): a step applies when it is for all incidents or for one of the chosen
incidents; with no incident chosen, only the steps for all incidents apply (the general
set). General steps apply everywhere, a state variant only in its states; a variant that
replaces a general step takes its place, one without `replaces` is added. Most urgent
(smallest `order`) first.

Every page and search API call needs the steps, and they change rarely: each process keeps
all active steps as plain data and re-reads them only when they changed, which it checks
with one small query at most once a second (STAMP_SECONDS); a save in the process itself
drops its copy at once. An edit in the admin shows on the next page of the worker that
saved it and within a second in every other.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.utils.translation import get_language

from directory.models import Contact, ContactKind, IncidentType
from guidance.models import Step

HELPERS_PER_STEP = 3
# Result groups from the most to the least specific (search/engine.py); a step links the
# contacts of the most specific group first: "Anzeige erstatten" → this state's online
# police before the nationwide 110.
GROUP_RANK = {"near": 0, "regional": 0, "state": 1, "national": 2}


@dataclass(frozen=True)
class ContactRef:
    id: int
    uuid: str
    slug: str
    name: str


@dataclass(frozen=True)
class GuideStep:
    id: int
    slug: str
    order: int
    all_incidents: bool
    incidents: tuple[str, ...]
    states: tuple[str, ...]
    replaces: str | None
    title_de: str
    title_en: str
    summary_de: str
    summary_en: str
    body_de: str
    body_en: str
    kinds: tuple[str, ...]  # in the reference order of the contact kinds
    contacts: tuple[ContactRef, ...]  # the active ones
    services: tuple[str, ...]
    sources: tuple[str, ...]
    law: tuple[str, ...]
    last_reviewed: date

    @property
    def is_variant(self) -> bool:
        return bool(self.states)

    def _text(self, name: str) -> str:
        english = getattr(self, f"{name}_en")
        return english if get_language() == "en" and english else getattr(self, f"{name}_de")

    @property
    def title(self) -> str:
        return self._text("title")

    @property
    def summary(self) -> str:
        return self._text("summary")

    @property
    def body(self) -> str:
        # The English body only with an English summary: never an English body under a
        # German summary that it might no longer match.
        return self.body_en if get_language() == "en" and self.summary_en else self.body_de

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.body.replace("\r\n", "\n").split("\n\n") if p.strip()]

    def applies_to(self, incidents: Sequence[str]) -> bool:
        return self.all_incidents or bool(set(incidents) & set(self.incidents))


def guide_step_from(step: Step, *, kind_order: dict[str, int]) -> GuideStep:
    """A saved step (with its relations prefetched) as plain data."""
    return GuideStep(
        id=step.pk,
        slug=step.slug,
        order=step.order,
        all_incidents=step.all_incidents,
        incidents=tuple(t.slug for t in sorted(step.incident_types.all(), key=lambda t: (t.position, t.slug))),
        states=tuple(sorted(s.code for s in step.states.all())),
        replaces=step.replaces.slug if step.replaces_id else None,
        title_de=step.title_de,
        title_en=step.title_en,
        summary_de=step.summary_de,
        summary_en=step.summary_en,
        body_de=step.body_de,
        body_en=step.body_en,
        kinds=tuple(sorted((k.slug for k in step.kinds.all()), key=lambda slug: kind_order.get(slug, 999))),
        contacts=tuple(
            ContactRef(id=c.pk, uuid=str(c.uuid), slug=c.slug, name=c.name)
            for c in sorted(step.contacts.all(), key=lambda c: c.name)
            if c.active
        ),
        services=tuple(step.services),
        sources=tuple(step.sources),
        law=tuple(step.law),
        last_reviewed=step.last_reviewed,
    )


def kind_order() -> dict[str, int]:
    return {slug: i for i, slug in enumerate(ContactKind.objects.order_by("position", "slug").values_list("slug", flat=True))}


# How long a process trusts its copy without asking the database (seconds). Saving a
# step in this process drops the copy at once (guidance/signals.py); other workers see the
# change within this time.
STAMP_SECONDS = 1.0

_lock = threading.Lock()
# (stamp, checked at (monotonic seconds), steps)
_cache: tuple[tuple, float, tuple[GuideStep, ...]] | None = None


def _stamp() -> tuple:
    """What the steps depend on: how many steps and contact links there are and their
    latest change, and the latest change of a contact a step names (an import renaming
    or switching one off changes the step without touching it).

    One plain query: it runs for every page and search API call, where the ORM's
    aggregate cost ~1.5 ms of CPU; no input of anyone's reaches it."""
    quote = connection.ops.quote_name
    links = Step.contacts.through._meta
    contact_column = quote(links.get_field("contact").column)
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {quote(Step._meta.db_table)}),"
        f" (SELECT MAX({quote('updated_at')}) FROM {quote(Step._meta.db_table)}),"
        f" (SELECT COUNT(*) FROM {quote(links.db_table)}),"
        f" (SELECT MAX(c.{quote('updated_at')}) FROM {quote(Contact._meta.db_table)} c"
        f" JOIN {quote(links.db_table)} l ON l.{contact_column} = c.{quote('id')})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(str(value) for value in cursor.fetchone())


def steps_all() -> tuple[GuideStep, ...]:
    """All active steps as plain data, in urgency order; re-read when they changed."""
    global _cache
    cached = _cache
    now = time.monotonic()
    if cached is not None and now - cached[1] < STAMP_SECONDS:
        return cached[2]
    stamp = _stamp()
    if cached is not None and cached[0] == stamp:
        with _lock:
            _cache = (stamp, now, cached[2])
        return cached[2]
    order = kind_order()
    steps = tuple(
        guide_step_from(step, kind_order=order)
        for step in Step.objects.filter(active=True)
        .select_related("replaces")
        .prefetch_related("incident_types", "states", "kinds", "contacts")
        .order_by("order", "slug")
    )
    with _lock:
        _cache = (stamp, now, steps)
    return steps


def forget() -> None:
    """Drop the process's copy (tests that roll back a transaction keep the stamp)."""
    global _cache
    with _lock:
        _cache = None


def steps_select(
    steps: Iterable[GuideStep], *, incidents: Sequence[str], states: Sequence[str], limit: int | None = None
) -> list[GuideStep]:
    """The steps for these incidents in these states, most urgent first (see module doc)."""
    states = set(states)

    def applies(step: GuideStep) -> bool:
        by_incident = step.applies_to(incidents) if incidents else step.all_incidents
        return by_incident and (not step.states or bool(states & set(step.states)))

    chosen = [step for step in steps if applies(step)]
    replaced = {step.replaces for step in chosen if step.states and step.replaces}
    chosen = [step for step in chosen if step.slug not in replaced]
    chosen.sort(key=lambda step: (step.order, step.is_variant, step.slug))
    return chosen[:limit] if limit else chosen


def steps_for(*, incidents: Sequence[str], states: Sequence[str], limit: int | None = None) -> list[GuideStep]:
    return steps_select(steps_all(), incidents=incidents, states=states, limit=limit)


def step_helpers(step: GuideStep, hits: Sequence[tuple[str, dict]], limit: int = HELPERS_PER_STEP) -> list[dict]:
    """The hits (group key, hit) of a result that help with this step, best first.

    The step's named contacts first, then contacts of its kinds: the most specific group
    first (GROUP_RANK), within a group the step's first kinds first, then page order.
    """
    named = {ref.id for ref in step.contacts}
    kind_rank = {slug: i for i, slug in enumerate(step.kinds)}
    ranked = []
    seen = set()
    for position, (group_key, hit) in enumerate(hits):
        if hit["id"] in seen:
            continue
        kinds = [kind_rank[k] for k in hit.get("kinds", ()) if k in kind_rank]
        if hit["id"] in named:
            ranked.append(((0, 0, 0, position), hit))
        elif kinds:
            ranked.append(((1, GROUP_RANK.get(group_key, 3), min(kinds), position), hit))
        else:
            continue
        seen.add(hit["id"])
    ranked.sort(key=lambda item: item[0])
    return [hit for _, hit in ranked[:limit]]


def incident_labels() -> dict[str, str]:
    return {term.slug: term.label for term in IncidentType.objects.all()}
