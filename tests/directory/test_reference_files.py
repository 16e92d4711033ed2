"""Checks on the reference geography files built by scripts/build_reference.py.

Plain pytest, no Django: the CSVs under fixtures/reference/ are read with the csv module.
"""

import csv
import math
import re
import statistics
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

REF = Path(__file__).resolve().parents[2] / "fixtures" / "reference"

KIND_COUNTS = {
    "Landkreis": 251,
    "Kreis": 42,
    "kreisfreie Stadt": 97,
    "Stadtkreis": 9,
    "Regionalverband": 1,
}
CITY_KINDS = {"kreisfreie Stadt", "Stadtkreis"}

# Geometric thresholds (km), tuned on the GeoNames data: the largest median is ~31.5 km
# (Mecklenburgische Seenplatte), the farthest primary postcode ~65 km (Borkum, Kreis Leer),
# apart from two offshore islands listed below.
MAX_MEDIAN_KM = 40
MAX_DISTANCE_KM = 90
ISLAND_POSTCODES = {
    "27498": ("01056", 140),  # Helgoland, Kreis Pinneberg, ~130 km from its point
    "27499": ("02000", 115),  # Hamburg-Neuwerk, ~106 km from Hamburg's point
}
# Landkreise whose name is a place in the same state that lies elsewhere.
NAME_EXCEPTIONS = {
    "01061",  # Steinburg: named after a castle (seat Itzehoe); village Steinburg is in Stormarn
    "08426",  # Biberach: the town is "Biberach an der Riß"; a village Biberach is in the Ortenau
}


def read(name):
    with (REF / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=None)
def states():
    return read("states.csv")


@lru_cache(maxsize=None)
def districts():
    return {row["ags"]: row for row in read("districts.csv")}


@lru_cache(maxsize=None)
def postcodes():
    return read("postcodes.csv")


@lru_cache(maxsize=None)
def places():
    return read("places.csv")


