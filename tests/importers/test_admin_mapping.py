"""Mapping in the admin preview (issue 22): an unknown header or value is mapped right there,
the stored file is checked again, the confirmation imports with exactly that mapping, and
the source remembers it (shown, editable and exported as the --mapping file)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from directory.models import Contact, Source
from importers.models import ImportRun, SourceMapping
from tests.importers.conftest import csv_bytes, run

pytestmark = pytest.mark.django_db

UPLOAD, CONFIRM, REMAP = "/admin/importers/importrun/upload/", "/admin/importers/importrun/confirm/", "/admin/importers/importrun/remap/"
HEADER = ["Einrichtung", "Art", "Zuständigkeit", "Telefon"]
ROWS = [["Polizeiposten Ohrdruf", "Posten", "bundesweit", "03624 3130"], ["Opferhilfe Gotha", "Opferhilfe", "bundesweit", "03621 1234"]]


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


def upload(client, data, source="lk-gotha"):
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("liste.csv", data), "source": source})
    assert response.status_code == 302, response
    return client.get(response["Location"])


def remap(client, run_id, **choices):
    response = client.post(REMAP, {"run": run_id, **choices})
    assert response.status_code == 302, response
    return client.get(response["Location"])


def test_the_preview_offers_the_unknown_header_then_the_unknown_value_and_checks_again_each_time(admin_client):
    data = csv_bytes(ROWS, header=HEADER)
    page = upload(admin_client, data).content.decode()
    assert "Nicht importiert: die Datei hat Fehler" in page and 'id="mapping-form"' in page
    assert '<label for="id_column_0">Spalte &quot;Einrichtung&quot;</label>' in page
    assert "Jetzt importieren" not in page
    first = ImportRun.objects.get()
    # With the name column known, the rows are read: their unknown kind is offered next.
    page = remap(admin_client, first.pk, column_0="name").content.decode()
    assert '<label for="id_value_kinds_0">Art: &quot;Posten&quot;</label>' in page
    assert "<td>Spalte</td><td>Einrichtung</td><td>Name (name)</td>" in page
    second = ImportRun.objects.exclude(pk=first.pk).get()
    page = remap(admin_client, second.pk, value_kinds_0="police").content.decode()
    assert "Probelauf: so würde importiert" in page and "Jetzt importieren" in page and 'id="mapping-form"' not in page
    assert "<td>Art</td><td>Posten</td><td>Polizeidienststelle (police)</td>" in page
    third = ImportRun.objects.exclude(pk__in=[first.pk, second.pk]).get()
    assert bytes(third.upload) == data and third.report["mapping"] == {
        "columns": {"Einrichtung": "name"}, "values": {"kinds": {"Posten": "police"}}}
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.upload is None and second.upload is None  # superseded: only the newest preview can be confirmed
    assert not Contact.objects.exists() and not SourceMapping.objects.exists() and not Source.objects.exists()


def test_confirming_imports_with_the_previewed_mapping_and_the_source_remembers_it(admin_client):
    upload(admin_client, csv_bytes(ROWS, header=HEADER))
    remap(admin_client, ImportRun.objects.get().pk, column_0="name")
    remap(admin_client, ImportRun.objects.latest("id").pk, value_kinds_0="police")
    preview = ImportRun.objects.get(status="previewed")
    page = admin_client.get(admin_client.post(CONFIRM, {"run": preview.pk, "sha256": preview.sha256})["Location"]).content.decode()
    assert "Import abgeschlossen" in page
    assert sorted(Contact.objects.values_list("name", flat=True)) == ["Opferhilfe Gotha", "Polizeiposten Ohrdruf"]
    assert list(Contact.objects.get(name="Polizeiposten Ohrdruf").kinds.values_list("slug", flat=True)) == ["police"]
    stored = SourceMapping.objects.get(source__slug="lk-gotha")
    assert stored.mapping == {"columns": {"Einrichtung": "name"}, "values": {"kinds": {"Posten": "police"}}}
    # Next month's file of the same source: no mapping step.
    december = csv_bytes([ROWS[0], ["Opferhilfe Gotha", "Opferhilfe", "bundesweit", "03621 9999"]], header=HEADER)
    page = upload(admin_client, december).content.decode()
    assert "Probelauf: so würde importiert" in page and 'id="mapping-form"' not in page
    assert "2 Einträge stammen aus der gespeicherten Zuordnung der Quelle." in page


def test_a_stored_mapping_edited_after_the_preview_does_not_change_what_is_confirmed(admin_client):
    """The plan digest covers the mapping; the confirmation uses the preview's own."""
    run(csv_bytes(ROWS, header=HEADER), source="lk-gotha",
        mapping={"columns": {"Einrichtung": "name"}, "values": {"kinds": {"Posten": "police"}}})
    preview_page = upload(admin_client, csv_bytes(ROWS, header=HEADER)).content.decode()
    assert "Probelauf: so würde importiert" in preview_page
    preview = ImportRun.objects.filter(via="admin").get()
    SourceMapping.objects.filter(source__slug="lk-gotha").update(
        mapping={"columns": {"Einrichtung": "name"}, "values": {"kinds": {"Posten": "legal"}}})
    admin_client.get(admin_client.post(CONFIRM, {"run": preview.pk, "sha256": preview.sha256})["Location"])
    assert list(Contact.objects.get(name="Polizeiposten Ohrdruf").kinds.values_list("slug", flat=True)) == ["police"]


