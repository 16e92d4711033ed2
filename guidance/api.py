"""GET /api/v1/guidance/: the first steps for some incidents and a place (issue 16), and the
steps the search API returns with its results.

Parameters are the query model's (search.query): incident (repeatable or comma-separated),
state, near, district; a bad value is the usual 400 naming the parameter. The steps are
the ones the pages show: general steps and the state's variants (a variant that replaces
a general step takes its place), most urgent first.
"""

from __future__ import annotations

import copy

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import ApiError
from api.views import ReadView
from guidance.blocks import RESULTS_STEPS, page_hits
from guidance.selectors import GuideStep, step_helpers, steps_for
from search.query import SearchQuery, parse_query

MAX_LIMIT = 100


class StepContactSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    slug = serializers.CharField()
    name = serializers.CharField()


class StepSerializer(serializers.Serializer):
    slug = serializers.CharField(help_text="stable id of the step")
    order = serializers.IntegerField(help_text="urgency: smaller is more urgent (10: acute danger)")
    incidents = serializers.ListField(child=serializers.CharField(), help_text='incident type slugs, or ["all"]')
    states = serializers.ListField(child=serializers.CharField(), help_text="[] for a general step; state codes for a state variant")
    replaces = serializers.CharField(allow_null=True, help_text="for a state variant: the general step it takes the place of")
    title_de = serializers.CharField()
    title_en = serializers.CharField(help_text="empty when there is no English text yet")
    summary_de = serializers.CharField(help_text="two or three sentences")
    summary_en = serializers.CharField()
    body_de = serializers.CharField(help_text="longer text, paragraphs separated by a blank line; may be empty")
    body_en = serializers.CharField()
    kinds = serializers.ListField(child=serializers.CharField(), help_text="contact kinds that help with the step")
    contacts = StepContactSerializer(many=True, help_text="specific contacts that help with the step")
    services = serializers.ListField(child=serializers.CharField(), help_text="names of the services the text means")
    sources = serializers.ListField(child=serializers.URLField(), help_text="pages that state the step's facts (at least one)")
    law = serializers.ListField(child=serializers.CharField(), help_text="provisions the step cites, e.g. § 77b StGB")
    last_reviewed = serializers.DateField()


class SearchStepSerializer(StepSerializer):
    helpers = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="ids of the contacts in this result that help with the step (the hits' id), best first",
    )


class GuidanceSerializer(serializers.Serializer):
    incidents = serializers.ListField(child=serializers.CharField(), help_text="the incidents asked for ([]: the general set)")
    states = serializers.ListField(child=serializers.CharField(), help_text="the states of the place (or state=)")
    steps = StepSerializer(many=True)


def step_data(step: GuideStep) -> dict:
    """A step as the API gives it (plain JSON types)."""
    return {
        "slug": step.slug,
        "order": step.order,
        "incidents": ["all"] if step.all_incidents else list(step.incidents),
        "states": list(step.states),
        "replaces": step.replaces,
        "title_de": step.title_de,
        "title_en": step.title_en,
        "summary_de": step.summary_de,
        "summary_en": step.summary_en,
        "body_de": step.body_de,
        "body_en": step.body_en,
        "kinds": list(step.kinds),
        "contacts": [{"uuid": ref.uuid, "slug": ref.slug, "name": ref.name} for ref in step.contacts],
        "services": list(step.services),
        "sources": list(step.sources),
        "law": list(step.law),
        "last_reviewed": step.last_reviewed.isoformat(),
    }


def search_steps(query: SearchQuery, result) -> list[dict]:
    """The steps of a search (as its results page shows them), each with its helpers: the
    ids of the hits in this result that help with it."""
    hits = page_hits(result)
    return [
        {**step_data(step), "helpers": [hit["id"] for hit in step_helpers(step, hits)]}
        for step in steps_for(incidents=query.incidents, states=query.states, limit=RESULTS_STEPS)
    ]


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


SEARCH_PATH = "/api/v1/search/"
_SEARCH_RESULT = {
    "type": "object",
    "description": "Contacts grouped as the pages show them (near, regional, state, national), with facet counts "
    "and the first steps; `degraded` when the database answered because Meilisearch could not.",
    "required": ["query", "place", "degraded", "engine", "page", "per_page", "total", "total_pages", "groups", "facets"],
    "properties": {
        "query": {"type": "object", "additionalProperties": {}, "description": "the query's canonical parameters"},
        "place": {"type": "object", "nullable": True, "additionalProperties": {},
                  "description": "the place searched (label, point, districts, states); null without one"},
        "degraded": {"type": "boolean"},
        "engine": {"type": "string", "enum": ["meilisearch", "database"]},
        "page": {"type": "integer"},
        "per_page": {"type": "integer"},
        "total": {"type": "integer"},
        "total_pages": {"type": "integer"},
        "groups": {"type": "array", "items": {"type": "object", "additionalProperties": {}},
                   "description": "each with key (near, regional, state, national), total and hits"},
        "facets": {"type": "object", "additionalProperties": {}},
    },
}


def document_search_steps(result, generator, request, public):
    """drf-spectacular hook: the `steps` of GET /api/v1/search/ in the schema (issue 16),
    each a Step (the guidance endpoint's component) with the ids of the hits that help.

    Until the search API is a DRF view (issue 18) it is not in the generated schema; then
    this documents it too, with the query model's parameters as the contact list takes
    them. Once it is, only `steps` is added to its answer."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["SearchStep"] = {
        "allOf": [
            {"$ref": "#/components/schemas/Step"},
            {
                "type": "object",
                "required": ["helpers"],
                "properties": {"helpers": {
                    "type": "array", "items": {"type": "integer"},
                    "description": "ids of the contacts in this result that help with the step (the hits' id), best first",
                }},
            },
        ]
    }
    paths = result.setdefault("paths", {})
    operation = paths.get(SEARCH_PATH, {}).get("get")
    if operation is None:
        contacts = paths.get("/api/v1/contacts/", {}).get("get", {})
        operation = {
            "operationId": "v1_search_retrieve",
            "description": "The one query model, answered grouped; the parameters are those of /api/v1/contacts/.",
            "parameters": [p for p in contacts.get("parameters", []) if p.get("name") != "format"],
            "tags": ["search"],
            "responses": {"200": {"description": "", "content": {"application/json": {"schema": copy.deepcopy(_SEARCH_RESULT)}}}},
        }
        paths[SEARCH_PATH] = {"get": operation}
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
    schema.setdefault("properties", {})["steps"] = {
        "type": "array",
        "items": {"$ref": "#/components/schemas/SearchStep"},
        "description": "the first steps its results page shows: at most five, the most urgent first (issue 16)",
    }
    schema["required"] = [*schema.get("required", []), "steps"]
    return result
