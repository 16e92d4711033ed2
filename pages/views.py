"""Public pages: start, results, contact, state and district landing pages (issue 6).

Plain function views. The results and landing pages go through the one query model
(search.query.parse_query) and the one search entry point (search.engine.search), so that a
partner's link, a landing page and an API call mean the same thing (DESIGN.md); the
results page reads its parameters through the FilterSet the API reads them through.
"""

from __future__ import annotations

from urllib.parse import urlencode

import vobject
from django import forms
from django.conf import settings
from django.core import signing
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.csrf import csrf_exempt

from pages.cards import card_html
from directory.models import (
    Contact,
    ContactKind,
    ContactSlugHistory,
    District,
    IncidentType,
    PostalCode,
    Scope,
    State,
)
from directory.phones import phone_display
from guidance.blocks import guide_url, kind_labels, page_hits, presentation_params, results_steps, step_item
from guidance.selectors import steps_for
from lotse.middleware import is_embed
from search.engine import search
from search.filters import SearchFilterSet
from search.query import QueryError, codes, parse_query
from importers.hours import hours_comment_text

# Parameters that change how a page looks, not what it finds: kept on links, never part
# of the search itself.
PRESENTATION_PARAMS = ("lang", "embed")


def home(request):
    return render(
        request,
        "pages/home.html",
        {
            "states": State.objects.order_by("name"),
            "incident_types": IncidentType.objects.all(),
            "embed": is_embed(request),
        },
    )


def about(request):
    counts = {
        "states": State.objects.count(),
        "districts": District.objects.count(),
        "postcodes": PostalCode.objects.count(),
        "contacts": Contact.objects.filter(active=True).count(),
    }
    return render(request, "pages/about.html", {
        "counts": counts, "embed": is_embed(request),
        "data_licence": settings.DATA_LICENCE, "data_licence_url": settings.DATA_LICENCE_URL,
    })


# --- results ------------------------------------------------------------------------------


def search_page(request):
    try:
        query = SearchFilterSet(request.GET).query
    except QueryError as exc:
        return render(
            request,
            "pages/bad_request.html",
            {"message": str(exc.message), "field": exc.field, "embed": is_embed(request)},
            status=400,
        )
    result = search(query)
    context = _results_context(request, query, result)
    context.update(
        {
            "states": State.objects.order_by("name"),
            "incident_types": IncidentType.objects.all(),
            "kinds": ContactKind.objects.all(),
            "first_steps": results_steps(request, query, result),  # issue 16
        }
    )
    return render(request, "pages/search.html", context)


GROUP_TITLES = {
    "near": gettext_lazy("In Ihrer Nähe"),
    "local": gettext_lazy("Vor Ort zuständig"),
    "regional": gettext_lazy("Vor Ort in Kreisen und Städten"),
    "state": gettext_lazy("Landesweit zuständig"),
    "national": gettext_lazy("Bundesweit"),
}


def _results_context(request, query, result) -> dict:
    kinds = {term.slug: term for term in ContactKind.objects.all()}
    incidents = {term.slug: term for term in IncidentType.objects.all()}
    embedded = is_embed(request)
    groups = [
        {
            "key": group.key,
            "title": GROUP_TITLES["local"] if group.key == "near" and not query.point else GROUP_TITLES.get(group.key, group.key),
            "total": group.total,
            "cards": [card_html(request, hit, _hit_for_display(hit, kinds, incidents), group.key, embedded) for hit in group.hits],
        }
        for group in result.groups
        if group.hits
    ]
    embed = [("embed", "1")] if embedded else []
    params = query.to_params()
    place_label = _place_label(query)
    return {
        "query": query,
        "result": result,
        "groups": groups,
        "total": result.total,
        "place_label": place_label,
        "query_summary": _query_summary(query, place_label, incidents, kinds),
        "facets": _facets_for_display(request, result, kinds, incidents),
        "filters_active": len(query.incidents) + len(query.kinds),
        "share_url": request.build_absolute_uri(_url_with(reverse("search"), params)),
        "embed_url": request.build_absolute_uri(_url_with(reverse("search"), [*params, ("embed", "1")])),
        "advice": _advice(request, query),
        "hotlines": _hotlines() if not groups else [],
        "pages": _pages(query, result, embed),
        "embed": embedded,
        "form": request.GET,
        "hidden": [(k, v) for k, values in request.GET.lists() if k not in FORM_FIELDS for v in values],
        "radii": RADII,
        "radius": _number(query.radius) if query.radius is not None else "",
    }


