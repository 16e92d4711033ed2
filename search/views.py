"""GET /api/v1/search/: the one query model as JSON (shape: search/engine.py docstring)."""

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.views.decorators.http import require_safe

from search.engine import search
from search.query import QueryError, parse_query


def _json(payload: dict, status: int = 200) -> HttpResponse:
    body = orjson.dumps(payload, default=DjangoJSONEncoder().default)
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


@require_safe
def search_api(request):
    try:
        query = parse_query(request.GET)
    except QueryError as exc:
        return _json({"error": {"code": "invalid_parameter", "field": exc.field, "message": exc.message}}, status=400)
    return _json(search(query).to_dict())
