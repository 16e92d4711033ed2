"""Steps prepared for the pages: the "Erste Schritte" block of a results page and the
steps of a guide page, each with the contacts that help ("who does this with you").

The results page makes one call:  context["first_steps"] = results_steps(request, query, result)
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from django.urls import reverse

from directory.models import ContactKind
from guidance.selectors import GuideStep, step_helpers, steps_for
from search.query import SearchQuery

RESULTS_STEPS = 5  # issue 16: at most five steps on a results page, the most urgent first
PLACE_PARAMS = ("near", "radius", "state", "district")
PRESENTATION = {"lang": {"de", "en"}, "embed": {"1"}}


def presentation_params(request) -> list[tuple[str, str]]:
    return [(name, request.GET[name]) for name, allowed in PRESENTATION.items() if request.GET.get(name) in allowed]


def guide_url(request, query: SearchQuery, *, anchor: str = "") -> str:
    """The guide page for the query's incidents and place (stable, shareable); with a
    request, its presentation parameters (lang, embed) too."""
    params = [(name, value) for name, value in query.to_params() if name in PLACE_PARAMS]
    if len(query.incidents) == 1:
        path = reverse("guide-incident", args=[query.incidents[0]])
    else:
        path = reverse("guide")
        params = [*params, *(("incident", slug) for slug in query.incidents)]
    params += presentation_params(request) if request is not None else []
    return (f"{path}?{urlencode(params)}" if params else path) + (f"#{anchor}" if anchor else "")


def page_hits(result) -> list[tuple[str, dict]]:
    """(group key, hit) in the order the page shows them."""
    return [(group.key, hit) for group in result.groups for hit in group.hits] if result is not None else []


def step_item(step: GuideStep, *, hits: Sequence[tuple[str, dict]], request=None, kind_labels: dict | None = None) -> dict:
    """A step with its helpers: links to the cards on this page that do it; without cards
    (a guide page without a place), its named contacts' own pages and its kinds' names."""
    helpers = [{"name": hit["name"], "href": f"#hit-{hit['slug']}"} for hit in step_helpers(step, hits)]
    named = []
    if not hits:
        keep = urlencode(presentation_params(request)) if request is not None else ""
        named = [
            {"name": ref.name, "href": reverse("contact", args=[ref.slug]) + (f"?{keep}" if keep else "")}
            for ref in step.contacts
        ]
    labels = kind_labels or {}
    return {
        "step": step,
        "helpers": helpers,
        "named": named,
        "kinds": [labels[slug] for slug in step.kinds if slug in labels],
    }


def kind_labels() -> dict[str, str]:
    return {term.slug: term.label for term in ContactKind.objects.all()}


def results_steps(request, query: SearchQuery, result) -> dict | None:
    """The "Erste Schritte" block of a results page: at most five steps for the chosen
    incidents (the general set without one) and the place's state, most urgent first."""
    steps = steps_for(incidents=query.incidents, states=query.states)
    if not steps:
        return None
    hits = page_hits(result)
    items = [step_item(step, hits=hits) for step in steps[:RESULTS_STEPS]]
    return {
        "first": items[0],
        "rest": items[1:],
        "total": len(steps),
        "guide_url": guide_url(request, query),
        "log_url": _with_params(reverse("evidence-log"), presentation_params(request)),
    }


def _with_params(path: str, params: list[tuple[str, str]]) -> str:
    return f"{path}?{urlencode(params)}" if params else path