# The controls of the results form; every other parameter (state, district, flags, lang,
# embed, a partner's own) is carried along as a hidden field.
FORM_FIELDS = {"near", "q", "radius", "incident", "kind", "page"}
RADII = ["", "10", "25", "50", "100", "200"]


def _query_summary(query, place_label: str, incidents: dict, kinds: dict) -> str:
    """The query in one line ("99084 Erfurt · Bedrohung"): the folded form's summary on a phone."""
    parts = [place_label] if place_label else []
    if query.q:
        parts.append(f"„{query.q}“")
    parts += [str(incidents[slug].label) for slug in query.incidents if slug in incidents]
    parts += [str(kinds[slug].label) for slug in query.kinds if slug in kinds]
    return " · ".join(parts) or _("alle Angebote")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _place_label(query) -> str:
    if query.near_label:
        return query.near_label
    if query.district:
        district = District.objects.filter(ags=query.district).first()
        return district.short_name if district else query.district
    if query.state:
        state = State.objects.filter(code=query.state).first()
        return state.label if state else query.state
    return ""


def _pages(query, result, extra: list) -> list[dict]:
    if result.total_pages <= 1:
        return []
    return [
        {
            "number": number,
            "current": number == query.page,
            "url": _url_with(reverse("search"), [*query.with_(page=number).to_params(), *extra]),
        }
        for number in range(1, min(result.total_pages, 20) + 1)
    ]


def _hotlines() -> list[dict]:
    """Nationwide contacts with a phone number, for the "nothing found" advice."""
    contacts = (
        Contact.objects.filter(active=True, scope=Scope.NATIONAL, phones__isnull=False)
        .distinct()
        .prefetch_related("phones")
        .order_by("name")
    )
    return [
        {
            "name": contact.name,
            "slug": contact.slug,
            "phones": [{"label": p.label, "number": p.number, "display": phone_display(p.number)} for p in contact.phones.all()],
        }
        for contact in contacts
    ]


def _hit_for_display(hit: dict, kinds: dict, incidents: dict) -> dict:
    shown = dict(hit)
    shown["kind_terms"] = [kinds[slug] for slug in hit.get("kinds", []) if slug in kinds]
    shown["incident_terms"] = [incidents[slug] for slug in hit.get("incident_types", []) if slug in incidents]
    shown["phones"] = [
        {**phone, "display": phone.get("display") or phone_display(phone["number"])} for phone in hit.get("phones", [])
    ]
    return shown


def _facets_for_display(request, result, kinds: dict, incidents: dict) -> list[dict]:
    """Each facet value as a checkbox with its count; the chosen ones stay listed at 0."""
    facets = []
    for param, facet_name, terms, legend in (
        ("incident", "incident_types", incidents, _("Was ist passiert?")),
        ("kind", "kinds", kinds, _("Art der Stelle")),
    ):
        counts = result.facets.get(facet_name, {})
        chosen = set(request.GET.getlist(param))
        options = [
            {"value": slug, "label": term.label, "count": counts.get(slug, 0), "checked": slug in chosen}
            for slug, term in terms.items()
            if counts.get(slug) or slug in chosen
        ]
        if options:
            facets.append({"param": param, "legend": legend, "options": options})
    return facets


def _advice(request, query) -> list[dict]:
    """Ways out of an empty result: each one a link that widens the search."""
    ways = []
    params = request.GET
    widest = settings.SEARCH_MAX_RADIUS_KM
    if query.point and (query.radius or 0) < widest:
        wider = _replace(params, radius=str(widest))
        ways.append(
            {"text": _("Suchradius auf %(km)s km erweitern") % {"km": widest}, "url": _url_with(reverse("search"), wider)}
        )
    for name, label in (
        ("incident", _("ohne Filter „Was ist passiert?“ suchen")),
        ("kind", _("ohne Filter „Art der Stelle“ suchen")),
        ("q", _("ohne Suchbegriff suchen")),
    ):
        if params.get(name):
            ways.append({"text": label, "url": _url_with(reverse("search"), _replace(params, **{name: None}))})
    national = [(k, v) for k, v in _keep_presentation(params)]
    ways.append({"text": _("alle Angebote ohne Ort und Filter anzeigen"), "url": _url_with(reverse("search"), national)})
    return ways


def _keep_presentation(params: QueryDict) -> list[tuple[str, str]]:
    return [(name, params[name]) for name in PRESENTATION_PARAMS if params.get(name)]


