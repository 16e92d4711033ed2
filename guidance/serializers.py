"""Steps as the API gives them (issue 16): the serializers that document them, the plain
JSON of a step, the steps of a search with the hits that help, and the schema hook that
documents them in the search API's answer. The views are api/guidance.py (GET
/api/v1/guidance/) and api/search.py (GET /api/v1/search/)."""

from __future__ import annotations

from rest_framework import serializers

from guidance.blocks import RESULTS_STEPS, page_hits
from guidance.selectors import GuideStep, step_helpers, steps_for
from search.query import SearchQuery


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


SEARCH_PATH = "/api/v1/search/"


def document_search_steps(result, generator, request, public):
    """drf-spectacular hook: the `steps` of GET /api/v1/search/ in the schema (issue 16),
    each a Step (the guidance endpoint's component) with the ids of the hits that help.
    The search view documents its answer as an object (its shape is the search library's,
    search/engine.py); this adds the part that comes from guidance."""
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
    operation = result.get("paths", {}).get(SEARCH_PATH, {}).get("get")
    if operation is None:
        return result
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
