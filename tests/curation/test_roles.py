"""Issue 19, roles: organisation editors see and propose for their own organisation's
contacts only; a reviewer's approval publishes (and the search index follows); imports
need a grant for the named source; API tokens are stored hashed, expire, and name their
sources; the admin login locks out after repeated failures."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from rest_framework.test import APIClient

from api.models import ApiToken
from curation.models import ImportGrant, Proposal
from directory import history
from directory.models import Contact, Source
from search import client as meili
from search.sync import ensure_index, index_uid, push_pending
from tests.curation.conftest import PASSWORD


def _change_form(contact, **changes) -> dict:
    """The admin change form of a contact as a browser posts it, with `changes` applied."""
    data = {
        "name": contact.name, "organisation": contact.organisation_id or "", "scope": contact.scope,
        "kinds": [k.pk for k in contact.kinds.all()], "incident_types": [i.pk for i in contact.incident_types.all()],
        "target_groups": [t.pk for t in contact.target_groups.all()], "districts": [d.pk for d in contact.districts.all()],
        "email": contact.email, "slug": contact.slug, "languages": "[]",
        "phones-TOTAL_FORMS": str(contact.phones.count()), "phones-INITIAL_FORMS": str(contact.phones.count()),
        "phones-MIN_NUM_FORMS": "0", "phones-MAX_NUM_FORMS": "1000", "_save": "Sichern",
    }
    for i, phone in enumerate(contact.phones.all()):
        data.update({f"phones-{i}-id": phone.pk, f"phones-{i}-contact": contact.pk, f"phones-{i}-label": phone.label,
                     f"phones-{i}-number": phone.number, f"phones-{i}-position": phone.position})
    data.update(changes)
    return data


def test_an_organisation_editor_lists_and_opens_only_own_contacts(client, contacts, people):
    client.force_login(people["otto"])
    listing = client.get("/admin/directory/contact/")
    assert listing.status_code == 200
    assert "Opferberatung Erfurt" in listing.content.decode() and "Fremde Beratung Jena" not in listing.content.decode()
    assert client.get(f"/admin/directory/contact/{contacts['mine'].pk}/change/").status_code == 200
    theirs = contacts["theirs"]
    assert client.get(f"/admin/directory/contact/{theirs.pk}/change/").status_code == 403
    response = client.post(f"/admin/directory/contact/{theirs.pk}/change/", _change_form(theirs, email="x@example.org"))
    assert response.status_code == 403
    assert not Proposal.objects.exists() and Contact.objects.get(pk=theirs.pk).email == ""
    assert client.get("/admin/directory/contact/add/").status_code == 403
    assert client.get("/admin/directory/reviewitem/").status_code == 403


def test_an_editors_change_is_a_proposal_until_a_reviewer_publishes_it(reference, transactional_db, client, contacts, people):
    ensure_index()
    meili.run("clear", lambda c: c.index(index_uid()).delete_all_documents())
    mine = contacts["mine"]
    push_pending()
    client.force_login(people["otto"])
    response = client.post(f"/admin/directory/contact/{mine.pk}/change/",
                           _change_form(mine, name="Opferberatung Erfurt Mitte", **{"phones-0-number": "0361 5559999"}))
    assert response.status_code == 302, response.content.decode()[:2000]
    proposal = Proposal.objects.get()
    assert proposal.proposed_by == people["otto"] and set(proposal.changes) == {"name", "phones"}
    mine.refresh_from_db()
    assert mine.name == "Opferberatung Erfurt" and [p.number for p in mine.phones.all()] == ["+493615551234"]
    # Until approved: the public page, the API and the index show the old version.
    assert "Opferberatung Erfurt Mitte" not in Client().get(f"/contacts/{mine.slug}/").content.decode()
    assert APIClient().get(f"/api/v1/contacts/{mine.uuid}/").json()["name"] == "Opferberatung Erfurt"
    hits = meili.admin().index(index_uid()).search("Mitte")["hits"]
    assert hits == []
    # Otto may not approve his own proposal.
    assert client.post(f"/admin/curation/proposal/{proposal.pk}/change/", {"_approve": "1", "note": ""}).status_code == 403

    reviewer = Client()
    reviewer.force_login(people["rita"])
    page = reviewer.get(f"/admin/curation/proposal/{proposal.pk}/change/")
    assert page.status_code == 200 and "Opferberatung Erfurt Mitte" in page.content.decode()
    assert reviewer.post(f"/admin/curation/proposal/{proposal.pk}/change/", {"_approve": "1", "note": "telefonisch bestätigt"}).status_code == 302
    mine.refresh_from_db()
    assert mine.name == "Opferberatung Erfurt Mitte" and [p.number for p in mine.phones.all()] == ["+493615559999"]
    last = history.versions_of(mine.pk)[-1].version
    assert (last.via, last.history_user_id) == ("review", people["rita"].pk)
    hits = meili.admin().index(index_uid()).search("Mitte")["hits"]
    assert [h["id"] for h in hits] == [mine.pk]


def test_a_reviewer_publishes_at_once_and_sees_every_contact(client, contacts, people):
    client.force_login(people["rita"])
    theirs = contacts["theirs"]
    response = client.post(f"/admin/directory/contact/{theirs.pk}/change/", _change_form(theirs, email="neu@example.org"))
    assert response.status_code == 302
    assert Contact.objects.get(pk=theirs.pk).email == "neu@example.org" and not Proposal.objects.exists()
    last = history.versions_of(theirs.pk)[-1]
    assert (last.version.via, last.version.history_user_id) == ("admin", people["rita"].pk)
    assert ("email", "", "neu@example.org") == next((n, o, v) for n, _l, o, v in last.changes if n == "email")
    assert client.get("/admin/directory/reviewitem/").status_code == 200


# --- imports and tokens --------------------------------------------------------------

CSV = b"source_id;name;kinds;incident_types;scope;states\nA1;Stelle;victim_support;threat;state;TH\n"


def _importer(people, *, sources):
    user = people["rita"]
    user.user_permissions.add(Permission.objects.get(codename="add_importrun"), Permission.objects.get(codename="view_importrun"))
    for slug in sources:
        ImportGrant.objects.create(user=user, source=Source.objects.get_or_create(slug=slug, defaults={"name": slug})[0])
    return user


def _post(raw: str, source: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return api.post("/api/v1/imports/", {"file": SimpleUploadedFile("a.csv", CSV, content_type="text/csv"), "source": source,
                                         "dry_run": "false"}, format="multipart")


def test_a_token_for_source_a_gets_403_on_source_b(people, db):
    user = _importer(people, sources=["quelle-a", "quelle-b"])
    token, raw = ApiToken.objects.create(user=user, name="nur A")
    token.sources.set([Source.objects.get(slug="quelle-a")])
    response = _post(raw, "quelle-b")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "This token may not import into the source “quelle-b”; allowed: quelle-a."
    assert _post(raw, "quelle-a").status_code == 202
    assert Contact.objects.filter(source__slug="quelle-a").count() == 1 and not Contact.objects.filter(source__slug="quelle-b").exists()


def test_an_account_without_a_grant_or_contact_permissions_may_not_import(people, contacts, db):
    user = _importer(people, sources=["quelle-a"])
    token, raw = ApiToken.objects.create(user=user, name="A und C")
    token.sources.set([Source.objects.get(slug="quelle-a"), Source.objects.create(slug="quelle-c", name="C")])
    message = _post(raw, "quelle-c").json()["error"]["message"]
    assert "“quelle-c”" in message and "grant" in message
    otto = people["otto"]  # an organisation editor may not publish contacts
    otto.user_permissions.add(Permission.objects.get(codename="add_importrun"))
    token, raw = ApiToken.objects.create(user=otto, name="Otto")
    token.sources.set([Source.objects.get(slug="quelle-a")])
    response = _post(raw, "quelle-a")
    assert response.status_code == 403 and "“quelle-a”" in response.json()["error"]["message"]


def test_the_database_never_holds_a_raw_token(client, people, db):
    client.force_login(people["ada"])
    source = Source.objects.create(slug="quelle-a", name="A")
    response = client.post("/admin/api/apitoken/add/", {"user": people["rita"].pk, "name": "Partner A", "days": "30",
                                                        "sources": [source.pk]}, follow=True)
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    raw = next(m.split(": ", 1)[1].split(" ")[0] for m in shown if "Token lautet" in m)
    assert len(raw) == 64
    token = ApiToken.objects.get()
    assert token.expiry is not None and (token.expiry - token.created).days in (29, 30)
    assert list(token.sources.values_list("slug", flat=True)) == ["quelle-a"]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            quoted = connection.ops.quote_name
            cursor.execute(f"SELECT * FROM {quoted(table)}")
            for row in cursor.fetchall():
                assert not any(raw in str(value) for value in row), (table, columns)
    # Revoked in the admin: the token no longer authenticates.
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert api.get("/api/v1/imports/").status_code == 403  # authenticated, lacks view_importrun
    client.post(f"/admin/api/apitoken/{token.pk}/delete/", {"post": "yes"})
    assert api.get("/api/v1/imports/").status_code == 401


@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_admin_login_locks_out_after_repeated_failures(people, db):
    browser = Client(REMOTE_ADDR="203.0.113.5")
    for _ in range(3):
        browser.post("/admin/login/", {"username": "rita", "password": "wrong"})
    locked = browser.post("/admin/login/", {"username": "rita", "password": PASSWORD})
    assert locked.status_code == 429 and "gesperrt" in locked.content.decode()
    # Another client is not locked out for the same user.
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert other.post("/admin/login/", {"username": "rita", "password": PASSWORD}).status_code == 302
    # The lockout is visible to administrators.
    admin = Client()
    admin.force_login(people["ada"])
    page = admin.get("/admin/axes/accessattempt/")
    assert page.status_code == 200 and "rita" in page.content.decode()


# --- the admin per role ------------------------------------------------------------------

def test_what_each_role_may_open_in_the_admin(contacts, people):
    from curation.models import ErrorReport

    mine, theirs = contacts["mine"], contacts["theirs"]
    report_mine = ErrorReport.objects.create(contact=mine, problem="phone", text="Meldung zu Erfurt")
    report_theirs = ErrorReport.objects.create(contact=theirs, problem="email", text="Meldung zu Jena")
    pages = {
        "history of theirs": f"/admin/directory/contact/{theirs.pk}/history/",
        "history of mine": f"/admin/directory/contact/{mine.pk}/history/",
        "report on theirs": f"/admin/curation/errorreport/{report_theirs.pk}/change/",
        "report on mine": f"/admin/curation/errorreport/{report_mine.pk}/change/",
        "proposal add": "/admin/curation/proposal/add/",
        "review queue": "/admin/directory/reviewitem/",
        "verify": f"/admin/directory/contact/verify/?ids={theirs.pk}",
        "delete theirs": f"/admin/directory/contact/{theirs.pk}/delete/",
        "tokens": "/admin/api/apitoken/",
        "lockouts": "/admin/axes/accessattempt/",
        "users": "/admin/auth/user/",
    }
    expected = {
        # organisation editor: own contacts' history and reports only; nothing else
        "otto": {"history of theirs": 403, "history of mine": 200, "report on theirs": 403, "report on mine": 200,
                 "proposal add": 403, "review queue": 403, "verify": 403, "delete theirs": 403,
                 "tokens": 403, "lockouts": 403, "users": 403},
        # reviewer: every contact, report and the queue; no deleting, tokens, lockouts or users
        "rita": {"history of theirs": 200, "history of mine": 200, "report on theirs": 200, "report on mine": 200,
                 "proposal add": 403, "review queue": 200, "verify": 200, "delete theirs": 403,
                 "tokens": 403, "lockouts": 403, "users": 403},
        # administrator: everything (a proposal is only ever made from the contact form)
        "ada": {"history of theirs": 200, "history of mine": 200, "report on theirs": 200, "report on mine": 200,
                "proposal add": 403, "review queue": 200, "verify": 200, "delete theirs": 200,
                "tokens": 200, "lockouts": 200, "users": 200},
    }
    for name, answers in expected.items():
        browser = Client()
        browser.force_login(people[name])
        got = {what: browser.get(url).status_code for what, url in pages.items()}
        assert got == answers, name
    # The editor's report list names only reports on the own organisation's contacts.
    browser = Client()
    browser.force_login(people["otto"])
    listing = browser.get("/admin/curation/errorreport/")
    assert listing.status_code == 200
    assert [r.pk for r in listing.context["cl"].result_list] == [report_mine.pk]
    # A reviewer cannot resolve by deleting, nor delete a contact.
    browser.force_login(people["rita"])
    assert browser.post(f"/admin/directory/contact/{theirs.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Contact.objects.filter(pk=theirs.pk).exists()


def test_knox_swapped_token_model_has_no_table(db):
    """api.ApiToken replaces knox's AuthToken; a leftover knox_authtoken table referencing
    auth_user would make PostgreSQL refuse to flush (TRUNCATE) the users."""
    assert "knox_authtoken" not in connection.introspection.table_names()
    assert ApiToken._meta.db_table in connection.introspection.table_names()
