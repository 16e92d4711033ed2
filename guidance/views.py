"""The guide pages and the private evidence log (issue 16). These sit on top with the other
public pages: a guide page with a place shows the same result cards as /search/.

/guide/                 the first steps for every incident (the general set), or for the
                        incidents in ?incident=…; /guide/<incident>/ for one incident
                        Both take the query model's place parameters (near, state,
                        district), lang and embed, like a results page.
/evidence-log/          a form that stays in the browser: no <form> element, nothing sent
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from directory.models import IncidentType, State
from directory.views import results_context
from guidance.blocks import guide_url, kind_labels, page_hits, presentation_params, step_item
from guidance.selectors import steps_for
from lotse.middleware import is_embed
from search.engine import search
from search.query import QueryError, codes, parse_query


def guide_page(request, incident: str | None = None):
    params = request.GET.copy()
    if incident is not None:
        if incident not in codes().incidents:
            raise Http404(incident)
        params.setlist("incident", [incident])
    try:
        query = parse_query(params)
    except QueryError as exc:
        return render(
            request,
            "directory/bad_request.html",
            {"message": str(exc.message), "field": exc.field, "embed": is_embed(request)},
            status=400,
        )
    context = {"embed": is_embed(request), "groups": [], "place_label": ""}
    if query.has_place:
        context.update(results_context(request, query, search(query)))
    hits = page_hits(context.get("result"))
    labels = kind_labels()
    steps = steps_for(incidents=query.incidents, states=query.states)
    terms = list(IncidentType.objects.all())
    states = {state.code: state for state in State.objects.filter(code__in=query.states)}
    keep = presentation_params(request)
    place = [(name, value) for name, value in query.to_params() if name in ("near", "state", "district")]
    context.update(
        {
            "query": query,
            "items": [step_item(step, hits=hits, request=request, kind_labels=labels) for step in steps],
            "incidents": [term for term in terms if term.slug in query.incidents],
            "states": [states[code] for code in query.states if code in states],
            "other_guides": [
                {"term": term, "url": _url(reverse("guide-incident", args=[term.slug]), [*place, *keep])}
                for term in terms
                if term.slug not in query.incidents
            ],
            "general_url": _url(reverse("guide"), [*place, *keep]),
            "search_url": _url(reverse("search"), [*query.to_params(), *keep]),
            "log_url": _url(reverse("evidence-log"), keep),
            "hidden": [(name, value) for name, value in keep],
            "share_url": request.build_absolute_uri(guide_url(_Plain(), query)),
            "embed_url": request.build_absolute_uri(_url(guide_url(_Plain(), query), [("embed", "1")])),
        }
    )
    return render(request, "guidance/guide.html", context)


class _Plain:
    """A request without presentation parameters: the canonical link of a guide page."""

    GET: dict = {}


def _url(path: str, params: list[tuple[str, str]]) -> str:
    if not params:
        return path
    joiner = "&" if "?" in path else "?"
    return f"{path}{joiner}{urlencode(params)}"


def evidence_log(request):
    return render(request, "guidance/evidence_log.html", {"embed": is_embed(request)})
