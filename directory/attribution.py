"""The published data's licence and attribution (issue 20): one statement, given by every
export (canonical CSV/XLSX/JSON, the HSDS data package) and by the API (a Link header on
every read, and GET /api/v1/attribution/).

The licence is the operator's choice (DATA_LICENCE, DATA_LICENCE_URL, DATA_PUBLISHER in
settings). Attribution names the sources the contacts come from (directory.models.Source)
and the reference geography, whose CC BY 4.0 licences require it (fixtures/reference/SOURCES.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from directory.models import Source

CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"
# The reference geography in every export (district names and keys, places, points).
REFERENCE_DATA = [
    {"title": "© GeoNames (geonames.org): postcodes and places", "path": "https://www.geonames.org/",
     "licence": "CC-BY-4.0", "licence_url": CC_BY_4},
    {"title": "© Statistisches Bundesamt (Destatis): Gemeindeverzeichnis 04-kreise", "path": "https://www.destatis.de/",
     "licence": "CC-BY-4.0", "licence_url": CC_BY_4},
]


def licence() -> dict:
    return {"name": settings.DATA_LICENCE, "path": settings.DATA_LICENCE_URL}


def sources(*, source_slug: str | None = None, active_only: bool = True) -> list[dict]:
    """The sources of the exported contacts: those with at least one (active) contact."""
    counted = Source.objects.annotate(
        n_contacts=Count("contacts", filter=Q(contacts__active=True) if active_only else Q())
    ).filter(n_contacts__gt=0)
    if source_slug:
        counted = counted.filter(slug=source_slug)
    return [{"title": source.name, "path": source.url, "slug": source.slug, "contacts": source.n_contacts}
            for source in counted.order_by("name", "slug")]


def attribution_text(found: list[dict]) -> str:
    """One line to show beside the data, in the active language."""
    names = ", ".join(source["title"] for source in found) or "-"
    return _("Daten: %(publisher)s, Lizenz %(licence)s (%(url)s). Quellen: %(sources)s. Geodaten: %(geodata)s.") % {
        "publisher": settings.DATA_PUBLISHER, "licence": settings.DATA_LICENCE, "url": settings.DATA_LICENCE_URL,
        "sources": names, "geodata": "; ".join(f'{item["title"]}, {item["licence"]}' for item in REFERENCE_DATA),
    }


def statement(*, source_slug: str | None = None, active_only: bool = True) -> dict:
    """Licence and attribution of an export (or of the whole published directory)."""
    found = sources(source_slug=source_slug, active_only=active_only)
    return {
        "licence": licence(),
        "publisher": settings.DATA_PUBLISHER,
        "attribution": attribution_text(found),
        "sources": found,
        "reference_data": REFERENCE_DATA,
    }
