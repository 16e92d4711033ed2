"""GET /api/v1/guidance/: the first steps for some incidents and a place (issue 16).

Parameters are the query model's (search.query): incident (repeatable or comma-separated),
state, near, district; a bad value is the usual 400 naming the parameter; `limit` cuts to
the most urgent. The steps are the ones the pages show: general steps and the state's
variants (a variant that replaces a general step takes its place), most urgent first.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import ApiError
from api.views import ReadView
from guidance.blocks import RESULTS_STEPS
from guidance.selectors import steps_for
from guidance.serializers import GuidanceSerializer, step_data
from search.query import parse_query

MAX_LIMIT = 100


def _limit(params) -> int | None:
    raw = params.get("limit", "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(400, "invalid_parameter", f'"{raw[:20]}" is not a whole number from 1 to {MAX_LIMIT}', "limit")
    return int(raw)


@extend_schema(
    tags=["guidance"],
    parameters=[
        OpenApiParameter("incident", str, many=True, description="Incident type slugs, e.g. threat (repeatable or comma-separated); none: the steps for every incident"),
        OpenApiParameter("state", str, description="Short state code, e.g. BY: the state's variants"),
        OpenApiParameter("near", str, description="Postcode (99084), town (Erfurt) or point: the state of that place"),
        OpenApiParameter("district", str, description="District AGS, e.g. 16051: the state of that district"),
        OpenApiParameter("limit", int, description=f"At most this many steps, the most urgent (1-{MAX_LIMIT}; the results page shows {RESULTS_STEPS})"),
    ],
    responses=GuidanceSerializer,
)
class GuidanceView(ReadView, APIView):
    """First steps for these incidents in this place's state, the most urgent first."""

    def get(self, request):
        query = parse_query(request.query_params)  # a QueryError is the 400 error body
        limit = _limit(request.query_params)
        steps = steps_for(incidents=query.incidents, states=query.states, limit=limit)
        return Response(
            {"incidents": list(query.incidents), "states": list(query.states), "steps": [step_data(step) for step in steps]}
        )
