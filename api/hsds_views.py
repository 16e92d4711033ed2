"""Read-only Open Referral HSDS 3.0 API under /api/hsds/ (issue 7), following the HSDS
API template (../shared/reference/hsds-3.0/openapi.json). Mapping rules: directory/hsds.py."""

from __future__ import annotations

import math
import re
import uuid
from datetime import datetime, time

from django.db.models import Q
from django.http import HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.response import Response
from rest_framework.views import APIView

from directory import hsds
from api.errors import ApiError
from search.engine import contacts_matching
from search.query import QueryError, parse_query
from api.views import ReadView
from directory import selectors
from directory.models import Contact, Organisation
from importers.datapackage import package_published
from lotse.env import parse_bool

DEFAULT_PER_PAGE, MAX_PER_PAGE = 50, 200
# ASCII digits only: str.isdigit() also accepts "²", which int() refuses (issue 17: a 500),
# and int() refuses more than 4,300 digits.
WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")

PAGE_PARAMS = [
    OpenApiParameter("page", int, description="Page number, from 1"),
    OpenApiParameter("per_page", int, description=f"Items per page (1–{MAX_PER_PAGE}, default {DEFAULT_PER_PAGE})"),
]
SEARCH = OpenApiParameter("search", str, description="Full text search")
SERVICE_FILTERS = [
    SEARCH,
    OpenApiParameter("taxonomy_term_id", str, description="Services with this taxonomy term (uuid)"),
    OpenApiParameter("taxonomy_id", str, description="Services with any term of this taxonomy (uuid)"),
    OpenApiParameter("organization_id", str, description="Services of this organization (uuid)"),
    OpenApiParameter("modified_after", str, description="Changed on or after this ISO 8601 date or datetime"),
    OpenApiParameter("postcode", str, description="German postcode: services whose service_area covers it"),
    OpenApiParameter("state", str, description="Short state code (e.g. TH): services covering that state"),
    OpenApiParameter("district", str, description="District AGS (e.g. 16051): services covering that district"),
    OpenApiParameter("full", bool, description="true: fully nested services in contents"),
    *PAGE_PARAMS,
]


def _page(request, items, *, count: int | None = None) -> dict:
    """The HSDS Page object; `items` is a sliceable sequence or queryset."""
    numbers = {}
    for name, default in (("page", 1), ("per_page", DEFAULT_PER_PAGE)):
        raw = request.query_params.get(name, "")
        if raw == "":
            numbers[name] = default
        elif WHOLE_NUMBER.fullmatch(raw) and int(raw) >= 1:
            numbers[name] = int(raw)
        else:
            raise ApiError(400, "invalid_parameter", f'{name}: "{raw[:20]}" is not a whole number of 1 or more', name)
    if numbers["per_page"] > MAX_PER_PAGE:
        raise ApiError(400, "invalid_parameter", f"per_page: at most {MAX_PER_PAGE}", "per_page")
    page, per_page = numbers["page"], numbers["per_page"]
    total = len(items) if count is None else count
    total_pages = max(1, math.ceil(total / per_page))
    start = (page - 1) * per_page
    contents = list(items[start : start + per_page]) if start < total else []
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": total == 0,
        "contents": contents,
    }


def _true(request, name: str) -> bool:
    raw = request.query_params.get(name, "")
    try:
        return bool(parse_bool(raw))
    except ValueError:
        raise ApiError(400, "invalid_parameter", f'{name}: "{raw[:20]}" is not a boolean; use true or false', name) from None


def _uuid_param(request, name: str) -> str:
    raw = request.query_params.get(name, "").strip().lower()
    if raw and not _is_uuid(raw):
        raise ApiError(400, "invalid_parameter", f'{name}: "{raw[:60]}" is not a uuid', name)
    return raw


def _is_uuid(raw: str) -> bool:
    try:
        uuid.UUID(raw)
    except ValueError:
        return False
    return True


