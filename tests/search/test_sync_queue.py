"""After-commit sync through the durable queue (search/sync.py)."""

import logging

import pytest
from django.conf import settings
from django.db import transaction

from directory.models import Contact, IncidentType, Phone
from directory.services import contacts_touched
from search import client, sync
from search.models import IndexQueue
from search.server import free_port

from .conftest import admin_task, make_contact, reindex


def document(pk):
    try:
        return client.call("GET", f"/indexes/{settings.MEILISEARCH_INDEX}/documents/{pk}", admin=True)
    except client.MeiliError as exc:
        assert exc.code == "document_not_found"
        return None


@pytest.fixture
def empty_index(db):
    reindex()


def test_commit_pushes_the_new_contact_and_empties_the_queue(empty_index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        contact = make_contact("Neue Stelle", scope="national")
    assert document(contact.pk)["name"] == "Neue Stelle"
    assert not IndexQueue.objects.exists()


def test_rolled_back_change_queues_and_pushes_nothing(empty_index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            make_contact("Verworfene Stelle", scope="national")
            raise RuntimeError("rollback")
    assert callbacks == [] and not IndexQueue.objects.exists()


def test_m2m_phone_and_field_edits_update_the_document(empty_index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the first transaction, pushed
        contact = make_contact("Stelle", scope="national")
    with django_capture_on_commit_callbacks(execute=True):
        contact.incident_types.add(IncidentType.objects.get(slug="stalking"))
        Phone.objects.create(contact=contact, number="+493012345678")
        contact.email = "hilfe@example.org"
        contact.save()
    doc = document(contact.pk)
    assert "stalking" in doc["incident_types"] and doc["email"] == "hilfe@example.org"
    assert doc["phones"][0]["number"] == "+493012345678"


def test_one_transaction_queues_one_push_however_many_writes(empty_index, django_capture_on_commit_callbacks):
    """An admin save touches a contact, its relations and its phones: one push after commit."""
    with django_capture_on_commit_callbacks() as callbacks:
        contact = make_contact("Stelle", scope="national", phones=("+493012345678", "116006"))
        contact.incident_types.add(IncidentType.objects.get(slug="stalking"))
    assert len(callbacks) == 1
    assert set(IndexQueue.objects.values_list("contact_id", flat=True)) == {contact.pk}


def test_a_rolled_back_transaction_leaves_the_next_one_its_own_push(empty_index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            make_contact("Verworfen", scope="national")
            raise RuntimeError("rollback")
        kept = make_contact("Bleibt", scope="national")
    assert len(callbacks) == 1
    callbacks[0]()
    assert document(kept.pk)["name"] == "Bleibt"


def test_deactivated_and_deleted_contacts_are_removed(empty_index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        gone, off = make_contact("Weg", scope="national"), make_contact("Aus", scope="national")
    assert document(gone.pk) and document(off.pk)
    with django_capture_on_commit_callbacks(execute=True):
        Contact.objects.filter(pk=off.pk).update(active=False)  # a bulk write: no signal
        contacts_touched([off.pk])
        gone_pk = gone.pk
        gone.delete()
    assert document(gone_pk) is None and document(off.pk) is None


def test_bad_document_is_kept_on_its_row_and_does_not_block_others(empty_index, caplog):
    good = make_contact("Gute Stelle", scope="national")
    bad = make_contact("Kaputter Punkt", scope="national")
    Contact.objects.filter(pk=bad.pk).update(lat=float("inf"), lng=11.0)  # bulk update skips validators
    with caplog.at_level(logging.ERROR, logger="search.sync"):
        report = sync.push_pending()
    assert document(good.pk)["name"] == "Gute Stelle"
    assert document(bad.pk) is None
    # Several rows (one per signal of the edit) for one contact; each carries the error.
    rows = list(IndexQueue.objects.filter(contact_id=bad.pk))
    row = rows[0]
    assert all(r.attempts == 1 and r.last_error == row.last_error and r.next_attempt_at for r in rows)
    assert "not valid JSON" in row.last_error
    assert report.failed == [f"contact {bad.pk}: {row.last_error}"]
    assert f"contact {bad.pk}" in caplog.text
    assert not IndexQueue.objects.filter(contact_id=good.pk).exists()


def test_failed_task_is_logged_with_its_uid_and_kept(empty_index, caplog):
    # An index someone created by hand with another primary key: every addition task fails.
    uid = settings.MEILISEARCH_INDEX
    admin_task("DELETE", f"/indexes/{uid}")
    admin_task("POST", "/indexes", json={"uid": uid, "primaryKey": "uuid"})
    contact = make_contact("Stelle", scope="national")
    with caplog.at_level(logging.ERROR, logger="search.sync"):
        report = sync.push_pending()
    row = IndexQueue.objects.filter(contact_id=contact.pk).first()
    assert "Meilisearch task" in row.last_error and "failed: index_primary_key_already_exists" in row.last_error
    task_uid = int(row.last_error.split("Meilisearch task ")[1].split()[0])
    assert f"task uid {task_uid}" in caplog.text and not report.ok
    assert client.call("GET", f"/tasks/{task_uid}", admin=True)["status"] == "failed"
    reindex()  # the rebuild swaps in a correct index; the queued change goes with it
    assert document(contact.pk)["name"] == "Stelle"


def test_unreachable_server_keeps_the_rows(empty_index, settings):
    contact = make_contact("Wartet", scope="national")
    settings.MEILISEARCH_URL = f"http://127.0.0.1:{free_port()}"
    client.reset_session()
    sync.forget_ensured()
    report = sync.push_pending()
    assert report.unavailable and not report.ok
    rows = IndexQueue.objects.filter(contact_id=contact.pk)
    assert rows.exists() and all("not reachable" in row.last_error for row in rows)
    assert all(row.next_attempt_at is None for row in rows)  # retried as soon as it is back
