"""The data report (issue 15): what each state has and lacks, and the rows a curator must fix."""

from datetime import date
from io import StringIO

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command

from directory.models import Contact, ContactKind, District, IncidentType, Phone, State
from directory.reports import network_report

pytestmark = pytest.mark.django_db


def contact(name, *, scope, kinds, states=(), districts=(), incidents=("threat",), **fields):
    item = Contact.objects.create(name=name, slug=name.lower().replace(" ", "-"), scope=scope, **fields)
    item.kinds.set(ContactKind.objects.filter(slug__in=kinds))
    item.states.set(State.objects.filter(code__in=states))
    item.districts.set(District.objects.filter(ags__in=districts))
    item.incident_types.set(IncidentType.objects.filter(slug__in=incidents))
    return item


@pytest.fixture
def network():
    contact("Onlinewache Thüringen", scope="state", kinds=["police_online"], states=["TH"], all_incidents=True, incidents=(),
            website="https://polizei.thueringen.de", source_url="https://polizei.thueringen.de", source_date="2025-02")
    contact("Opferberatung Westfalen", scope="district", kinds=["victim_support"], districts=["05913", "05515"],
            website="http://backup.example", source_url="https://backup.example/ueber-uns")
    contact("Städtetag NRW", scope="state", kinds=["municipal_association"], states=["NW"], incidents=(),
            source_url="https://www.staedtetag-nrw.de", source_date="2019-06")
    contact("Deutscher Städtetag", scope="national", kinds=["municipal_association"], all_incidents=True, incidents=(),
            website="https://www.staedtetag.de", source_url="https://www.staedtetag.de/ueber-uns")
    hotline = contact("Hilfetelefon", scope="national", kinds=["victim_support"], source_url="")
    Phone.objects.create(contact=hotline, number="116016")
    contact("Alte Stelle", scope="state", kinds=["victim_support"], states=["TH"], active=False)


def test_the_table_counts_state_wide_and_district_help_per_state(network):
    report = network_report(today=date(2026, 12, 4))
    rows = {row.code: row for row in report.states}
    assert rows["TH"].counts["police_online"] == 1
    assert rows["TH"].counts["victim_support"] == 0  # the inactive one does not count
    assert rows["NW"].counts["victim_support"] == 1
    assert rows["NW"].partial == {"victim_support": (2, 53)}  # 51 of 53 NRW districts get no victim counselling
    assert report.nationwide["municipal_association"] == 1 and report.nationwide["victim_support"] == 1


def test_each_state_says_which_core_kinds_it_lacks(network):
    rows = {row.code: row for row in network_report(today=date(2026, 12, 4)).states}
    assert rows["TH"].lacking == ["state_security", "prosecution", "victim_support", "mobile_counselling", "municipal_association"]
    # The city-states' municipal association is the Deutscher Städtetag (nationwide).
    assert "municipal_association" not in rows["HB"].lacking and rows["HB"].by_nationwide == ["municipal_association"]
    assert "municipal_association" in rows["SL"].lacking


def test_the_rows_a_curator_must_fix_are_listed(network):
    report = network_report(today=date(2026, 12, 4))
    assert [c.name for c in report.without_incidents] == ["Städtetag NRW"]
    assert [(c.name, name, url) for c, name, url in report.http_urls] == [("Opferberatung Westfalen", "website", "http://backup.example")]
    assert [c.name for c in report.unreachable] == ["Städtetag NRW"]  # the hotline has a phone, the others a website
    assert [c.name for c in report.without_source] == ["Hilfetelefon"]
    assert [c.name for c in report.old_sources] == ["Städtetag NRW"]  # 2019-06 is more than five years before 2026-12
    assert report.undated_sources == 3


def test_the_command_prints_the_report(network):
    out = StringIO()
    call_command("data_report", stdout=out)
    text = out.getvalue()
    assert "TH" in text and "NW victim_support: 2 of 53 districts" in text
    assert "Contacts without incident information (neither incident types nor 'all incidents'): 1" in text
    assert "  TH Thüringen: state_security, prosecution, victim_support, mobile_counselling, municipal_association" in text


def test_the_admin_shows_the_same_report(admin_client, network):
    body = admin_client.get("/admin/directory/contact/report/").content.decode()
    assert "Kernangebote je Bundesland" in body
    assert "2 von 53 Kreisen" in body
    assert "Städtetag NRW" in body
    assert admin_client.get("/admin/directory/contact/").content.decode().count("/admin/directory/contact/report/") == 1


def test_the_admin_report_is_for_reviewers_and_administrators(client, network):
    """Roles of issue 19: a model permission alone (without a role) or an organisation
    editor's account does not open the report; a reviewer's does."""
    from django.contrib.auth.models import Group

    from curation.models import EditorMembership
    from curation.rules import REVIEWERS
    from directory.models import Organisation

    editor = User.objects.create_user("editor", password="pw", is_staff=True)
    client.force_login(editor)
    assert client.get("/admin/directory/contact/report/").status_code == 403
    editor.user_permissions.add(Permission.objects.get(codename="view_contact"))
    assert client.get("/admin/directory/contact/report/").status_code == 403
    EditorMembership.objects.create(user=editor, organisation=Organisation.objects.create(name="Träger", slug="traeger"))
    client.force_login(User.objects.get(pk=editor.pk))
    assert client.get("/admin/directory/contact/report/").status_code == 403
    editor.groups.add(Group.objects.get_or_create(name=REVIEWERS)[0])
    client.force_login(User.objects.get(pk=editor.pk))
    assert client.get("/admin/directory/contact/report/").status_code == 200


def test_the_incomplete_filter_lists_contacts_no_incident_filter_finds(admin_client, network):
    body = admin_client.get("/admin/directory/contact/", {"incidents": "missing"}).content.decode()
    assert "Städtetag NRW" in body and "Onlinewache Thüringen" not in body
    body = admin_client.get("/admin/directory/contact/", {"incidents": "all"}).content.decode()
    assert "Onlinewache Thüringen" in body and "Städtetag NRW" not in body
