"""Synthetic contacts for load tests and benchmarks: clearly labelled, never the demo.

Every generated contact is named "… (synthetisch)", comes from the source `synthetic`
and has a `synthetic-<n>` source id, so nobody can take it for a real phone number. The
rows are in the canonical import format (importers/columns.py) and go through the real
importer; the geography comes from the reference files (real postcodes, districts and
their states), so coverage, distance and filters behave as with real data.
"""

from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REFERENCE = Path(__file__).resolve().parent.parent / "fixtures" / "reference"
SOURCE = "synthetic"
HEADER = [
    "source_id", "name", "organisation", "kinds", "incident_types", "target_groups", "channels",
    "description_de", "description_en", "scope", "states", "districts", "street", "postcode", "town",
    "phone", "email", "website", "opening_hours", "open_24_7", "languages", "barrier_free", "anonymous",
    "free_of_charge", "active",
]
NAMES = ["Opferberatung", "Beratungsstelle", "Polizeiinspektion", "Mobile Beratung", "Rechtsberatung",
         "Meldestelle", "Präventionsstelle", "Krisendienst", "Betroffenenberatung", "Kommunalbüro"]
ORGANISATIONS = ["Weißer Ring (synthetisch)", "Landesnetzwerk (synthetisch)", "Kreisverband (synthetisch)", ""]
STREETS = ["Hauptstraße", "Bahnhofstraße", "Marktplatz", "Schulstraße", "Gartenweg", "Lindenallee"]


@dataclass(frozen=True)
class Geography:
    postcodes: list[tuple[str, str, str, float, float]]  # code, district AGS, town, lat, lng
    state_by_district: dict[str, str]  # AGS → short state code
    states: list[str]


@lru_cache(maxsize=1)
def geography() -> Geography:
    with open(REFERENCE / "states.csv", encoding="utf-8") as f:
        state_code = {row["ags"]: row["code"] for row in csv.DictReader(f)}
    with open(REFERENCE / "districts.csv", encoding="utf-8") as f:
        state_by_district = {row["ags"]: state_code[row["state_ags"]] for row in csv.DictReader(f)}
    towns: dict[str, str] = {}
    with open(REFERENCE / "places.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            towns.setdefault(row["postcode"], row["name"])
    with open(REFERENCE / "postcodes.csv", encoding="utf-8") as f:
        postcodes = [
            (row["code"], row["primary_ags"], towns.get(row["code"], ""), float(row["lat"]), float(row["lng"]))
            for row in csv.DictReader(f)
            if row["primary_ags"] in state_by_district and row["code"] in towns
        ]
    return Geography(postcodes, state_by_district, sorted(set(state_code.values())))


@lru_cache(maxsize=1)
def taxonomies() -> dict[str, list[str]]:
    data = json.loads((REFERENCE / "taxonomies.json").read_text(encoding="utf-8"))
    return {name: [item["slug"] for item in items] for name, items in data.items()}


def synthetic_rows(count: int, *, seed: int = 8, start: int = 1, variant: str = "") -> list[dict[str, str]]:
    """`count` canonical rows; the same seed gives the same rows. `variant` changes the
    descriptions (a second version of the same contacts, for update imports)."""
    rng = random.Random(seed)
    geo, tax = geography(), taxonomies()
    rows = []
    for n in range(start, start + count):
        code, ags, town, _, _ = rng.choice(geo.postcodes)
        state = geo.state_by_district[ags]
        roll = rng.random()
        # Mostly local offices, some state-wide, a few nationwide: like the real directory.
        scope = "district" if roll < 0.80 else ("local" if roll < 0.90 else ("state" if roll < 0.98 else "national"))
        name = f"{rng.choice(NAMES)} {town or code} {n:07d} (synthetisch)"
        rows.append({
            "source_id": f"synthetic-{n}",
            "name": name,
            "organisation": rng.choice(ORGANISATIONS),
            "kinds": "; ".join(rng.sample(tax["contact_kinds"], rng.randint(1, 2))),
            "incident_types": "; ".join(rng.sample(tax["incident_types"], rng.randint(1, 4))),
            "target_groups": "; ".join(rng.sample(tax["target_groups"], rng.randint(1, 2))),
            "channels": "; ".join(rng.sample(tax["channels"], rng.randint(1, 3))),
            "description_de": f"Synthetischer Testkontakt {n}{variant}: Beratung nach Bedrohung und Hass im Netz.",
            "description_en": f"Synthetic test contact {n}{variant}: counselling after threats and online hate.",
            "scope": scope,
            "states": state if scope == "state" else "",
            "districts": ags if scope in ("district", "local") else "",
            "street": f"{rng.choice(STREETS)} {rng.randint(1, 120)}" if scope in ("district", "local") else "",
            "postcode": code if scope != "national" else "",
            "town": town if scope != "national" else "",
            # 0301 000… is not a real Berlin line: the 000 block keeps it obviously synthetic.
            "phone": f"030 1000{n % 100000:05d}",
            "email": f"kontakt{n}@synthetisch.example",
            "website": f"https://synthetisch.example/{n}",
            "opening_hours": rng.choice(["Mo-Fr 09:00-17:00", "Mo-Th 08:00-16:00; Fr 08:00-12:00", "24/7", ""]),
            "open_24_7": "ja" if rng.random() < 0.1 else "nein",
            "languages": rng.choice(["de", "de; en", "de; en; tr"]),
            "barrier_free": rng.choice(["ja", "nein", ""]),
            "anonymous": rng.choice(["ja", "nein", ""]),
            "free_of_charge": rng.choice(["ja", "nein", ""]),
            "active": "ja",
        })
    return rows


def synthetic_csv(count: int, **kwargs) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(synthetic_rows(count, **kwargs))
    return out.getvalue().encode()