def _modified_after(request):
    raw = request.query_params.get("modified_after", "").strip()
    if not raw:
        return None
    try:
        # Both raise ValueError for a well-formed but impossible value (2025-02-30).
        moment = parse_datetime(raw) if "T" in raw or " " in raw else None
    except ValueError:
        moment = None
    if moment is None:
        try:
            day = parse_date(raw)
        except ValueError:
            day = None
        if day is None:
            raise ApiError(400, "invalid_parameter",
                           f'modified_after: "{raw[:40]}" is not an ISO 8601 date or datetime such as 2025-01-31T12:00:00Z',
                           "modified_after")
        moment = datetime.combine(day, time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _organisation_contacts(org_uuid: str):
    """Active contacts behind an organization id: a real one or a synthetic one."""
    org = Organisation.objects.filter(uuid=org_uuid).first()
    if org is not None:
        return Q(organisation=org)
    for pk, contact_uuid in Contact.objects.filter(organisation__isnull=True).values_list("pk", "uuid"):
        if hsds.derived_id("organization", "contact", contact_uuid) == org_uuid:
            return Q(pk=pk)
    return None


def services_filtered(request):
    params = request.query_params
    coverage = QueryDict(mutable=True)
    for ours, theirs in (("q", "search"), ("near", "postcode"), ("state", "state"), ("district", "district")):
        if params.get(theirs):
            coverage[ours] = params[theirs]
    if params.get("postcode") and not params["postcode"].strip().isdigit():
        raise ApiError(400, "invalid_parameter", f'postcode: "{params["postcode"][:20]}" is not a German postcode', "postcode")
    try:
        query = parse_query(coverage)
    except QueryError as exc:
        field = {"q": "search", "near": "postcode"}.get(exc.field, exc.field)
        raise ApiError(400, "invalid_parameter", exc.message_en, field) from None
    contacts = contacts_matching(query, selectors.contacts_base())
    term = _uuid_param(request, "taxonomy_term_id")
    if term:
        found = hsds.term_lookup(term)
        if found is None:
            return contacts.none()
        relation, slug = found
        match = Q(**{f"{relation}__slug": slug})
        if relation == "incident_types":
            match |= Q(all_incidents=True)  # carries every incident term (directory.hsds._terms)
        contacts = contacts.filter(match)
    taxonomy = _uuid_param(request, "taxonomy_id")
    if taxonomy:
        relation = hsds.taxonomy_lookup(taxonomy)
        if relation == "incident_types":
            contacts = contacts.filter(Q(incident_types__isnull=False) | Q(all_incidents=True)).distinct()
        else:
            contacts = contacts.filter(**{f"{relation}__isnull": False}).distinct() if relation else contacts.none()
    org = _uuid_param(request, "organization_id")
    if org:
        match = _organisation_contacts(org)
        contacts = contacts.filter(match) if match is not None else contacts.none()
    moment = _modified_after(request)
    if moment is not None:
        contacts = contacts.filter(updated_at__gte=moment)
    return contacts


class HsdsView(ReadView, APIView):
    pass


@extend_schema_view(get=extend_schema(operation_id="getAPIMetaInformation", tags=["hsds"], responses={200: OpenApiTypes.OBJECT}))
class HsdsRootView(HsdsView):
    def get(self, request):
        return Response({
            "version": hsds.HSDS_VERSION,
            "profile": hsds.PROFILE_URL,
            "openapi_url": request.build_absolute_uri(reverse("api:schema")),
        })


@extend_schema_view(get=extend_schema(operation_id="getPaginatedListOfServices", tags=["hsds"], parameters=SERVICE_FILTERS, responses={200: OpenApiTypes.OBJECT}))
class ServiceListView(HsdsView):
    def get(self, request):
        full = _true(request, "full")
        contacts = services_filtered(request)
        page = _page(request, contacts, count=contacts.count())
        build = hsds.service_full if full else hsds.service_summary
        page["contents"] = [build(contact) for contact in page["contents"]]
        return Response(page)


def _contact_or_404(key: str) -> Contact:
    contact = selectors.contact_get(key=key) if _is_uuid(key) else None
    if contact is None:
        raise ApiError(404, "not_found", f'No service with id "{key[:60]}".')
    return contact


@extend_schema_view(get=extend_schema(operation_id="getFullyNestedServiceById", tags=["hsds"], responses={200: OpenApiTypes.OBJECT}))
class ServiceDetailView(HsdsView):
    def get(self, request, id):
        return Response(hsds.service_full(_contact_or_404(id)))


def _organisations_page(request) -> dict:
    """Real organisations (by name), then one synthetic organization per contact without one."""
    search = request.query_params.get("search", "").strip()
    orgs = Organisation.objects.filter(contacts__active=True).distinct().order_by("name", "pk")
    orphans = Contact.objects.filter(active=True, organisation__isnull=True).order_by("name", "pk")
    if search:
        orgs, orphans = orgs.filter(name__icontains=search), orphans.filter(name__icontains=search)
    n_orgs = orgs.count()

    class Both:
        def __len__(self):
            return n_orgs + orphans.count()

        def __getitem__(self, window: slice):
            start, stop = window.start, window.stop
            head = list(orgs[start:stop]) if start < n_orgs else []
            tail_start, tail_stop = max(0, start - n_orgs), max(0, stop - n_orgs)
            tail = list(orphans[tail_start:tail_stop]) if tail_stop > tail_start else []
            return head + tail

    page = _page(request, Both())
    page["contents"] = [hsds.organization_summary(item) for item in page["contents"]]
    return page


@extend_schema_view(get=extend_schema(operation_id="getPaginatedListOfOrganizations", tags=["hsds"], parameters=[SEARCH, *PAGE_PARAMS], responses={200: OpenApiTypes.OBJECT}))
class OrganizationListView(HsdsView):
    def get(self, request):
        return Response(_organisations_page(request))


@extend_schema_view(get=extend_schema(operation_id="getOrganizationById", tags=["hsds"], responses={200: OpenApiTypes.OBJECT}))
class OrganizationDetailView(HsdsView):
    def get(self, request, id):
        match = _organisation_contacts(id.lower()) if _is_uuid(id) else None
        contacts = list(selectors.contacts_base().filter(match)) if match is not None else []
        org = Organisation.objects.filter(uuid=id).first() if _is_uuid(id) else None
        if org is None and not contacts:
            raise ApiError(404, "not_found", f'No organization with id "{id[:60]}".')
        summary = hsds.organization_summary(org if org is not None else contacts[0])
        return Response(hsds.organization_full(summary, contacts))


@extend_schema_view(get=extend_schema(operation_id="getPaginatedListOfTaxonomies", tags=["hsds"], parameters=[SEARCH, *PAGE_PARAMS], responses={200: OpenApiTypes.OBJECT}))
class TaxonomyListView(HsdsView):
    def get(self, request):
        search = request.query_params.get("search", "").strip().lower()
        items = [t for t in hsds.taxonomies_all() if search in t["name"].lower()]
        return Response(_page(request, items))


@extend_schema_view(get=extend_schema(operation_id="getTaxonomyById", tags=["hsds"], responses={200: OpenApiTypes.OBJECT}))
class TaxonomyDetailView(HsdsView):
    def get(self, request, id):
        for taxonomy in hsds.taxonomies_all():
            if taxonomy["id"] == id.lower():
                return Response(taxonomy)
        raise ApiError(404, "not_found", f'No taxonomy with id "{id[:60]}".')


@extend_schema_view(get=extend_schema(operation_id="getPaginatedListOfTaxonomyTerms", 
    tags=["hsds"],
    parameters=[SEARCH, OpenApiParameter("taxonomy_id", str, description="Terms of this taxonomy (uuid)"), *PAGE_PARAMS],
    responses={200: OpenApiTypes.OBJECT},
))
class TaxonomyTermListView(HsdsView):
    def get(self, request):
        taxonomy = _uuid_param(request, "taxonomy_id") or None
        search = request.query_params.get("search", "").strip().lower()
        items = [t for t in hsds.terms_all(taxonomy=taxonomy) if search in t["name"].lower() or search in t["code"]]
        return Response(_page(request, items))


@extend_schema_view(get=extend_schema(operation_id="getTaxonomyTermById", tags=["hsds"], responses={200: OpenApiTypes.OBJECT}))
class TaxonomyTermDetailView(HsdsView):
    def get(self, request, id):
        for term in hsds.terms_all():
            if term["id"] == id.lower():
                return Response(term)
        raise ApiError(404, "not_found", f'No taxonomy term with id "{id[:60]}".')


@extend_schema_view(get=extend_schema(operation_id="getPaginatedListOfServiceAtLocation", tags=["hsds"], parameters=[p for p in SERVICE_FILTERS if p.name != "full"], responses={200: OpenApiTypes.OBJECT}))
class ServiceAtLocationListView(HsdsView):
    def get(self, request):
        contacts = services_filtered(request).filter(Q(lat__isnull=False) | (~Q(street="") & ~Q(town="") & ~Q(postcode="")))
        page = _page(request, contacts, count=contacts.count())
        page["contents"] = [hsds.service_at_location_summary(contact) for contact in page["contents"]]
        return Response(page)


@extend_schema_view(get=extend_schema(
    operation_id="getDataPackage", tags=["hsds"],
    description=("The whole published directory as an HSDS 3.0 tabular data package: a zip with datapackage.json "
                 "(the specification's resources, fields, types and keys; licence and sources) and one CSV per table."),
    responses={(200, "application/zip"): OpenApiTypes.BINARY},
))
class DataPackageView(HsdsView):
    def get(self, request):
        response = HttpResponse(package_published(), content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="lotse-hsds-datapackage.zip"'
        return response
