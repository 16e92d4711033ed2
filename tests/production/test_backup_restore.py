"""Backup and restore through the canonical format (issue 8, docs/operations.md):
`export_contacts` per source, a fresh directory, `import_contacts` per source reproduces
every contact field by field, and `search_index rebuild` restores the index."""

from __future__ import annotations

from django.core.management import call_command

import pytest

from benchmarks.synthetic import synthetic_csv
from importers.demo import demo_load
from directory.models import Contact, ContactSlugHistory, Organisation, Phone, Source
from importers.models import ImportRun
from importers.services import import_run
from search.indexing import index_status
from search.models import IndexQueue
from tests.production.test_search_outage import _index_documents

pytestmark = pytest.mark.django_db(transaction=True)

SCALARS = [
    "slug", "name", "description_de", "description_en", "scope", "street", "postcode", "town", "lat", "lng",
    "email", "website", "online_report_url", "opening_hours", "open_24_7", "languages", "barrier_free", "anonymous",
    "free_of_charge", "source_url", "last_verified", "active",
    "uuid",  # the id partners hold (API, HSDS): the export carries it, a restore keeps it
]


def directory_state() -> dict:
    """Every contact, keyed by source and source id, with all its fields and relations."""
    state = {}
    for contact in Contact.objects.select_related("organisation", "source", "district").prefetch_related(
        "kinds", "incident_types", "target_groups", "channels", "states", "districts", "phones"
    ):
        key = (contact.source.slug if contact.source else None, contact.external_id or contact.name)
        state[key] = {
            **{name: getattr(contact, name) for name in SCALARS},
            "organisation": contact.organisation.name if contact.organisation else None,
            "location_district": contact.district.ags if contact.district else None,
            "kinds": sorted(k.slug for k in contact.kinds.all()),
            "incident_types": sorted(i.slug for i in contact.incident_types.all()),
            "target_groups": sorted(t.slug for t in contact.target_groups.all()),
            "channels": sorted(c.slug for c in contact.channels.all()),
            "states": sorted(s.code for s in contact.states.all()),
            "districts": sorted(d.ags for d in contact.districts.all()),
            "phones": [(p.label, p.number) for p in sorted(contact.phones.all(), key=lambda p: (p.position, p.id))],
        }
    return state


def _fresh_directory() -> None:
    """What a new database holds after `migrate` and `load_reference`: no contacts."""
    IndexQueue.objects.all().delete()
    ImportRun.objects.all().delete()
    ContactSlugHistory.objects.all().delete()
    Phone.objects.all().delete()
    Contact.objects.all().delete()
    Organisation.objects.all().delete()
    Source.objects.all().delete()


def _index_view() -> set[tuple]:
    """The index's content without database ids (a restore gives new primary keys)."""
    return {(name, text) for name, text in _index_documents().values()}


def test_export_then_import_into_a_fresh_directory_reproduces_it_exactly(own_meilisearch, reference, tmp_path):
    demo_load()
    assert import_run(data=synthetic_csv(300), filename="s.csv", source_slug="synthetic", dry_run=False).applied
    # A contact that went away stays in the directory, inactive: the backup keeps it too.
    assert import_run(data=synthetic_csv(290), filename="s.csv", source_slug="synthetic", dry_run=False).counts["deactivated"] == 10
    call_command("search_index", "rebuild")
    before, index_before = directory_state(), _index_view()
    assert len(before) > 300 and sum(not c["active"] for c in before.values()) == 10

    files = {}
    for slug in Source.objects.order_by("slug").values_list("slug", flat=True):
        files[slug] = tmp_path / f"{slug}.csv"
        call_command("export_contacts", "--source", slug, "-o", str(files[slug]))

    _fresh_directory()
    assert directory_state() == {}
    for slug, path in files.items():
        call_command("import_contacts", str(path), "--source", slug)
    after = directory_state()

    assert after.keys() == before.keys()
    differences = [
        (key, field, before[key][field], after[key][field])
        for key in before for field in before[key] if before[key][field] != after[key][field]
    ]
    assert differences == []

    call_command("search_index", "rebuild")
    status = index_status()
    assert status.in_sync, "\n".join(status.lines())
    assert _index_view() == index_before
