"""Contacts → the canonical format (CSV, XLSX or JSON), which re-imports to zero changes.

Cells that begin with =, +, -, @, tab or carriage return are prefixed with an apostrophe so
that a spreadsheet shows them as text instead of running them as formulas (OWASP "CSV
injection"; the one guard: directory/formulas.py); the importer strips that one apostrophe again.
Every export states the data's licence and attribution (issue 20, directory/attribution.py):
CSV in a first comment line "# …" (the importer skips leading comment lines), XLSX on a
second sheet, JSON as {"licence", "attribution", "sources", "contacts": […]}, the HSDS data
package in its datapackage.json (importers/datapackage.py: the published contacts only).
"""

from __future__ import annotations

import csv
import io
import json

from django.utils.translation import gettext as _

from directory.formulas import neutralise
from directory.attribution import statement
from directory.models import District, Scope, Source
from importers.columns import CANONICAL
from importers.datapackage import package_build
from importers.sync import source_snapshot

FORMATS = ("csv", "xlsx", "json", "hsds-datapackage")
BINARY = ("xlsx", "hsds-datapackage")
LISTS = {"kinds", "incident_types", "target_groups", "channels", "states", "districts", "languages"}
BOOLEANS = {"open_24_7", "barrier_free", "anonymous", "free_of_charge", "active"}
ALL_INCIDENTS = "alle"  # what the importer reads as "helps with every incident"


def _cell(column: str, value) -> str:
    if value is None:
        return ""
    if column in BOOLEANS:
        return "ja" if value else "nein"
    if column in LISTS:
        return "; ".join(value)
    if column == "phone":
        return "; ".join(value)
    return str(value)


def export_rows(*, source_slug: str | None = None) -> list[dict[str, str]]:
    sources = Source.objects.filter(slug=source_slug) if source_slug else Source.objects.all()
    # A district row names its districts' states too: not coverage, but the hint that tells
    # the importer which "Münster" its town is (fixtures/import/README.md "Coverage").
    state_of = dict(District.objects.values_list("ags", "state__code"))
    rows = []
    for source in sources.order_by("slug"):
        for snapshot in sorted(source_snapshot(source).values(), key=lambda s: (s["name"], s["external_id"])):
            snapshot = dict(snapshot, source_id=snapshot["external_id"], phone=snapshot["phones"])
            if snapshot["scope"] in (Scope.DISTRICT, Scope.LOCAL):
                snapshot["states"] = sorted({state_of[ags] for ags in snapshot["districts"]})
            if snapshot["all_incidents"]:
                snapshot["incident_types"] = [ALL_INCIDENTS]
            rows.append({column: neutralise(_cell(column, snapshot.get(column))) for column in CANONICAL})
    return rows


def contacts_export(*, fmt: str = "csv", source_slug: str | None = None) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(_('"%(format)s" ist kein Exportformat; möglich sind %(formats)s') % {"format": fmt, "formats": ", ".join(FORMATS)})
    if source_slug and not Source.objects.filter(slug=source_slug).exists():
        raise ValueError(_('es gibt keine Quelle "%(source)s"') % {"source": source_slug})
    if fmt == "hsds-datapackage":
        return package_build(source_slug=source_slug)
    rows = export_rows(source_slug=source_slug)
    about = statement(source_slug=source_slug, active_only=False)  # the export holds inactive contacts too
    if fmt == "json":
        document = {"licence": about["licence"], "attribution": about["attribution"], "sources": about["sources"], "contacts": rows}
        return json.dumps(document, ensure_ascii=False, indent=1).encode()
    if fmt == "csv":
        out = io.StringIO()
        out.write(f"# {about['attribution']}\r\n")
        writer = csv.DictWriter(out, fieldnames=CANONICAL, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
        # A BOM tells Excel the file is UTF-8 (without it, Excel assumes Windows-1252).
        return ("\ufeff" + out.getvalue()).encode()
    return _xlsx(rows, about)


def _xlsx(rows: list[dict[str, str]], about: dict) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("contacts")  # first: the importer reads the first sheet
    sheet.append(CANONICAL)
    for row in rows:
        # Every value is text: openpyxl would otherwise store "=…" as a formula.
        sheet.append([row[c] for c in CANONICAL])
    notice = workbook.create_sheet(_("Lizenz"))
    notice.append([_("Lizenz"), about["licence"]["name"], about["licence"]["path"]])
    notice.append([_("Namensnennung"), neutralise(about["attribution"])])
    for source in about["sources"]:
        notice.append([_("Quelle"), neutralise(source["title"]), neutralise(source["path"])])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
