"""GET /api/v1/changes/: the change feed (issue 20). A partner mirrors the directory by
following `next`; whatever changes while it pages, the mirror ends equal to the API."""

import datetime

import pytest
import yaml
from django.apps import apps
from django.utils import timezone

from api.changes import cursor_encode
from directory.models import Contact, ContactChange, Scope
from directory.services import contacts_touched
from tests.factories import make_contact

pytestmark = pytest.mark.django_db

URL = "/api/v1/changes/"


def _national(name: str, **fields) -> Contact:
    return make_contact(name, scope=Scope.NATIONAL, kinds=["legal"], incidents=["insult"], targets=(), **fields)


def _page(client, **params) -> dict:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


def _published(client) -> dict[str, dict]:
    """uuid → contact, as /api/v1/contacts/ gives every active contact now."""
    contacts, page = {}, 1
    while True:
        body = client.get("/api/v1/contacts/", {"per_page": 100, "page": page}).json()
        contacts.update((item["uuid"], item) for item in body["results"])
        if not body["next"]:
            return contacts
        page += 1


def _apply(mirror: dict, changes: list[dict]) -> None:
    for change in changes:
        if change["deactivated"]:
            assert change["contact"] is None
            mirror.pop(change["uuid"], None)
        else:
            assert change["contact"]["uuid"] == change["uuid"]
            mirror[change["uuid"]] = change["contact"]


def test_a_mirror_that_pages_while_contacts_change_misses_nothing(client):
    start = timezone.now()
    contacts = [_national(f"Stelle {n:02}") for n in range(24)]
    mirror: dict[str, dict] = {}
    # Between the pages: change a contact already read and one not read yet, deactivate a
    # contact, re-activate it two pages later, create one, delete one.
    edits = {
        1: lambda: _bulk_rename(contacts[0], "Stelle 00 (neu)"),
        2: lambda: _save(contacts[1], name="Stelle 01 (geändert)"),
        3: lambda: _save(contacts[20], name="Stelle 20 (geändert)"),
        4: lambda: _save(contacts[2], active=False),
        5: lambda: _national("Stelle neu"),
        6: lambda: _save(contacts[2], active=True, name="Stelle 02 (wieder da)"),
        7: lambda: contacts[3].delete(),
    }
    body, pages = _page(client, since=start.isoformat(), per_page=4), 1
    while True:
        _apply(mirror, body["changes"])
        if pages in edits:
            edits.pop(pages)()
        if not body["has_more"] and not edits:
            break
        body, pages = _page(client, since=body["cursor"], per_page=4), pages + 1
        assert body["cursor"]
    published = _published(client)
    wrong = {key: (mirror.get(key, {}).get("name"), published.get(key, {}).get("name"))
             for key in set(mirror) | set(published) if mirror.get(key) != published.get(key)}
    assert wrong == {}, "the mirror differs from the API (mirror, API)"
    names = {contact["name"] for contact in mirror.values()}
    assert {"Stelle 00 (neu)", "Stelle 01 (geändert)", "Stelle 20 (geändert)", "Stelle 02 (wieder da)", "Stelle neu"} <= names
    assert str(contacts[3].uuid) not in mirror and len(mirror) == 24 and pages > 7


def _save(contact: Contact, **fields) -> None:
    for name, value in fields.items():
        setattr(contact, name, value)
    contact.save()


def _bulk_rename(contact: Contact, name: str) -> None:
    """A bulk writer's way (QuerySet.update sends no signal): it announces the change itself."""
    Contact.objects.filter(pk=contact.pk).update(name=name)
    contacts_touched([contact.pk])


def test_changes_come_in_commit_order_each_contact_once_a_page_at_its_last_change(client):
    first, second = _national("Erste Stelle"), _national("Zweite Stelle")
    _save(first, name="Erste Stelle (geändert)")
    body = _page(client)
    assert [change["uuid"] for change in body["changes"]] == [str(second.uuid), str(first.uuid)]
    assert body["changes"][1]["contact"]["name"] == "Erste Stelle (geändert)"
    assert body["has_more"] is False
    times = [change["at"] for change in body["changes"]]
    assert times == sorted(times)
    # Nothing new since: the same cursor again, an empty page.
    again = _page(client, since=body["cursor"])
    assert again["changes"] == [] and again["cursor"] == body["cursor"] and again["has_more"] is False
    assert again["next"] == f"http://testserver{URL}?since={body['cursor']}"


def test_deactivated_and_deleted_contacts_are_tombstones(client):
    stays, leaves, deleted = _national("Bleibt"), _national("Geht"), _national("Gelöscht")
    deleted_id, deleted_uuid = deleted.pk, str(deleted.uuid)
    cursor = _page(client)["cursor"]
    _save(leaves, active=False)
    deleted.delete()
    changes = _page(client, since=cursor)["changes"]
    assert [(c["id"], c["uuid"], c["deactivated"], c["contact"]) for c in changes] == [
        (leaves.pk, str(leaves.uuid), True, None), (deleted_id, deleted_uuid, True, None)]
    assert all(change["at"] for change in changes)
    assert stays.pk not in {change["id"] for change in changes}


