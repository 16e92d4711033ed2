"""Load the reference data in fixtures/reference/ (geography and taxonomies) idempotently.

The files are built by scripts/build_reference.py and committed; see
fixtures/reference/SOURCES.md for sources and licences.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from directory.models import (
    Channel,
    ContactKind,
    District,
    IncidentType,
    Place,
    PostalCode,
    ReferenceVersion,
    State,
    TargetGroup,
)
from directory.text import normalise_name

REFERENCE_DIR = settings.BASE_DIR / "fixtures" / "reference"
GEOGRAPHY_FILES = ("states.csv", "districts.csv", "postcodes.csv", "places.csv")
TAXONOMIES = {
    "incident_types": IncidentType,
    "contact_kinds": ContactKind,
    "target_groups": TargetGroup,
    "channels": Channel,
}


@dataclass
class LoadReport:
    loaded: dict[str, int] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [f"{name}: {count} loaded" for name, count in self.loaded.items()]
        lines += [f"{name}: unchanged" for name in self.unchanged]
        return lines


def _sha256(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def reference_load(*, directory: Path = REFERENCE_DIR, force: bool = False) -> LoadReport:
    report = LoadReport()
    geography = [directory / name for name in GEOGRAPHY_FILES]
    taxonomy = [directory / "taxonomies.json"]
    for name, paths, loader in (("geography", geography, _load_geography), ("taxonomies", taxonomy, _load_taxonomies)):
        sha = _sha256(paths)
        if not force and ReferenceVersion.objects.filter(name=name, sha256=sha).exists():
            report.unchanged.append(name)
            continue
        with transaction.atomic():
            report.loaded.update(loader(directory))
            ReferenceVersion.objects.update_or_create(name=name, defaults={"sha256": sha})
    if report.loaded:
        from directory import geo

        geo.forget()
    return report


def _upsert(model, key: str, rows: list[dict]) -> dict:
    """Create missing rows and update changed ones; returns {key: instance}."""
    existing = {getattr(obj, key): obj for obj in model.objects.all()}
    create, update, fields = [], [], set()
    for row in rows:
        obj = existing.get(row[key])
        if obj is None:
            create.append(model(**row))
            continue
        changed = [name for name, value in row.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                setattr(obj, name, row[name])
            fields.update(changed)
            update.append(obj)
    model.objects.bulk_create(create, batch_size=2000)
    if update:
        model.objects.bulk_update(update, sorted(fields), batch_size=2000)
    return {getattr(obj, key): obj for obj in model.objects.all()}


def _load_geography(directory: Path) -> dict[str, int]:
    states = _upsert(
        State,
        "ags",
        [{k: r[k] for k in ("ags", "code", "iso", "name", "name_en", "slug")} for r in _rows(directory / "states.csv")],
    )
    district_rows = _rows(directory / "districts.csv")
    districts = _upsert(
        District,
        "ags",
        [
            {
                "ags": r["ags"], "nuts3": r["nuts3"], "name": r["name"], "short_name": r["short_name"],
                "kind": r["kind"], "state": states[r["state_ags"]], "slug": r["slug"],
                "lat": float(r["lat"]), "lng": float(r["lng"]),
            }
            for r in district_rows
        ],
    )
    postcode_rows = _rows(directory / "postcodes.csv")
    postcodes = _upsert(
        PostalCode,
        "code",
        [
            {"code": r["code"], "lat": float(r["lat"]), "lng": float(r["lng"]), "primary_district": districts[r["primary_ags"]]}
            for r in postcode_rows
        ],
    )
    # Membership and places have no identity of their own: replace them wholesale.
    through = PostalCode.districts.through
    through.objects.all().delete()
    through.objects.bulk_create(
        [
            through(postalcode_id=postcodes[r["code"]].pk, district_id=districts[ags].pk)
            for r in postcode_rows
            for ags in r["district_ags"].split(";")
        ],
        batch_size=5000,
    )
    Place.objects.all().delete()
    place_rows = _rows(directory / "places.csv")
    Place.objects.bulk_create(
        [
            Place(
                name=r["name"], name_key=normalise_name(r["name"]), postal_code=postcodes[r["postcode"]],
                district=districts[r["district_ags"]], lat=float(r["lat"]), lng=float(r["lng"]),
            )
            for r in place_rows
        ],
        batch_size=5000,
    )
    return {"states": len(states), "districts": len(districts), "postcodes": len(postcodes), "places": len(place_rows)}


def _load_taxonomies(directory: Path) -> dict[str, int]:
    data = json.loads((directory / "taxonomies.json").read_text(encoding="utf-8"))
    counts = {}
    for name, model in TAXONOMIES.items():
        rows = [
            {
                "slug": item["slug"], "name_de": item["name_de"], "name_en": item["name_en"],
                "description_de": item.get("description_de", ""), "description_en": item.get("description_en", ""),
                "position": position,
            }
            for position, item in enumerate(data[name])
        ]
        counts[name] = len(_upsert(model, "slug", rows))
    return counts
