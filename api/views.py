"""The v1 read endpoints: contacts, their filters' vocabularies, geography."""

import csv
import io

from django.conf import settings
from django.http import StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.renderers import JSONRenderer

from api.errors import ApiError
from api.pagination import ApiPagination
from api.renderers import CSV_COLUMNS, ContactCSVRenderer, contact_row
from api.serializers import ContactSerializer, DistrictSerializer, StateSerializer, TermSerializer
from api.throttles import ReadThrottle
from directory import attribution, selectors
from directory.models import Contact
from search.filters import ContactFilterSet

class ReadView:
    """Public, CORS-enabled (settings.CORS_URLS_REGEX), throttled per client; every answer
    names the data's licence and where its attribution is (issue 20)."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = [ReadThrottle]

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors (and OPTIONS metadata) are always JSON, also when CSV was asked for.
        if response.status_code >= 400 or request.method == "OPTIONS":
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Link"] = licence_link(request)
        return response


def licence_link(request) -> str:
    """RFC 8288 links: the licence (rel "license", RFC 4946) and the attribution statement."""
    statement = request.build_absolute_uri(reverse("api:attribution"))
    return f'<{settings.DATA_LICENCE_URL}>; rel="license"; title="{settings.DATA_LICENCE}", <{statement}>; rel="describedby"'


class SourceSerializer(serializers.Serializer):
    title = serializers.CharField()
    path = serializers.CharField(help_text="the source's web page; empty if none")
    slug = serializers.CharField()
    contacts = serializers.IntegerField(help_text="active contacts from this source")


class LicenceSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="e.g. CC-BY-4.0 (settings DATA_LICENCE)")
    path = serializers.CharField(help_text="the licence text (DATA_LICENCE_URL)")


class ReferenceDataSerializer(serializers.Serializer):
    title = serializers.CharField()
    path = serializers.CharField()
    licence = serializers.CharField()
    licence_url = serializers.CharField()


class AttributionSerializer(serializers.Serializer):
    licence = LicenceSerializer()
    publisher = serializers.CharField()
    attribution = serializers.CharField(help_text="one line to show beside the data")
    sources = SourceSerializer(many=True)
    reference_data = ReferenceDataSerializer(many=True)


@extend_schema(tags=["reference"], responses={200: AttributionSerializer})
class AttributionView(ReadView, generics.GenericAPIView):
    """The data's licence and the attribution every reuse must show: the publisher, the
    sources of the published contacts and the reference geography."""

    serializer_class = AttributionSerializer
    pagination_class = None

    def get(self, request):
        return Response(attribution.statement())


@extend_schema(tags=["contacts"])
class ContactListView(ReadView, generics.ListAPIView):
    """Active contacts with the coverage rule of DESIGN.md; CSV with ?format=csv (all rows)."""

    serializer_class = ContactSerializer
    pagination_class = ApiPagination
    renderer_classes = [JSONRenderer, ContactCSVRenderer]
    filter_backends = [DjangoFilterBackend]
    filterset_class = ContactFilterSet

    def get_queryset(self):
        return Contact.objects.filter(active=True)

    def list(self, request, *args, **kwargs):
        # Counted and paged on the keys alone; only the page's contacts are read in full.
        contacts = self.filter_queryset(self.get_queryset())
        keys = contacts.values("pk", "distance_km") if "distance_km" in contacts.query.annotations else contacts.values("pk")
        if request.accepted_renderer.format == "csv":
            return self._csv(keys)
        return self.get_paginated_response(_contacts_data(self.paginate_queryset(keys)))

    def _csv(self, keys):
        def rows():
            yield CSV_COLUMNS
            for start in range(0, keys.count(), 500):
                for item in _contacts_data(list(keys[start : start + 500])):
                    yield contact_row(item)

        response = StreamingHttpResponse((_csv_line(row) for row in rows()), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="lotse-contacts.csv"'
        return response


def _contacts_data(keys: list[dict]) -> list[dict]:
    """The serialized contacts of these keys ({"pk", "distance_km"?}), in their order."""
    read = selectors.contacts_read(Contact.objects.filter(pk__in=[key["pk"] for key in keys]))
    return ContactSerializer([{**read[key["pk"]], "distance_km": key.get("distance_km")} for key in keys], many=True).data


def _csv_line(row: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(row)
    return buffer.getvalue()


@extend_schema(
    tags=["contacts"],
    parameters=[OpenApiParameter("key", str, OpenApiParameter.PATH, description="The contact's UUID, id or slug")],
)
class ContactDetailView(ReadView, generics.RetrieveAPIView):
    serializer_class = ContactSerializer

    def get_object(self):
        lookup = selectors.contact_key_filter(self.kwargs["key"])
        contact = selectors.contacts_read(Contact.objects.filter(active=True, **lookup)) if lookup else {}
        if not contact:
            raise ApiError(404, "not_found", f'No active contact "{self.kwargs["key"][:60]}".')
        return next(iter(contact.values()))


@extend_schema(tags=["reference"])
class StateListView(ReadView, generics.ListAPIView):
    serializer_class = StateSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.states_list()


@extend_schema(tags=["reference"], parameters=[OpenApiParameter("state", str, description="Short state code, e.g. BY")])
class DistrictListView(ReadView, generics.ListAPIView):
    serializer_class = DistrictSerializer
    pagination_class = None

    def get_queryset(self):
        state = self.request.query_params.get("state", "").strip()
        if state and not selectors.states_list().filter(code__iexact=state).exists():
            raise ApiError(400, "invalid_parameter", f'state: "{state[:60]}" is not a state code such as BY', "state")
        return selectors.districts_list(state=state)


class TermListView(ReadView, generics.ListAPIView):
    serializer_class = TermSerializer
    pagination_class = None
    taxonomy = ""

    def get_queryset(self):
        return selectors.terms_list(taxonomy=self.taxonomy)


def term_list_view(taxonomy: str):
    name = taxonomy.replace("-", "_")
    view = extend_schema_view(get=extend_schema(tags=["reference"], operation_id=f"{name}_list"))(
        type(f"TermListView_{name}", (TermListView,), {"taxonomy": taxonomy})
    )
    return view.as_view()
