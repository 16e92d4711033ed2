"""Renderers: JSON through orjson for the search, CSV of the contact list (?format=csv or
Accept: text/csv)."""

import csv
import io

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from rest_framework.renderers import BaseRenderer, JSONRenderer

from directory.formulas import neutralise

CSV_COLUMNS = [
    "uuid", "name", "organisation", "kinds", "incident_types", "all_incidents", "target_groups", "channels", "scope", "states",
    "districts", "street", "postcode", "town", "lat", "lng", "phones", "email", "website", "online_report_url",
    "opening_hours", "open_24_7", "languages", "barrier_free", "anonymous", "free_of_charge", "source",
    "source_id", "source_url", "source_date", "last_verified", "updated_at",
]


def _cell(value) -> str:
    """A cell's text; one that a spreadsheet would run as a formula starts with ' (the one
    guard against CSV injection, directory/formulas.py)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return neutralise(str(value))


def contact_row(item: dict) -> list[str]:
    organisation = item.get("organisation") or {}
    point = item.get("point") or {}
    provenance = item.get("provenance") or {}
    values = {
        **item,
        "organisation": organisation.get("name", ""),
        "lat": point.get("lat"),
        "lng": point.get("lng"),
        "phones": "; ".join(p["number"] for p in item.get("phones", [])),
        "source": provenance.get("source"),
        "source_id": provenance.get("source_id"),
        "source_url": provenance.get("source_url"),
        "source_date": provenance.get("source_date"),
        "last_verified": provenance.get("last_verified"),
        "updated_at": provenance.get("updated_at"),
    }
    row = []
    for column in CSV_COLUMNS:
        value = values.get(column)
        if isinstance(value, list):
            value = "; ".join(str(v) for v in value)
        row.append(_cell(value))
    return row


class ContactCSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        rows = data["results"] if isinstance(data, dict) else data
        writer.writerow(CSV_COLUMNS)
        for item in rows:
            writer.writerow(contact_row(item))
        return buffer.getvalue().encode()


class FastJSONRenderer(JSONRenderer):
    """JSON by orjson: a search result is ~70 KB, which json.dumps took ~1 ms longer for."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        return orjson.dumps(data, default=DjangoJSONEncoder().default)
