"""Constraints and rules that keep the directory consistent (issue 3, point 5)."""

import pytest
from django.db import IntegrityError, transaction

from directory.models import Contact, District, Phone, Scope, Source, State
from directory.services import contact_change_slug, contact_unique_slug, coverage_errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def source():
    return Source.objects.create(slug="partner", name="Partner")


def make_contact(**fields):
    fields.setdefault("scope", Scope.NATIONAL)
    fields.setdefault("slug", contact_unique_slug(name=fields.get("name", "Kontakt")))
    return Contact.objects.create(**fields)


def test_source_id_is_unique_within_its_source(source):
    make_contact(name="A", source=source, external_id="42")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_contact(name="B", source=source, external_id="42")


def test_the_same_source_id_may_exist_in_two_sources(source):
    other = Source.objects.create(slug="other", name="Other")
    make_contact(name="A", source=source, external_id="42")
    make_contact(name="B", source=other, external_id="42")
    assert Contact.objects.filter(external_id="42").count() == 2


def test_contacts_without_source_id_do_not_collide(source):
    make_contact(name="A", source=source)
    make_contact(name="B", source=source)
    assert Contact.objects.filter(source=source, external_id="").count() == 2


def test_a_point_is_complete_or_absent():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_contact(name="Halb", lat=50.0)


def test_an_unknown_scope_is_rejected_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_contact(name="X", scope="planet")


def test_phone_numbers_are_stored_in_e164_or_as_short_numbers():
    contact = make_contact(name="Hotline")
    Phone.objects.create(contact=contact, number="+4971154013003")
    Phone.objects.create(contact=contact, number="116006")
    with pytest.raises(IntegrityError), transaction.atomic():
        Phone.objects.create(contact=contact, number="0711 5401-3003")


def test_coverage_must_match_scope():
    by = State.objects.get(code="BY")
    munich = District.objects.get(ags="09162")
    assert coverage_errors(Scope.NATIONAL, [], []) == []
    assert coverage_errors(Scope.STATE, [by], []) == []
    assert coverage_errors(Scope.DISTRICT, [], [munich]) == []
    assert coverage_errors(Scope.LOCAL, [], [munich]) == []
    assert coverage_errors(Scope.NATIONAL, [by], []) == ["a nationwide contact covers no single states or districts"]
    assert coverage_errors(Scope.STATE, [], []) == ["a state-wide contact needs the state(s) it covers"]
    assert coverage_errors(Scope.STATE, [by], [munich]) == ["a state-wide contact covers no single districts"]
    assert coverage_errors(Scope.DISTRICT, [], []) == ["a district contact needs the district(s) it covers"]
    assert coverage_errors(Scope.LOCAL, [by], [munich]) == ["a local contact covers districts, not whole states"]
    assert coverage_errors("planet", [], []) == ['"planet" is not a scope; use one of national, state, district, local']


def test_slugs_are_german_and_unique():
    first = make_contact(name="Opferberatung Thüringen")
    assert first.slug == "opferberatung-thueringen"
    assert contact_unique_slug(name="Opferberatung Thüringen") == "opferberatung-thueringen-2"
    assert contact_unique_slug(name="Polizei", town="Erfurt") == "polizei-erfurt"


def test_a_changed_slug_stays_reserved_for_redirects():
    contact = make_contact(name="Alte Stelle")
    contact_change_slug(contact=contact, slug="neue-stelle")
    assert contact.old_slugs.get().slug == "alte-stelle"
    assert contact_unique_slug(name="Alte Stelle") == "alte-stelle-2"