def km(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lon2) - float(lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def postcodes_by_primary():
    """Each district's primary postcodes, or those it touches if it is primary for none."""
    primary, touching = defaultdict(list), defaultdict(list)
    for pc in postcodes():
        primary[pc["primary_ags"]].append(pc)
        for ags in pc["district_ags"].split(";"):
            touching[ags].append(pc)
    return {ags: primary.get(ags) or touching[ags] for ags in districts()}


def test_files_are_utf8_lf_with_header():
    for name in ("states.csv", "districts.csv", "postcodes.csv", "places.csv"):
        raw = (REF / name).read_bytes()
        assert b"\r" not in raw, name
        raw.decode("utf-8")
        assert raw.endswith(b"\n")
    assert (REF / "SOURCES.md").is_file()


def test_sixteen_states_with_codes_and_slugs():
    rows = states()
    assert [r["ags"] for r in rows] == [f"{i:02d}" for i in range(1, 17)]
    assert all(r["iso"] == "DE-" + r["code"] for r in rows)
    by_ags = {r["ags"]: r for r in rows}
    assert by_ags["09"] == {
        "ags": "09", "code": "BY", "iso": "DE-BY", "name": "Bayern", "name_en": "Bavaria",
        "slug": "bayern",
    }
    assert by_ags["16"]["slug"] == "thueringen" and by_ags["16"]["name"] == "Thüringen"
    assert by_ags["08"]["slug"] == "baden-wuerttemberg"
    assert by_ags["05"]["slug"] == "nordrhein-westfalen"
    assert len({r["slug"] for r in rows}) == len({r["code"] for r in rows}) == 16


def test_four_hundred_districts_with_distinct_ags_and_nuts():
    d = districts()
    assert len(d) == 400
    assert all(re.fullmatch(r"\d{5}", ags) for ags in d)
    nuts = [r["nuts3"] for r in d.values()]
    assert len(set(nuts)) == 400
    assert all(re.fullmatch(r"DE[0-9A-G][0-9A-Z]{2}", n) for n in nuts)
    assert list(d) == sorted(d)


def test_district_kind_counts():
    assert Counter(r["kind"] for r in districts().values()) == KIND_COUNTS


def test_districts_belong_to_known_states():
    state_ags = {r["ags"] for r in states()}
    for ags, row in districts().items():
        assert row["state_ags"] == ags[:2] and row["state_ags"] in state_ags
    assert {r["state_ags"] for r in districts().values()} == state_ags


def test_known_district_facts():
    d = districts()
    assert "16056" not in d  # Eisenach, merged into Wartburgkreis 2021
    m = d["09162"]
    assert (m["name"], m["short_name"], m["kind"], m["nuts3"], m["slug"]) == (
        "München, Landeshauptstadt", "München", "kreisfreie Stadt", "DE212", "muenchen")
    lm = d["09184"]
    assert (lm["short_name"], lm["kind"], lm["slug"]) == ("München", "Landkreis",
                                                         "landkreis-muenchen")
    e = d["16051"]
    assert (e["name"], e["short_name"], e["nuts3"], e["slug"]) == (
        "Erfurt, Stadt", "Erfurt", "DEG01", "erfurt")
    assert (d["03241"]["name"], d["03241"]["nuts3"]) == ("Region Hannover", "DE929")
    assert d["05334"]["name"] == "Städteregion Aachen"
    assert (d["10041"]["name"], d["10041"]["kind"]) == (
        "Regionalverband Saarbrücken", "Regionalverband")
    assert d["11000"]["short_name"] == "Berlin"
    assert (d["06611"]["slug"], d["06633"]["slug"]) == ("kassel", "landkreis-kassel")
    nuts_2024 = {"16054": "DEG0S", "16063": "DEG0R", "16066": "DEG0Q", "16070": "DEG0T",
                 "16072": "DEG0V", "16073": "DEG0U"}
    assert {ags: d[ags]["nuts3"] for ags in nuts_2024} == nuts_2024


def test_district_slugs_unique_and_transliterated():
    rows = districts().values()
    slugs = [r["slug"] for r in rows]
    assert len(set(slugs)) == 400
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s) for s in slugs)
    assert all(r["short_name"] and "," not in r["short_name"] for r in rows)
    assert districts()["09563"]["slug"] == "fuerth"
    assert districts()["09573"]["slug"] == "landkreis-fuerth"


def test_postcode_districts_are_known_and_primary_among_them():
    d = districts()
    codes = [pc["code"] for pc in postcodes()]
    assert len(codes) == len(set(codes))
    assert codes == sorted(codes)
    assert 8200 <= len(codes) <= 8400
    for pc in postcodes():
        assert re.fullmatch(r"\d{5}", pc["code"])
        touched = pc["district_ags"].split(";")
        assert touched == sorted(set(touched))
        assert all(ags in d for ags in touched), pc
        assert pc["primary_ags"] in touched, pc
    assert "01067" in codes  # leading zero kept
    assert "87491" not in codes  # Jungholz (Austria) dropped


def test_known_postcodes():
    by_code = {pc["code"]: pc for pc in postcodes()}
    assert by_code["99084"]["primary_ags"] == "16051"
    assert by_code["80331"]["primary_ags"] == "09162"
    assert by_code["10115"]["primary_ags"] == "11000"
    assert by_code["10115"]["district_ags"] == "11000"


def test_some_postcodes_span_several_districts():
    spans = Counter(len(pc["district_ags"].split(";")) for pc in postcodes())
    multi = sum(n for k, n in spans.items() if k > 1)
    assert 120 <= multi <= 150
    assert max(spans) <= 3


def test_every_district_has_a_postcode():
    touched = {ags for pc in postcodes() for ags in pc["district_ags"].split(";")}
    assert touched == set(districts())


