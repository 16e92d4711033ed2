"""GET /api/v1/search/: the one query model, answered grouped (the shape: search/engine.py).

A DRF view like the other public reads: DRF's throttling (the same per-client limit) and
the one error body (api/errors.py: a QueryError is a 400 naming the parameter).
"""

import gzip

from django.middleware.gzip import re_accepts_gzip
from django.utils.cache import patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response

from api.renderers import FastJSONRenderer
from api.views import ReadView
from directory.models import Contact
from guidance.serializers import search_steps
from search.engine import search
from search.filters import SearchFilterSet

# A full result is ~70 KB of JSON. GZipMiddleware's level 6 took 1–1.7 ms of a cached
# search's ~3 ms; level 1 takes 0.4 ms for ~25 % more bytes (10.6 KB instead of 8.5 KB).
# The body holds no secret (no session, no CSRF token), so BREACH has nothing to find.
GZIP_LEVEL = 1
GZIP_MIN_BYTES = 1024


class JSONOnly(BaseContentNegotiation):
    """The search answers JSON whatever the client accepts (DRF's documented
    IgnoreClientContentNegotiation): parsing Accept headers cost ~0.1 ms a search."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


@extend_schema(tags=["search"], responses={200: OpenApiTypes.OBJECT}, filters=True)
class SearchView(ReadView, GenericAPIView):
    """Contacts grouped as the pages show them (near, regional, state, national), with
    facet counts; `degraded` when the database answered because Meilisearch could not."""

    renderer_classes = [FastJSONRenderer]
    content_negotiation_class = JSONOnly
    filter_backends = [DjangoFilterBackend]  # documents the FilterSet's parameters
    filterset_class = SearchFilterSet
    pagination_class = None
    queryset = Contact.objects.none()  # the model of the FilterSet's documented parameters

    def get(self, request):
        query = SearchFilterSet(request.query_params).query
        result = search(query)
        # The first steps its results page shows (issue 16; documented by guidance.serializers).
        return Response({**result.to_dict(), "steps": search_steps(query, result)})

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response.render()
        body = response.content
        if len(body) >= GZIP_MIN_BYTES:
            patch_vary_headers(response, ("Accept-Encoding",))
            if re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
                # GZipMiddleware leaves a response with a Content-Encoding alone.
                response.content = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
                response["Content-Encoding"] = "gzip"
                response["Content-Length"] = str(len(response.content))
        return response
