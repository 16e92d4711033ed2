"""The admin upload page: upload → dry-run diff → confirm → the same plan is imported."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from directory.models import Contact
from importers.models import ImportRun
from tests.importers.conftest import ERFURT, HOTLINE, MUNICH, csv_bytes, run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    # The manifest storage needs `collectstatic` first; these tests are about the pages.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


UPLOAD, CONFIRM = "/admin/importers/importrun/upload/", "/admin/importers/importrun/confirm/"


def upload(client, data, **fields):
    """The upload answers at once with the run's progress page (the tests' task backend has
    done the run by the time it is followed, tests/conftest.py)."""
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("liste.csv", data), "source": "partner", **fields})
    assert response.status_code == 302 and response["Location"].endswith("/progress/"), response
    return client.get(response["Location"])


def confirm(client, data, **kwargs):
    response = client.post(CONFIRM, data)
    return client.get(response["Location"], **kwargs) if response.status_code == 302 else response


def test_upload_shows_the_dry_run_diff_and_changes_nothing(admin_client):
    run(csv_bytes([ERFURT, HOTLINE]))
    response = upload(admin_client, csv_bytes([dict(ERFURT, email="neu@ezra.de"), MUNICH]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Probelauf: so würde importiert" in body
    assert "<td>ezra Opferberatung</td><td>email</td><td>info@ezra.de</td><td>neu@ezra.de</td>" in body
    assert "Zeile 3: BEFORE Beratungsstelle" in body
    assert "<li>Hilfetelefon Gewalt gegen Frauen</li>" in body  # would be deactivated
    assert Contact.objects.get(external_id="ezra").email == "info@ezra.de"
    assert not Contact.objects.filter(external_id="before").exists()


def test_confirm_imports_exactly_the_previewed_file(admin_client):
    upload(admin_client, csv_bytes([ERFURT, MUNICH]))
    preview = ImportRun.objects.get(dry_run=True)
    response = confirm(admin_client, {"run": preview.pk, "sha256": preview.sha256})
    assert "Import abgeschlossen" in response.content.decode()
    assert Contact.objects.count() == 2
    preview.refresh_from_db()
    assert preview.upload is None and preview.confirmed_by.status == "applied"
    again = admin_client.post(CONFIRM, {"run": preview.pk, "sha256": preview.sha256}, follow=True)
    assert "bereits bestätigt" in again.content.decode()


def test_confirm_refuses_a_different_file(admin_client):
    upload(admin_client, csv_bytes([ERFURT, MUNICH]))
    preview = ImportRun.objects.get(dry_run=True)
    ImportRun.objects.filter(pk=preview.pk).update(upload=csv_bytes([dict(ERFURT, phone="0361 999999")]))
    response = admin_client.post(CONFIRM, {"run": preview.pk, "sha256": preview.sha256}, follow=True)
    assert "stimmt nicht mit dem Probelauf überein (SHA-256)" in response.content.decode()
    assert not Contact.objects.exists()
    forged = admin_client.post(CONFIRM, {"run": preview.pk, "sha256": "0" * 64}, follow=True)
    assert "stimmt nicht" in forged.content.decode() and not Contact.objects.exists()


def test_confirm_refuses_when_the_directory_changed_since_the_preview(admin_client):
    upload(admin_client, csv_bytes([ERFURT, MUNICH]))
    preview = ImportRun.objects.get(dry_run=True)
    run(csv_bytes([ERFURT]))  # someone else imported meanwhile
    response = confirm(admin_client, {"run": preview.pk, "sha256": preview.sha256})
    # The page speaks the admin's language: German by default (no Accept-Language).
    assert "das Verzeichnis hat sich seit dem Probelauf geändert; bitte den Probelauf wiederholen" in response.content.decode()
    assert Contact.objects.count() == 1


def test_errors_are_listed_and_html_is_escaped(admin_client):
    response = upload(admin_client, csv_bytes([dict(ERFURT, postcode="<script>alert(1)</script>")]))
    body = response.content.decode()
    assert "Nicht importiert: die Datei hat Fehler" in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert(1)" not in body
    assert "Jetzt importieren" not in body


def test_history_is_read_only_and_listed(admin_client):
    run(csv_bytes([ERFURT]))
    listing = admin_client.get("/admin/importers/importrun/")
    assert listing.status_code == 200 and "contacts.csv" in listing.content.decode()
    run_id = ImportRun.objects.get().pk
    assert admin_client.get(f"/admin/importers/importrun/{run_id}/change/").status_code == 200
    assert admin_client.post(f"/admin/importers/importrun/{run_id}/delete/").status_code == 403


def test_upload_needs_contact_permissions(client, django_user_model):
    user = django_user_model.objects.create_user("bob", password="x", is_staff=True)
    client.force_login(user)
    assert client.get(UPLOAD).status_code == 403


def test_the_upload_answers_at_once_and_its_page_refreshes_until_the_worker_is_done(admin_client, settings):
    """With the database task backend and no worker yet: the upload is stored and queued,
    its page says so and refreshes itself; once the worker has run it, the plan shows."""
    from importers.tasks import import_file

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    response = admin_client.post(UPLOAD, {"file": SimpleUploadedFile("liste.csv", csv_bytes([ERFURT, MUNICH])), "source": "partner"})
    assert response.status_code == 302
    queued = ImportRun.objects.get()
    assert queued.status == "queued" and bytes(queued.upload) == csv_bytes([ERFURT, MUNICH])
    page = admin_client.get(response["Location"]).content.decode()
    assert '<meta http-equiv="refresh" content="1">' in page and "Die Datei wartet auf die Bearbeitung" in page
    assert not Contact.objects.exists()
    import_file.call(queued.pk)  # what the worker does with the task (tests/production/test_import_worker.py runs one)
    page = admin_client.get(response["Location"]).content.decode()
    assert "Probelauf: so würde importiert" in page and 'http-equiv="refresh"' not in page
    assert "Jetzt importieren" in page


def test_a_running_import_shows_its_progress(admin_client):
    queued = ImportRun.objects.create(filename="liste.csv", source_slug="partner", status="running", phase="checking",
                                      progress_done=500, progress_total=2000, via="admin")
    page = admin_client.get(f"/admin/importers/importrun/{queued.pk}/progress/").content.decode()
    assert "Zeilen geprüft: 500 von 2000" in page and '<progress max="2000" value="500">' in page


def test_a_failed_import_says_why_and_offers_a_new_upload(admin_client):
    failed = ImportRun.objects.create(filename="liste.csv", source_slug="partner", status="failed", via="admin",
                                      failure="der Import wurde 3-mal abgebrochen")
    page = admin_client.get(f"/admin/importers/importrun/{failed.pk}/progress/").content.decode()
    assert "Import abgebrochen" in page and "der Import wurde 3-mal abgebrochen" in page and 'http-equiv="refresh"' not in page


# --- issue 17: the upload's size first, bytes only for a preview that can be confirmed ----


def test_an_oversized_file_is_refused_before_it_is_read_and_nothing_is_kept(admin_client, settings):
    settings.IMPORT_MAX_BYTES = 1000
    data = csv_bytes([ERFURT] * 20)
    response = admin_client.post(UPLOAD, {"file": SimpleUploadedFile("liste.csv", data), "source": "partner"})
    body = response.content.decode()
    assert response.status_code == 200  # the form again, with the reason
    assert f"Die Datei hat {len(data):,} Bytes; erlaubt sind höchstens 1,000 Bytes (IMPORT_MAX_BYTES)".replace(",", ".") in body
    assert not ImportRun.objects.exists()


def test_a_refused_preview_keeps_no_bytes(admin_client):
    upload(admin_client, csv_bytes([dict(ERFURT, postcode="1234")]))
    preview = ImportRun.objects.get()
    assert preview.status == "rejected"
    assert preview.upload is None


def test_unconfirmed_previews_lose_their_bytes_after_the_set_time(admin_client, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.IMPORT_PREVIEW_HOURS = 24
    upload(admin_client, csv_bytes([ERFURT]))
    old = ImportRun.objects.get()
    assert old.status == "previewed" and old.upload is not None
    ImportRun.objects.filter(pk=old.pk).update(started_at=timezone.now() - timedelta(hours=25))
    upload(admin_client, csv_bytes([MUNICH]))  # any later upload clears the expired ones
    old.refresh_from_db()
    assert old.upload is None
    fresh = ImportRun.objects.exclude(pk=old.pk).get()
    assert fresh.upload is not None
    # An expired preview offers no confirmation and cannot be confirmed, even before
    # anything cleared its bytes.
    ImportRun.objects.filter(pk=fresh.pk).update(started_at=timezone.now() - timedelta(hours=25))
    assert "Jetzt importieren" not in admin_client.get(f"/admin/importers/importrun/{fresh.pk}/progress/").content.decode()
    response = admin_client.post(CONFIRM, {"run": fresh.pk, "sha256": fresh.sha256}, follow=True)
    assert "bereits bestätigt oder ist abgelaufen" in response.content.decode()
    assert not Contact.objects.exists()


def test_expired_previews_are_cleared_by_the_command(settings):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    report = run(csv_bytes([ERFURT]), dry_run=True, keep_upload=True)
    ImportRun.objects.filter(pk=report.run_id).update(started_at=timezone.now() - timedelta(hours=30))
    call_command("import_previews_expire", verbosity=0)
    assert ImportRun.objects.get(pk=report.run_id).upload is None
