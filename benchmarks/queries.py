"""Varied search parameters for the benchmarks: the kinds of links partners and officials
use (postcode, district, state, incident, kind, free text, flags), drawn reproducibly."""

from __future__ import annotations

import random

from benchmarks.synthetic import geography, taxonomies

WORDS = ["Opferberatung", "Beratung", "Polizei", "Hass", "Bedrohung", "Meldestelle", "Krisendienst", "Rechtsberatung"]


def search_params(count: int, *, seed: int = 5) -> list[dict[str, str]]:
    rng = random.Random(seed)
    geo, tax = geography(), taxonomies()
    params = []
    for _ in range(count):
        code, ags, _, _, _ = rng.choice(geo.postcodes)
        roll = rng.random()
        if roll < 0.45:
            p = {"near": code}
        elif roll < 0.60:
            p = {"near": code, "radius": str(rng.choice([10, 25, 50]))}
        elif roll < 0.75:
            p = {"district": ags}
        elif roll < 0.90:
            p = {"state": geo.state_by_district[ags]}
        else:
            p = {}
        if rng.random() < 0.6:
            p["incident"] = rng.choice(tax["incident_types"])
        if rng.random() < 0.3:
            p["kind"] = rng.choice(tax["contact_kinds"])
        if rng.random() < 0.25 or not p:
            p["q"] = rng.choice(WORDS)
        if rng.random() < 0.1:
            p["free"] = "1"
        params.append(p)
    return params
