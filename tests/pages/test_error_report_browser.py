"""Issue 19 in Chromium: a visitor files an error report from a contact page (no cookie is
set), a reviewer fixes the phone number and resolves the report in the admin, and the
contact's history shows the fix with its path."""

from __future__ import annotations

from django.contrib.auth.models import Group, User

from curation.models import ErrorReport
from curation.rules import REVIEWERS
from directory import history

PASSWORD = "correct horse battery staple"


def test_a_report_is_filed_fixed_and_shown_in_the_history(visit, site, settings, live_server):
    settings.REPORT_MIN_SECONDS = 0
    contact = site["local"]
    v = visit()
    v.goto(f"/contacts/{contact.slug}/")
    v.page.click("#report-link")
    v.page.check("input[name=problem][value=phone]")
    v.page.fill("textarea[name=text]", "Die Nummer ist abgeschaltet, neu: 0361 5559999")
    v.page.click("button[type=submit]")
    v.page.wait_for_selector("#report-sent")
    assert v.context.cookies() == []
    assert [r for r in v.responses if "set-cookie" in r.headers] == []
    report = ErrorReport.objects.get()
    assert (report.contact_id, report.problem, report.status) == (contact.pk, "phone", "open")

    rita = User.objects.create_user("rita", password=PASSWORD, is_staff=True)
    rita.groups.add(Group.objects.get_or_create(name=REVIEWERS)[0])
    admin = visit(viewport={"width": 1280, "height": 900})
    page = admin.page
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "rita")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/curation/errorreport/{report.pk}/change/")
    page.click("text=Kontakt öffnen und korrigieren")
    page.fill("#id_phones-0-number", "0361 5559999")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    page.goto(f"{live_server.url}/admin/curation/errorreport/{report.pk}/change/")
    page.check("input[name=status][value=fixed]")
    page.fill("textarea[name=note]", "Neue Nummer telefonisch bestätigt")
    page.click("input[name=_resolve]")
    page.wait_for_selector(".messagelist .success")
    report.refresh_from_db()
    assert (report.status, report.resolved_by) == ("fixed", rita)

    page.goto(f"{live_server.url}/admin/directory/contact/{contact.pk}/history/")
    newest = page.locator("tr.version").first
    assert newest.get_attribute("data-via") == "admin"
    assert "Verwaltung" in newest.locator("td.via").inner_text()
    change = newest.locator("li.change[data-field=phones]").inner_text()
    assert "+493615551234" in change and "+493615559999" in change
    last = history.versions_of(contact.pk)[-1]
    assert last.version.history_user_id == rita.pk
    assert [(n, o, new) for n, _l, o, new in last.changes] == [("phones", ["Beratung: +493615551234"], ["Beratung: +493615559999"])]