def test_the_plan_digest_changes_with_the_mapping():
    data = csv_bytes(ROWS, header=HEADER)
    one = run(data, dry_run=True, mapping={"columns": {"Einrichtung": "name"}, "values": {"kinds": {"Posten": "police"}}})
    other = run(data, dry_run=True, mapping={"columns": {"Einrichtung": "name", "Telefon": ""},
                                             "values": {"kinds": {"Posten": "police"}}})
    assert one.ok and other.ok
    assert one.plan.digest() != other.plan.digest()


def test_a_remap_needs_the_users_own_open_preview(admin_client, django_user_model, client):
    upload(admin_client, csv_bytes(ROWS, header=HEADER))
    preview = ImportRun.objects.get()
    other = django_user_model.objects.create_superuser("bob", password="x")
    client.force_login(other)
    assert client.post(REMAP, {"run": preview.pk, "column_0": "name"}).status_code == 404
    nothing = admin_client.post(REMAP, {"run": preview.pk}, follow=True).content.decode()
    assert "Bitte mindestens eine Zuordnung wählen." in nothing
    assert ImportRun.objects.count() == 1


def test_the_stored_mapping_is_shown_edited_checked_and_exported(admin_client):
    run(csv_bytes(ROWS, header=HEADER), source="lk-gotha",
        mapping={"columns": {"Einrichtung": "name"}, "values": {"kinds": {"Posten": "police"}}})
    stored = SourceMapping.objects.get()
    page = admin_client.get(f"/admin/importers/sourcemapping/{stored.pk}/change/").content.decode()
    assert "<td>Spalte</td><td>Einrichtung</td><td>Name (name)</td>" in page
    exported = admin_client.get(f"/admin/importers/sourcemapping/{stored.pk}/export/")
    assert exported["Content-Disposition"] == 'attachment; filename="mapping-lk-gotha.json"'
    assert json.loads(exported.content) == {"columns": {"Einrichtung": "name"}, "values": {"kinds": {"Posten": "police"}}}
    bad = admin_client.post(f"/admin/importers/sourcemapping/{stored.pk}/change/",
                            {"source": stored.pk, "mapping": json.dumps({"values": {"kinds": {"Posten": "polizei"}}})})
    assert "&quot;polizei&quot; ist keine Kennung" in bad.content.decode()
    edited = json.dumps({"columns": {"Einrichtung": "name"}, "values": {"kinds": {"Posten": "legal"}}})
    response = admin_client.post(f"/admin/importers/sourcemapping/{stored.pk}/change/", {"source": stored.pk, "mapping": edited})
    assert response.status_code == 302
    stored.refresh_from_db()
    assert stored.mapping["values"]["kinds"]["Posten"] == "legal" and stored.updated_by.username == "admin"


def test_the_exported_mapping_is_the_command_lines_mapping_file(admin_client, tmp_path):
    from django.core.management import call_command

    run(csv_bytes(ROWS, header=HEADER), source="lk-gotha",
        mapping={"columns": {"Einrichtung": "name"}, "values": {"kinds": {"Posten": "police"}}})
    exported = admin_client.get(f"/admin/importers/sourcemapping/{SourceMapping.objects.get().pk}/export/").content
    (tmp_path / "mapping.json").write_bytes(exported)
    (tmp_path / "liste.csv").write_bytes(csv_bytes(ROWS, header=HEADER))
    call_command("import_contacts", str(tmp_path / "liste.csv"), "--source", "another", "--mapping", str(tmp_path / "mapping.json"))
    assert Contact.objects.filter(source__slug="another").count() == 2
