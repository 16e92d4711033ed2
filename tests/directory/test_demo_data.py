"""The demo contacts: public facts, each with its source, none marked as verified."""

import csv

import pytest
from django.core.management import call_command

from importers.demo import DEMO_FILE
from directory.models import Contact
from directory.services import coverage_errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("load_demo", verbosity=0)
    return Contact.objects.filter(source__slug="lotse-demo")


def test_every_fact_becomes_a_contact(demo):
    with DEMO_FILE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert demo.count() == len(rows) == 54


def test_demo_contacts_keep_their_source_and_are_not_verified(demo):
    assert not demo.filter(source_url="").exists()
    assert not demo.filter(last_verified__isnull=False).exists()


def test_demo_contacts_have_kinds_and_consistent_coverage(demo):
    for contact in demo.prefetch_related("kinds", "states", "districts"):
        assert contact.kinds.exists(), contact.name
        assert coverage_errors(contact.scope, contact.states.all(), contact.districts.all()) == [], contact.name


def test_demo_contacts_map_org_types_onto_kinds(demo):
    assert set(demo.get(name="Onlinewache Polizei Bremen").kinds.values_list("slug", flat=True)) == {"police_online"}
    zac = demo.get(name__startswith="Zentral- und Ansprechstelle Cybercrime NRW")
    assert set(zac.kinds.values_list("slug", flat=True)) == {"prosecution"}
    assert zac.phones.get().number == "+492214774922"
    bremerhaven = demo.get(name="Onlinewache Polizei Bremerhaven")
    assert (bremerhaven.scope, list(bremerhaven.districts.values_list("ags", flat=True))) == ("local", ["04012"])


def test_loading_twice_keeps_one_copy(demo):
    call_command("load_demo", verbosity=0)
    assert demo.count() == 54