def _replace(params: QueryDict, **changes) -> list[tuple[str, str]]:
    pairs = [(k, v) for k, values in params.lists() if k not in changes and k != "page" for v in values]
    pairs += [(k, v) for k, v in changes.items() if v is not None]
    return pairs


def _url_with(path: str, params) -> str:
    params = list(params.items() if isinstance(params, dict) else params)
    return f"{path}?{urlencode(params)}" if params else path


# --- contact ------------------------------------------------------------------------------


def _contact_or_redirect(request, slug: str, view_name: str):
    contact = (
        Contact.objects.filter(slug=slug)
        .select_related("organisation", "source", "district__state")
        .prefetch_related("kinds", "incident_types", "target_groups", "channels", "states", "districts", "phones")
        .first()
    )
    if contact is not None:
        return contact, None
    old = ContactSlugHistory.objects.filter(slug=slug).select_related("contact").first()
    if old is None:
        raise Http404(_("Diesen Kontakt gibt es nicht."))
    target = reverse(view_name, args=[old.contact.slug])
    query = request.GET.urlencode()
    return None, redirect(f"{target}?{query}" if query else target, permanent=True)


def contact_detail(request, slug):
    contact, moved = _contact_or_redirect(request, slug, "contact")
    if moved:
        return moved
    phones = [{"label": p.label, "number": p.number, "display": phone_display(p.number)} for p in contact.phones.all()]
    osm_url = (
        f"https://www.openstreetmap.org/?mlat={contact.lat:.5f}&mlon={contact.lng:.5f}#map=16/{contact.lat:.5f}/{contact.lng:.5f}"
        if contact.has_point
        else ""
    )
    return render(
        request,
        "pages/contact.html",
        {
            "contact": contact,
            "phones": phones,
            "osm_url": osm_url,
            "coverage": _coverage_text(contact),
            "embed": is_embed(request),
            "freshness": freshness(contact.last_verified),
        },
        status=200 if contact.active else 410,
    )


def _coverage_text(contact: Contact) -> str:
    if contact.scope == Scope.NATIONAL:
        return _("bundesweit")
    if contact.scope == Scope.STATE:
        return ", ".join(state.label for state in contact.states.all())
    return ", ".join(district.short_name for district in contact.districts.all())


