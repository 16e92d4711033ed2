"""The starter help network (fixtures/demo/contacts.csv): public facts, each with its source,
none marked as verified, imported through the normal importer without a warning."""

import csv

import pytest
from django.core.management import call_command

from directory.models import Contact, District, State
from directory.reports import network_report
from importers.demo import DEMO_FILE, demo_load
from directory.services import coverage_errors

pytestmark = pytest.mark.django_db


def rows():
    with DEMO_FILE.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def demo():
    report = demo_load()
    assert report.warnings == [], [w.message for w in report.warnings]
    return Contact.objects.filter(source__slug="lotse-demo")


def test_every_row_becomes_a_contact(demo):
    assert demo.count() == len(rows()) >= 120


def test_every_row_keeps_its_source_and_is_not_verified(demo):
    assert not demo.filter(source_url="").exists()
    assert not demo.filter(last_verified__isnull=False).exists()
    assert all(row["source_url"].startswith(("https://", "http://")) for row in rows())


def test_every_contact_has_kinds_incident_information_and_consistent_coverage(demo):
    for contact in demo.prefetch_related("kinds", "states", "districts", "incident_types"):
        assert contact.kinds.exists(), contact.name
        assert contact.all_incidents or contact.incident_types.exists(), contact.name
        assert coverage_errors(contact.scope, contact.states.all(), contact.districts.all()) == [], contact.name


def test_every_state_has_police_online_reporting_victim_counselling_and_a_municipal_association(demo):
    report = network_report()
    for row in report.states:
        for kind in ("police_online", "victim_support"):
            assert row.counts[kind] >= 1, (row.code, kind)
        assert row.counts["municipal_association"] >= 1 or row.by_nationwide == ["municipal_association"], row.code
    assert {row.code for row in report.states} == set(State.objects.values_list("code", flat=True))


def test_the_errors_of_the_early_list_are_fixed(demo):
    # Back Up and Opferberatung Rheinland cover their Regierungsbezirke, not one city each.
    backup = demo.get(external_id="nw-backup")
    assert backup.districts.count() == 27 and set(backup.kinds.values_list("slug", flat=True)) == {"victim_support"}
    rheinland = demo.get(external_id="nw-obr")
    covered = set(backup.districts.values_list("ags", flat=True)) | set(rheinland.districts.values_list("ags", flat=True))
    assert covered == set(District.objects.filter(state__code="NW").values_list("ags", flat=True))  # all 53
    mobile = demo.get(external_id="de-bundesverband-mobile-beratung")
    assert set(mobile.kinds.values_list("slug", flat=True)) == {"mobile_counselling"}
    seelsorge = demo.get(external_id="de-telefonseelsorge")
    assert "psychological" in seelsorge.kinds.values_list("slug", flat=True)
    assert "victim_support" not in seelsorge.kinds.values_list("slug", flat=True)
    municipal = demo.filter(kinds__slug="municipal_association").distinct()
    assert municipal.count() >= 30 and not municipal.filter(all_incidents=False).exists()


def test_loading_twice_writes_nothing(demo):
    again = demo_load()
    assert again.counts["created"] == again.counts["updated"] == again.counts["deactivated"] == 0
    assert again.counts["unchanged"] == demo.count()
    call_command("load_demo", verbosity=0)
    assert demo.count() == len(rows())
