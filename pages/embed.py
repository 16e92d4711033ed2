"""For partners who embed Lotse (issue 20): the embed builder (/embed/) and the script that
fits an embedded frame to its content (/embed.js).

The builder reads its choices through the one query model (search.query.parse_query), so the
link and the frame it offers are the canonical search URL (query.to_params), and a choice the
query model refuses is shown with the query model's message. The embed's language is the
field `embed_lang` (mapped to the search's `lang`): `lang` itself is this page's language.
"""

from __future__ import annotations

from contextlib import nullcontext
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.utils import translation
from django.utils.translation import gettext as _

from directory.models import ContactKind, District, IncidentType, State
from lotse.middleware import content_security_policy
from search.query import QueryError, parse_query

PER_PAGE = ["5", "10", "20", "50"]
DEFAULT_HEIGHT = 600  # px: the frame's height without the resize script
# Query parameters the builder does not offer but keeps (from a results page's link).
KEPT = ("q", "radius", "target", "free", "anonymous", "barrier_free", "open_24_7")


def embed_builder(request):
    params = request.GET
    search = QueryDict(mutable=True)
    for name in ("near", "state", "district", "per_page", *KEPT):
        if params.get(name):
            search[name] = params[name]
    for name in ("incident", "kind"):
        search.setlist(name, params.getlist(name))
    if params.get("embed_lang"):
        search["lang"] = params["embed_lang"]
    error, link, frame = None, "", ""
    try:
        query = parse_query(search)
    except QueryError as exc:
        error = exc
    else:
        link = request.build_absolute_uri(_with(reverse("search"), query.to_params()))
        frame = request.build_absolute_uri(_with(reverse("search"), [*query.to_params(), ("embed", "1")]))
    context = {
        "form": params,
        "chosen": {"incident": set(params.getlist("incident")), "kind": set(params.getlist("kind"))},
        "per_page_options": PER_PAGE,
        "per_page": params.get("per_page") or "20",
        "states": State.objects.order_by("name"),
        "districts_by_state": _districts_by_state(),
        "incident_types": IncidentType.objects.all(),
        "kinds": ContactKind.objects.all(),
        "kept": [(name, params[name]) for name in KEPT if params.get(name)],
        "error": error and {"field": {"lang": "embed_lang"}.get(error.field, error.field), "message": error.message},
        "link": link,
        "frame": frame,
        "snippet": embed_snippet(request, frame, lang=query.lang or "") if frame else "",
        "height": DEFAULT_HEIGHT,
        "partner_origins": settings.PARTNER_FRAME_ORIGINS,
        "partner_contact": settings.PARTNER_CONTACT_EMAIL,
    }
    response = render(request, "pages/embed_builder.html", context, status=400 if error else 200)
    # The one page that frames anything: its own preview of the embed.
    response["Content-Security-Policy"] = content_security_policy(frame_ancestors=[], frame_src=["'self'"])
    return response


def embed_snippet(request, frame_url: str, *, lang: str = "") -> str:
    """The HTML a partner pastes: the frame, then the script that sizes it. Shown as text
    (the template escapes it); the URLs are ours, percent-encoded, so no quote can end an
    attribute, and the frame's address reads as it does in the address bar (& not &amp;).
    The frame's title is in the embedded page's language when it has one."""
    script = request.build_absolute_uri(reverse("embed-script"))
    with translation.override(lang) if lang else nullcontext():
        title = escape(_("Lotse: Hilfe bei Anfeindungen"))
    return (
        f'<iframe src="{frame_url}" title="{title}" width="100%" height="{DEFAULT_HEIGHT}" loading="lazy"></iframe>\n'
        f'<script src="{script}" async></script>'
    )


def _with(path: str, params) -> str:
    return f"{path}?{urlencode(list(params))}" if params else path


def _districts_by_state() -> list[tuple[State, list[District]]]:
    grouped: dict[int, list[District]] = {}
    for district in District.objects.order_by("short_name", "ags"):
        grouped.setdefault(district.state_id, []).append(district)
    return [(state, grouped.get(state.pk, [])) for state in State.objects.order_by("name")]


@lru_cache(maxsize=1)
def _script() -> bytes:
    return (Path(settings.BASE_DIR) / "static" / "js" / "lotse-embed.js").read_bytes()


def embed_script(request):
    """The partner page's resize script at a URL that never changes (static names may)."""
    response = HttpResponse(_script(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response