def contact_vcard(request, slug):
    contact, moved = _contact_or_redirect(request, slug, "contact-vcard")
    if moved:
        return moved
    if not contact.active:
        raise Http404(_("Dieser Kontakt ist nicht mehr aktiv."))
    page = request.build_absolute_uri(reverse("contact", args=[contact.slug]))
    response = HttpResponse(contact_vcard_text(contact, page_url=page), content_type="text/vcard; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{contact.slug}.vcf"'
    return response


def contact_vcard_text(contact: Contact, *, page_url: str) -> str:
    card = vobject.vCard()
    card.add("fn").value = contact.name
    card.add("n").value = vobject.vcard.Name(family=contact.name)
    card.add("org").value = [contact.organisation.name if contact.organisation else contact.name]
    for phone in contact.phones.all():
        tel = card.add("tel")
        tel.value = phone.number
        tel.type_param = "WORK"
    if contact.email:
        email = card.add("email")
        email.value = contact.email
        email.type_param = "INTERNET"
    if contact.website:
        card.add("url").value = contact.website
    if contact.street or contact.town:
        adr = card.add("adr")
        adr.value = vobject.vcard.Address(street=contact.street, city=contact.town, code=contact.postcode, country="Deutschland")
        adr.type_param = "WORK"
    notes = [contact.description_de]
    if contact.opening_hours:
        notes.append(f"Öffnungszeiten: {hours_comment_text(contact.opening_hours) or contact.opening_hours}")
    notes.append(f"Lotse: {page_url}")
    card.add("note").value = "\n".join(note for note in notes if note)
    return card.serialize()


# --- landing pages for partners -----------------------------------------------------------


def state_page(request, slug):
    if len(slug) == 2:
        state = get_object_or_404(State, code=slug.upper())
        return _canonical_redirect(request, "state", state.slug)
    state = get_object_or_404(State, slug=slug)
    query = parse_query(QueryDict(urlencode({"state": state.code})))
    context = _results_context(request, query, search(query))
    context.update(
        {
            "state": state,
            "districts": state.districts.order_by("short_name"),
            "search_url": _url_with(reverse("search"), [("state", state.code), *_keep_presentation(request.GET)]),
        }
    )
    return render(request, "pages/state.html", context)


def district_page(request, slug):
    if slug.isdigit():
        district = get_object_or_404(District, ags=slug)
        return _canonical_redirect(request, "district", district.slug)
    district = get_object_or_404(District.objects.select_related("state"), slug=slug)
    query = parse_query(QueryDict(urlencode({"district": district.ags})))
    context = _results_context(request, query, search(query))
    context.update(
        {
            "district": district,
            "search_url": _url_with(reverse("search"), [("district", district.ags), *_keep_presentation(request.GET)]),
        }
    )
    return render(request, "pages/district.html", context)


def _canonical_redirect(request, view_name: str, slug: str):
    target = reverse(view_name, args=[slug])
    query = request.GET.urlencode()
    return redirect(f"{target}?{query}" if query else target, permanent=True)


# --- freshness and visitors' error reports (issue 19) -------------------------------------


def freshness(last_verified) -> dict:
    """How fresh a contact's details are, in plain words: "zuletzt geprüft vor 14 Monaten"
    or "noch nicht geprüft"; stale after VERIFY_AFTER_DAYS."""
    from curation.services import is_stale, months_since

    if last_verified is None:
        return {"text": _("noch nicht geprüft"), "stale": True}
    months = months_since(last_verified)
    if months == 0:
        text = _("zuletzt geprüft vor weniger als einem Monat")
    else:
        text = ngettext("zuletzt geprüft vor %(n)s Monat", "zuletzt geprüft vor %(n)s Monaten", months) % {"n": months}
    return {"text": text, "stale": is_stale(last_verified), "date": last_verified}


REPORT_SALT = "lotse.pages.error-report"


class ErrorReportForm(forms.Form):
    from curation.models import ErrorReport

    problem = forms.ChoiceField(label=gettext_lazy("Was ist falsch?"), choices=ErrorReport.Problem.choices, widget=forms.RadioSelect)
    text = forms.CharField(label=gettext_lazy("Was sollte dort stehen? (freiwillig)"), required=False,
                           max_length=ErrorReport.TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4, "maxlength": ErrorReport.TEXT_MAX}))
    email = forms.EmailField(label=gettext_lazy("Ihre E-Mail-Adresse für Rückfragen (freiwillig)"), required=False, max_length=254)
    token = forms.CharField(widget=forms.HiddenInput, max_length=200)
    # A field people never see or fill in; bots that fill every field give themselves away.
    homepage = forms.CharField(label=gettext_lazy("Bitte dieses Feld leer lassen"), required=False, max_length=200)


def _report_token(contact) -> str:
    return signing.TimestampSigner(salt=REPORT_SALT).sign(str(contact.pk))


def _token_problem(token: str, contact) -> str | None:
    """Why a form token is not accepted, or None: signed by us for this contact, at least
    REPORT_MIN_SECONDS and at most REPORT_TOKEN_SECONDS old."""
    signer = signing.TimestampSigner(salt=REPORT_SALT)
    try:
        value = signer.unsign(token, max_age=settings.REPORT_TOKEN_SECONDS)
    except signing.SignatureExpired:
        return _("Das Formular ist abgelaufen; bitte laden Sie die Seite neu und senden Sie die Meldung noch einmal.")
    except signing.BadSignature:
        return _("Das Formular ist ungültig; bitte laden Sie die Seite neu.")
    if value != str(contact.pk):
        return _("Das Formular gehört zu einem anderen Kontakt; bitte laden Sie die Seite neu.")
    issued = signing.b62_decode(token.rsplit(signer.sep, 2)[1])
    import time

    if time.time() - issued < settings.REPORT_MIN_SECONDS:
        return _("Das ging zu schnell; bitte prüfen Sie Ihre Angaben und senden Sie das Formular noch einmal.")
    return None


def _same_origin(request) -> bool:
    """The form was sent from one of our pages: the browser's Origin header (or, where a
    browser sends none, the Referer) names this site. Replaces the CSRF cookie, which
    visitors do not get."""
    ours = f"{request.scheme}://{request.get_host()}"
    origin = request.META.get("HTTP_ORIGIN")
    if origin:
        return origin == ours
    referer = request.META.get("HTTP_REFERER", "")
    return referer == ours or referer.startswith(ours + "/")