def test_places_reference_known_districts_and_postcodes():
    d = districts()
    by_code = {pc["code"]: pc for pc in postcodes()}
    rows = places()
    assert len(rows) > 16000
    for p in rows:
        assert p["district_ags"] in d
        assert p["district_ags"] in by_code[p["postcode"]]["district_ags"].split(";")
    keys = [(p["name"], p["postcode"]) for p in rows]
    assert keys == sorted(keys)
    assert {p["postcode"] for p in rows} == set(by_code)
    names = {(p["name"], p["district_ags"]) for p in rows}
    assert ("Erfurt", "16051") in names and ("München", "09162") in names


def test_district_point_is_one_of_its_own_places():
    own = {(p["district_ags"], p["lat"], p["lng"]) for p in places()}
    for ags, row in districts().items():
        assert (ags, row["lat"], row["lng"]) in own, ags


def test_primary_postcodes_lie_near_their_district_point():
    for ags, pcs in postcodes_by_primary().items():
        row = districts()[ags]
        dist = {pc["code"]: km(row["lat"], row["lng"], pc["lat"], pc["lng"]) for pc in pcs}
        assert statistics.median(dist.values()) < MAX_MEDIAN_KM, (ags, row["name"])
        for code, km_ in dist.items():
            island = ISLAND_POSTCODES.get(code)
            limit = island[1] if island and island[0] == ags else MAX_DISTANCE_KM
            assert km_ < limit, (ags, row["name"], code, round(km_))


def test_geometric_check_detects_swapped_district_points():
    """The thresholds are tight enough to notice two far-apart districts swapped."""
    d, pcs = districts(), postcodes_by_primary()
    a, b = d["09162"], d["16051"]  # München / Erfurt, ~330 km apart
    median = statistics.median(km(b["lat"], b["lng"], pc["lat"], pc["lng"]) for pc in pcs["09162"])
    assert median > MAX_MEDIAN_KM
    a, b = d["01001"], d["08311"]  # Flensburg / Freiburg
    median = statistics.median(km(b["lat"], b["lng"], pc["lat"], pc["lng"]) for pc in pcs["01001"])
    assert median > MAX_MEDIAN_KM


def _town_name(short_name):
    """'Oldenburg (Oldenburg)' → 'Oldenburg', 'Weiden i.d.OPf.' → 'Weiden',
    'Offenbach am Main' → 'Offenbach' (GeoNames writes either form)."""
    return re.split(r" \(| i\.d\.| am | an der | in der ", short_name)[0]


def test_city_districts_contain_their_own_town():
    names = defaultdict(dict)
    for p in places():
        names[p["district_ags"]].setdefault(p["name"], p)
    for ags, row in districts().items():
        if row["kind"] not in CITY_KINDS:
            continue
        short = row["short_name"]
        candidates = {short, _town_name(short)}
        found = [names[ags][n] for n in candidates if n in names[ags]]
        assert found, (ags, short)
        # the district's point lies near the town itself
        assert min(km(row["lat"], row["lng"], p["lat"], p["lng"]) for p in found) < 15, ags


def test_district_names_consistent_with_place_names():
    """A Landkreis/Kreis named like a place of its own state contains that place (unless a
    kreisfreie Stadt of that name exists, or it is a listed exception); and in total most
    rural districts named after a town do contain it."""
    d = districts()
    by_state_name = defaultdict(set)
    for p in places():
        by_state_name[(p["district_ags"][:2], p["name"])].add(p["district_ags"])
    city_short = {r["short_name"] for r in d.values() if r["kind"] in CITY_KINDS}
    city_towns = {_town_name(s) for s in city_short}
    matched = 0
    for ags, row in d.items():
        if row["kind"] in CITY_KINDS or ags in NAME_EXCEPTIONS:
            continue
        short = row["short_name"]
        where = by_state_name.get((ags[:2], short))
        if not where or short in city_short or short in city_towns:
            continue
        assert ags in where, (ags, short, sorted(where))
        matched += 1
    assert matched >= 100  # 108 with the current data