def test_since_a_time_starts_at_the_first_change_at_or_after_it(client):
    _national("Vorher")
    moment = timezone.now()
    after = _national("Nachher")
    changes = _page(client, since=moment.isoformat())["changes"]
    assert [change["uuid"] for change in changes] == [str(after.uuid)]
    # An offset whose "+" arrived unencoded (as a space), another offset, a date, naive = UTC.
    local = moment.astimezone(datetime.timezone(datetime.timedelta(hours=2)))
    assert _page(client, since=local.isoformat().replace("+", " "))["changes"] == changes
    assert _page(client, since=local.isoformat())["changes"] == changes
    assert _page(client, since=moment.replace(tzinfo=None).isoformat())["changes"] == changes
    assert len(_page(client, since=moment.date().isoformat())["changes"]) == 2
    tomorrow = (moment + datetime.timedelta(days=1)).date().isoformat()
    assert _page(client, since=tomorrow)["changes"] == []


@pytest.mark.parametrize("since, message", [
    ("gestern", 'since: "gestern" is neither a time such as 2025-03-01T08:00:00Z nor a cursor from "next"'),
    ("2025-02-30", 'since: "2025-02-30" is neither a time such as 2025-03-01T08:00:00Z nor a cursor from "next"'),
    ("2025-03-01T25:00", 'since: "2025-03-01T25:00" is neither a time such as 2025-03-01T08:00:00Z nor a cursor from "next"'),
    ("0001-01-01T00:00:00+01:00", 'since: "0001-01-01T00:00:00+01:00" is neither a time such as 2025-03-01T08:00:00Z nor a cursor from "next"'),
    ("Y2hhbmdlOng", 'since: "Y2hhbmdlOng" is neither a time such as 2025-03-01T08:00:00Z nor a cursor from "next"'),
])
def test_a_bad_since_is_a_400_naming_it(client, since, message):
    _national("Stelle")
    before = ContactChange.objects.count()
    response = client.get(URL, {"since": since})
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "invalid_parameter", "message": message, "field": "since"}}
    assert ContactChange.objects.count() == before


def test_a_cursor_ahead_of_the_feed_is_refused(client):
    _national("Stelle")
    ahead = cursor_encode(ContactChange.objects.order_by("-pk").first().pk + 1)
    response = client.get(URL, {"since": ahead})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid_parameter", "field": "since",
        "message": "since: this cursor is ahead of the feed (was the database restored?); start again from a timestamp"}


@pytest.mark.parametrize("per_page", ["0", "101", "zwei", "²"])
def test_per_page_is_bounded_like_the_other_lists(client, per_page):
    response = client.get(URL, {"per_page": per_page})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid_parameter", "field": "per_page",
        "message": f'per_page: "{per_page}" is not a whole number from 1 to 100'}


def test_per_page_pages_and_next_keeps_it(client):
    for n in range(3):
        _national(f"Stelle {n}")
    rows = ContactChange.objects.count()
    body = _page(client, per_page=1)
    assert len(body["changes"]) == 1 and body["has_more"] is True
    assert body["next"].endswith(f"?since={body['cursor']}&per_page=1")
    seen = 1
    while body["has_more"]:
        body = client.get(body["next"]).json()
        seen += 1
    assert seen == rows


def test_the_feed_is_a_public_read_with_the_licence(client, settings):
    response = client.get(URL)
    assert response.status_code == 200
    assert 'rel="license"' in response["Link"] and settings.DATA_LICENCE_URL in response["Link"]
    assert client.get(URL, HTTP_ORIGIN="https://partner.example")["Access-Control-Allow-Origin"] == "*"
    assert "Set-Cookie" not in response


def test_the_schema_documents_the_feed(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    operation = schema["paths"]["/api/v1/changes/"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} == {"since", "per_page"}
    assert "400" in operation["responses"] and "429" in operation["responses"]
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][page]["properties"]) == {"changes", "cursor", "next", "has_more"}


def test_an_import_records_one_change_per_contact(client):
    from benchmarks.synthetic import synthetic_csv
    from importers.services import import_run

    cursor = _page(client)["cursor"]
    assert import_run(data=synthetic_csv(30), filename="s.csv", source_slug="synthetic", dry_run=False).applied
    body = _page(client, since=cursor)
    assert len(body["changes"]) == 30 and body["has_more"] is False
    assert {change["uuid"] for change in body["changes"]} == set(
        str(key) for key in Contact.objects.filter(source__slug="synthetic").values_list("uuid", flat=True))


def test_the_migration_seeds_a_change_per_existing_contact(client):
    from importlib import import_module

    seed_changes = import_module("directory.migrations.0005_contactchange").seed_changes
    _national("Aktiv")
    _national("Inaktiv", active=False)
    ContactChange.objects.all().delete()
    seed_changes(apps, None)
    changes = _page(client)["changes"]
    # Oldest update first, the inactive contact a tombstone.
    assert [(change["id"], change["deactivated"]) for change in changes] == [
        (pk, not active) for pk, active in Contact.objects.order_by("updated_at", "id").values_list("pk", "active")]
    assert ContactChange.objects.filter(tombstone=True).count() == 1
