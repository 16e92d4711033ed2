"""Load the starter help network (fixtures/demo/contacts.csv, public facts) through the importer.

The demo file is an ordinary import into the source `lotse-demo`: the same validation,
plan and atomic apply as any partner's list (issue 4: `make run` loads it this way).
"""

from directory.models import Source
from directory.reference import REFERENCE_DIR
from importers.services import import_run

DEMO_FILE = REFERENCE_DIR.parent / "demo" / "contacts.csv"
DEMO_SOURCE = {"slug": "lotse-demo", "name": "Lotse-Startdatensatz (öffentliche Quellen, ungeprüft)"}


def demo_load():
    """Import the demo file; returns the ImportReport. Raises ValueError if it is refused."""
    Source.objects.get_or_create(slug=DEMO_SOURCE["slug"], defaults={"name": DEMO_SOURCE["name"]})
    report = import_run(
        data=DEMO_FILE.read_bytes(), filename=DEMO_FILE.name, source_slug=DEMO_SOURCE["slug"], dry_run=False, via="demo"
    )
    if not report.ok:
        raise ValueError("the demo file was refused: " + "; ".join(e.message for e in report.errors[:10]))
    return report
