"""The admin as an editor uses it: German labels, search, filters, inline phones."""

import pytest
from django.utils import translation

from directory.admin import ContactForm
from directory.models import Contact, ContactKind, District, IncidentType, Scope, Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact():
    contact = Contact.objects.create(name="Opferberatung Erfurt", slug="opferberatung-erfurt", scope=Scope.DISTRICT, town="Erfurt")
    contact.districts.add(District.objects.get(ags="16051"))
    contact.kinds.add(ContactKind.objects.get(slug="victim_support"))
    return contact


def test_the_contact_list_is_german_and_searchable(admin_client, contact):
    response = admin_client.get("/admin/directory/contact/", {"q": "erfurt"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Opferberatung Erfurt" in body
    assert "Kontakte" in body


@pytest.mark.parametrize(
    "params",
    [
        {"active__exact": "1"},
        {"verification": "stale"},
        {"verification": "never"},
        {"state": "TH"},
        {"scope__exact": "district"},
        {"kinds__id__exact": "1"},
        {"incident_types__id__exact": "1"},
    ],
)
def test_every_filter_answers(admin_client, contact, params):
    assert admin_client.get("/admin/directory/contact/", params).status_code == 200


def test_state_filter_finds_district_contacts_of_that_state(admin_client, contact):
    assert "Opferberatung Erfurt" in admin_client.get("/admin/directory/contact/", {"state": "TH"}).content.decode()
    assert "Opferberatung Erfurt" not in admin_client.get("/admin/directory/contact/", {"state": "BY"}).content.decode()


def add_form(**overrides):
    data = {
        "name": "Polizei Erfurt",
        "scope": "district",
        "kinds": [ContactKind.objects.get(slug="police").pk],
        "districts": [District.objects.get(ags="16051").pk],
        "languages": "[]",
        "barrier_free": "unknown",
        "anonymous": "unknown",
        "free_of_charge": "unknown",
        "active": "on",
        "phones-TOTAL_FORMS": "1",
        "phones-INITIAL_FORMS": "0",
        "phones-MIN_NUM_FORMS": "0",
        "phones-MAX_NUM_FORMS": "1000",
        "phones-0-label": "Zentrale",
        "phones-0-number": "0361 662-0",
        "phones-0-position": "0",
    }
    data.update(overrides)
    return data


def test_an_editor_adds_a_contact_with_a_phone_typed_as_read(admin_client):
    response = admin_client.post("/admin/directory/contact/add/", add_form())
    assert response.status_code == 302, response.content.decode()[:3000]
    contact = Contact.objects.get(name="Polizei Erfurt")
    assert contact.slug == "polizei-erfurt"
    assert contact.phones.get().number == "+493616620"


def test_the_admin_refuses_coverage_that_contradicts_scope(admin_client):
    response = admin_client.post("/admin/directory/contact/add/", add_form(scope="state"))
    assert response.status_code == 200
    # The admin speaks German (LANGUAGE_CODE), and so does the reason.
    assert "Ein landesweiter Kontakt braucht die Bundesländer, für die er zuständig ist." in response.content.decode()
    assert not Contact.objects.filter(name="Polizei Erfurt").exists()


def test_the_admin_gives_the_coverage_reason_in_english_too(admin_client):
    with translation.override("en"):
        form = ContactForm(data=add_form(scope="state"))
        assert not form.is_valid()
        assert "A state-wide contact needs the state(s) it covers." in form.non_field_errors()


def test_the_admin_refuses_an_invalid_phone(admin_client):
    response = admin_client.post("/admin/directory/contact/add/", add_form(**{"phones-0-number": "12"}))
    assert response.status_code == 200
    assert "is not a valid phone number" in response.content.decode()
    assert not Contact.objects.exists() or not Contact.objects.filter(name="Polizei Erfurt").exists()


def test_changing_a_slug_in_the_admin_keeps_the_old_one(admin_client, contact):
    data = add_form(name=contact.name, slug="opferberatung-thueringen-erfurt", **{"phones-0-number": "0361 662-0"})
    response = admin_client.post(f"/admin/directory/contact/{contact.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    contact.refresh_from_db()
    assert contact.slug == "opferberatung-thueringen-erfurt"
    assert list(contact.old_slugs.values_list("slug", flat=True)) == ["opferberatung-erfurt"]


def test_state_filter_lists_a_contact_covering_several_districts_once(admin_client, contact):
    contact.districts.add(District.objects.get(ags="16052"))  # Gera, also in Thüringen
    body = admin_client.get("/admin/directory/contact/", {"state": "TH"}).content.decode()
    assert body.count(f'/admin/directory/contact/{contact.pk}/change/') == 1


def test_all_incidents_and_single_incident_types_exclude_each_other(admin_client):
    threat = IncidentType.objects.get(slug="threat").pk
    response = admin_client.post("/admin/directory/contact/add/", add_form(all_incidents="on", incident_types=[threat]))
    assert response.status_code == 200
    assert "bitte keine einzelnen Vorfallarten auswählen" in response.content.decode()
    response = admin_client.post("/admin/directory/contact/add/", add_form(all_incidents="on", source_date="2025-03",
                                                                         notes="Telefon laut Impressum"))
    assert response.status_code == 302
    contact = Contact.objects.get(name="Polizei Erfurt")
    assert (contact.all_incidents, contact.source_date, contact.notes) == (True, "2025-03", "Telefon laut Impressum")


def test_a_source_date_must_be_a_year_month_or_date(admin_client):
    response = admin_client.post("/admin/directory/contact/add/", add_form(source_date="März 2025"))
    assert response.status_code == 200 and not Contact.objects.filter(name="Polizei Erfurt").exists()
