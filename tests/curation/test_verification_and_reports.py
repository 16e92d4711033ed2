"""Issue 19: verification (admin action, stale after VERIFY_AFTER_DAYS on the page, in the
API and in the review queue) and visitors' error reports (no cookies: signed token and
Origin check, honeypot, per-client rate limit, no client address stored)."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from curation.models import ErrorReport, Verification
from directory import history
from directory.models import Contact


def test_the_verify_action_records_who_when_how_and_sets_last_verified(client, contacts, people):
    client.force_login(people["rita"])
    ids = f"{contacts['mine'].pk},{contacts['theirs'].pk}"
    assert client.get(f"/admin/directory/contact/verify/?ids={ids}").status_code == 200
    day = timezone.localdate() - timedelta(days=2)
    response = client.post("/admin/directory/contact/verify/", {"ids": ids, "method": "phone", "verified_on": day.isoformat(),
                                                                 "note": "Zentrale bestätigt Nummer"})
    assert response.status_code == 302
    assert sorted(Contact.objects.values_list("last_verified", flat=True)) == [day, day]
    checks = Verification.objects.order_by("contact_id")
    assert [(v.user, v.method, v.note) for v in checks] == [(people["rita"], "phone", "Zentrale bestätigt Nummer")] * 2
    last = history.versions_of(contacts["mine"].pk)[-1]
    assert last.version.via == "admin" and ("last_verified", None, day) in [(n, o, v) for n, _l, o, v in last.changes]
    client.force_login(people["otto"])  # an organisation editor may not verify
    assert client.get(f"/admin/directory/contact/verify/?ids={ids}").status_code == 403


def test_stale_contacts_are_flagged_on_the_page_in_the_api_and_the_queue(client, contacts, people, settings):
    settings.VERIFY_AFTER_DAYS = 365
    mine, theirs = contacts["mine"], contacts["theirs"]
    Contact.objects.filter(pk=mine.pk).update(last_verified=timezone.localdate() - timedelta(days=430))
    Contact.objects.filter(pk=theirs.pk).update(last_verified=timezone.localdate() - timedelta(days=20))
    page = Client().get(f"/contacts/{mine.slug}/").content.decode()
    assert "zuletzt geprüft vor 14 Monaten" in page and 'id="stale-notice"' in page
    page = Client().get(f"/contacts/{theirs.slug}/").content.decode()
    assert "zuletzt geprüft vor" in page and 'id="stale-notice"' not in page
    api = APIClient()
    assert api.get(f"/api/v1/contacts/{mine.uuid}/").json()["provenance"]["stale"] is True
    assert api.get(f"/api/v1/contacts/{theirs.uuid}/").json()["provenance"]["stale"] is False
    settings.VERIFY_AFTER_DAYS = 10  # the threshold comes from the setting
    assert api.get(f"/api/v1/contacts/{theirs.uuid}/").json()["provenance"]["stale"] is True
    settings.VERIFY_AFTER_DAYS = 365
    Contact.objects.filter(pk=theirs.pk).update(last_verified=None)
    assert "noch nicht geprüft" in Client().get(f"/contacts/{theirs.slug}/").content.decode()

    # The queue: an open error report first, then stale core contacts, then the rest.
    fresh = Contact.objects.create(name="Aktuelle Stelle", slug="aktuell", scope="national", last_verified=timezone.localdate())
    ErrorReport.objects.create(contact=mine, problem="phone")
    client.force_login(people["rita"])
    queue = client.get("/admin/directory/reviewitem/")
    order = [c.pk for c in queue.context["cl"].result_list]
    assert order == [mine.pk, theirs.pk, fresh.pk]
    labels = [c.urgency for c in queue.context["cl"].result_list]
    assert labels == [0, 1, 3]


def test_the_stale_threshold_comes_from_the_setting_on_the_page_in_the_api_and_the_queue(client, contacts, people, settings):
    """One contact verified 20 days ago: current under the default, stale once
    VERIFY_AFTER_DAYS is 10, in every place that shows it."""
    mine = contacts["mine"]  # a core contact (victim support)
    Contact.objects.filter(pk=mine.pk).update(last_verified=timezone.localdate() - timedelta(days=20))
    Contact.objects.filter(pk=contacts["theirs"].pk).update(last_verified=timezone.localdate())
    client.force_login(people["rita"])

    def seen():
        page = Client().get(f"/contacts/{mine.slug}/").content.decode()
        api = APIClient().get(f"/api/v1/contacts/{mine.uuid}/").json()["provenance"]["stale"]
        queue = client.get("/admin/directory/reviewitem/").context["cl"].result_list
        urgency = {c.pk: c.urgency for c in queue}[mine.pk]
        return 'id="stale-notice"' in page, api, urgency

    settings.VERIFY_AFTER_DAYS = 365
    assert seen() == (False, False, 3)
    settings.VERIFY_AFTER_DAYS = 10
    assert seen() == (True, True, 1)
    settings.VERIFY_AFTER_DAYS = 20  # exactly the threshold: not yet stale
    assert seen() == (False, False, 3)


def _form(client, contact) -> dict:
    page = client.get(f"/contacts/{contact.slug}/report/")
    assert page.status_code == 200 and not page.cookies
    token = page.context["form"].initial["token"]
    return {"problem": "phone", "text": "Die Nummer ist seit Mai abgeschaltet.", "email": "", "token": token, "homepage": ""}


def test_a_visitor_files_a_report_without_cookies(contacts, settings):
    settings.REPORT_MIN_SECONDS = 0
    visitor = Client(HTTP_ORIGIN="http://testserver")
    response = visitor.post(f"/contacts/{contacts['mine'].slug}/report/", _form(visitor, contacts["mine"]))
    assert response.status_code == 303 and not response.cookies
    report = ErrorReport.objects.get()
    assert (report.contact, report.problem, report.status) == (contacts["mine"], "phone", "open")
    stored = [str(v) for v in ErrorReport.objects.values_list(flat=False).get()]
    assert not any("127.0.0.1" in value for value in stored)


def test_a_report_from_elsewhere_or_with_a_bad_token_changes_nothing(contacts, settings):
    settings.REPORT_MIN_SECONDS = 0
    contact = contacts["mine"]
    foreign = Client(HTTP_ORIGIN="https://evil.example")
    assert foreign.post(f"/contacts/{contact.slug}/report/", _form(foreign, contact)).status_code == 403
    nothing = Client()  # neither Origin nor Referer
    assert nothing.post(f"/contacts/{contact.slug}/report/", _form(nothing, contact)).status_code == 403
    visitor = Client(HTTP_ORIGIN="http://testserver")
    data = _form(visitor, contact)
    other = visitor.post(f"/contacts/{contacts['theirs'].slug}/report/", data)
    assert other.status_code == 400 and "anderen Kontakt" in other.content.decode()
    tampered = visitor.post(f"/contacts/{contact.slug}/report/", {**data, "token": data["token"][:-2] + "xx"})
    assert tampered.status_code == 400 and "ungültig" in tampered.content.decode()
    too_long = visitor.post(f"/contacts/{contact.slug}/report/", {**data, "text": "x" * 1001})
    assert too_long.status_code == 400
    settings.REPORT_MIN_SECONDS = 60
    assert "zu schnell" in visitor.post(f"/contacts/{contact.slug}/report/", data).content.decode()
    assert not ErrorReport.objects.exists()


def test_the_honeypot_and_the_rate_limit_keep_spam_out(contacts, settings):
    settings.REPORT_MIN_SECONDS = 0
    settings.REPORT_RATE = "2/hour"
    contact = contacts["mine"]
    bot = Client(HTTP_ORIGIN="http://testserver", REMOTE_ADDR="198.51.100.7")
    assert bot.post(f"/contacts/{contact.slug}/report/", {**_form(bot, contact), "homepage": "http://spam"}).status_code == 302
    assert not ErrorReport.objects.exists()
    for _ in range(2):
        assert bot.post(f"/contacts/{contact.slug}/report/", _form(bot, contact)).status_code == 303
    refused = bot.post(f"/contacts/{contact.slug}/report/", _form(bot, contact))
    assert refused.status_code == 429 and refused["Retry-After"]
    assert ErrorReport.objects.count() == 2
    other = Client(HTTP_ORIGIN="http://testserver", REMOTE_ADDR="198.51.100.8")
    assert other.post(f"/contacts/{contact.slug}/report/", _form(other, contact)).status_code == 303


def test_a_reviewer_resolves_a_report_and_its_email_is_erased(client, contacts, people):
    report = ErrorReport.objects.create(contact=contacts["mine"], problem="phone", email="frage@example.org")
    client.force_login(people["otto"])  # sees reports on own contacts, may not resolve
    assert client.get(f"/admin/curation/errorreport/{report.pk}/change/").status_code == 200
    assert client.post(f"/admin/curation/errorreport/{report.pk}/change/", {"status": "fixed", "note": "x"}).status_code == 403
    client.force_login(people["rita"])
    assert client.post(f"/admin/curation/errorreport/{report.pk}/change/", {"status": "fixed", "note": "Nummer korrigiert"}).status_code == 302
    report.refresh_from_db()
    assert (report.status, report.resolution_note, report.resolved_by, report.email) == ("fixed", "Nummer korrigiert", people["rita"], "")
