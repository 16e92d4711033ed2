"""GET /api/v1/search/: the one query model as JSON (shape: search/engine.py docstring)."""

import gzip

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.middleware.gzip import re_accepts_gzip
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from api.errors import error_body, throttled_message
from api.throttles import refusal
from guidance.api import search_steps
from search.engine import search
from search.query import QueryError, parse_query

# A full result is ~70 KB of JSON. GZipMiddleware's level 6 took 1–1.7 ms of a cached
# search's ~3 ms; level 1 takes 0.4 ms for ~25 % more bytes (10.6 KB instead of 8.5 KB).
# The body holds no secret (no session, no CSRF token), so BREACH has nothing to find.
GZIP_LEVEL = 1
GZIP_MIN_BYTES = 1024


def _json(request, payload: dict, status: int = 200) -> HttpResponse:
    body = orjson.dumps(payload, default=DjangoJSONEncoder().default)
    response = HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    if len(body) >= GZIP_MIN_BYTES:
        patch_vary_headers(response, ("Accept-Encoding",))
        if re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            # GZipMiddleware leaves a response with a Content-Encoding alone.
            response.content = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
            response["Content-Encoding"] = "gzip"
            response["Content-Length"] = str(len(response.content))
    return response


@require_safe
def search_api(request):
    # A public API read like the others (api/views.py ReadView): the same per-client limit.
    wait = refusal(request)
    if wait is not None:
        response = _json(request, error_body("throttled", throttled_message(wait)), status=429)
        response["Retry-After"] = str(wait)
        return response
    try:
        query = parse_query(request.GET)
    except QueryError as exc:
        return _json(request, {"error": {"code": "invalid_parameter", "field": exc.field, "message": exc.message_en}}, status=400)
    result = search(query)
    return _json(request, {**result.to_dict(), "steps": search_steps(query, result)})  # first steps (issue 16)