@csrf_exempt  # no cookie for visitors: a signed, time-limited token and the Origin check instead
def contact_report(request, slug):
    contact, moved = _contact_or_redirect(request, slug, "contact-report")
    if moved:
        return moved
    if not contact.active:
        raise Http404(_("Dieser Kontakt ist nicht mehr aktiv."))
    context = {"contact": contact, "embed": is_embed(request)}
    if request.method == "POST":
        if not _same_origin(request):
            context["refused"] = _("Die Meldung wurde nicht von dieser Seite gesendet und deshalb nicht angenommen.")
            return render(request, "pages/report.html", context, status=403)
        form = ErrorReportForm(request.POST)
        if form.is_valid() and (problem := _token_problem(form.cleaned_data["token"], contact)):
            form.add_error(None, problem)
        if form.is_valid():
            if form.cleaned_data["homepage"]:
                return redirect(f"{reverse('contact-report', args=[contact.slug])}?sent=1", permanent=False)
            from api.throttles import ReportThrottle
            from curation.services import report_file

            throttle = ReportThrottle()
            if not throttle.allow_request(request, None):
                context["refused"] = _("Von Ihrem Anschluss kamen gerade sehr viele Meldungen. Bitte versuchen Sie es in "
                                       "%(minutes)s Minuten noch einmal.") % {"minutes": max(1, round((throttle.wait() or 60) / 60))}
                response = render(request, "pages/report.html", context, status=429)
                response["Retry-After"] = str(int(throttle.wait() or 60))
                return response
            report_file(contact=contact, problem=form.cleaned_data["problem"], text=form.cleaned_data["text"],
                        email=form.cleaned_data["email"], language=request.LANGUAGE_CODE)
            response = redirect(f"{reverse('contact-report', args=[contact.slug])}?sent=1")
            response.status_code = 303
            return response
        context["form"] = form
        return render(request, "pages/report.html", context, status=400)
    if request.GET.get("sent") == "1":
        context["sent"] = True
        return render(request, "pages/report.html", context)
    context["form"] = ErrorReportForm(initial={"token": _report_token(contact)})
    return render(request, "pages/report.html", context)


# --- first steps (issue 16) ---------------------------------------------------------------


def guide_page(request, incident: str | None = None):
    """/guide/: the first steps for every incident (the general set), or for ?incident=…;
    /guide/<incident>/ for one. The query model's place parameters (near, state, district)
    choose the state's variants and, with a place, add its contacts as on /search/."""
    params = request.GET.copy()
    if incident is not None:
        if incident not in codes().incidents:
            raise Http404(incident)
        params.setlist("incident", [incident])
    try:
        query = SearchFilterSet(params).query
    except QueryError as exc:
        return render(
            request,
            "pages/bad_request.html",
            {"message": str(exc.message), "field": exc.field, "embed": is_embed(request)},
            status=400,
        )
    context = {"embed": is_embed(request), "groups": [], "place_label": ""}
    if query.has_place:
        context.update(_results_context(request, query, search(query)))
    hits = page_hits(context.get("result"))
    labels = kind_labels()
    terms = list(IncidentType.objects.all())
    states = {state.code: state for state in State.objects.filter(code__in=query.states)}
    keep = presentation_params(request)
    place = [(name, value) for name, value in query.to_params() if name in ("near", "state", "district")]
    canonical = guide_url(None, query)
    context.update(
        {
            "query": query,
            "items": [step_item(step, hits=hits, request=request, kind_labels=labels) for step in steps_for(
                incidents=query.incidents, states=query.states)],
            "incidents": [term for term in terms if term.slug in query.incidents],
            "states": [states[code] for code in query.states if code in states],
            "other_guides": [
                {"term": term, "url": _url_with(reverse("guide-incident", args=[term.slug]), [*place, *keep])}
                for term in terms
                if term.slug not in query.incidents
            ],
            "general_url": _url_with(reverse("guide"), [*place, *keep]),
            "search_url": _url_with(reverse("search"), [*query.to_params(), *keep]),
            "log_url": _url_with(reverse("evidence-log"), keep),
            "hidden": keep,
            "share_url": request.build_absolute_uri(canonical),
            "embed_url": request.build_absolute_uri(canonical + ("&" if "?" in canonical else "?") + "embed=1"),
        }
    )
    return render(request, "guidance/guide.html", context)


def evidence_log(request):
    """A form that stays in the browser (guidance/static/guidance/evidence-log.js): no
    <form> element, so nothing typed can be submitted to us."""
    return render(request, "guidance/evidence_log.html", {"embed": is_embed(request)})
