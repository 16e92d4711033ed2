"""Helpers for importer tests: build files in memory, run the one import service."""

import csv
import io

import pytest
from django.utils import translation

from importers.services import import_run

HEADER = ["source_id", "name", "kinds", "scope", "states", "districts", "postcode", "town", "phone", "email", "website"]


def csv_bytes(rows, header=HEADER, delimiter=",", encoding="utf-8"):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header] if isinstance(row, dict) else row)
    return out.getvalue().encode(encoding)


def export_table(data: bytes) -> str:
    """A canonical CSV export without its first line, the licence comment (issue 20)."""
    notice, table = data.decode("utf-8-sig").split("\r\n", 1)
    assert notice.startswith("# ")
    return table


def row(**values):
    base = {"kinds": "victim_support", "scope": "national"}
    base.update(values)
    return base


ERFURT = row(source_id="ezra", name="ezra Opferberatung", scope="landesweit", states="TH", postcode="99084", town="Erfurt",
             phone="0361 2188 6700", email="info@ezra.de", website="https://ezra.de")
MUNICH = row(source_id="before", name="BEFORE Beratungsstelle", kinds="Opferberatung", scope="lokal", states="BY",
             districts="09162", postcode="80335", phone="(089) 4622 467-0")
HOTLINE = row(source_id="hilfetelefon", name="Hilfetelefon Gewalt gegen Frauen", kinds="victim_support", scope="bundesweit", phone="116 016")


@pytest.fixture(autouse=True)
def english():
    """Importer tests assert messages word for word in English, the wording they were
    written in; German is the default (LANGUAGE_CODE) and has its own tests
    (test_messages_german.py, which turns this off). Pages requested through the test
    client still get the language the middleware picks (German unless asked otherwise)."""
    with translation.override("en"):
        yield


def run(data, source="partner", *, dry_run=False, filename="contacts.csv", **kwargs):
    return import_run(data=data, filename=filename, source_slug=source, dry_run=dry_run, user=None, **kwargs)


@pytest.fixture
def three_rows():
    return csv_bytes([ERFURT, MUNICH, HOTLINE])
