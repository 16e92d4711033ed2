"""Issue 19, history: every change, whoever made it, recorded with who, when, which path and
the field-level difference; an import's bulk writes too; restore an earlier version."""

from __future__ import annotations

from django.contrib.auth.models import User

from directory import history
from directory.models import Contact, Phone
from importers.models import ImportRun
from importers.services import import_run

CSV = ("source_id;name;kinds;incident_types;scope;states;phone\n"
       "H1;Beratung Erfurt;victim_support;threat;state;TH;0361 5551234\n"
       "H2;Beratung Jena;victim_support;threat;state;TH;03641 555000\n")


def _changes(view) -> dict:
    return {name: (old, new) for name, _label, old, new in view.changes}


def test_an_import_records_each_contact_with_its_run_and_the_difference(db):
    user = User.objects.create_superuser("ada", password="x" * 20)
    first = import_run(data=CSV.encode(), filename="a.csv", source_slug="hist", dry_run=False, user=user)
    assert first.applied
    erfurt = Contact.objects.get(external_id="H1")
    created = history.versions_of(erfurt.pk)
    assert len(created) == 1
    version = created[0].version
    assert (version.history_type, version.via, version.import_run_id, version.history_user_id) == ("+", "import", first.run_id, user.pk)
    assert created[0].snapshot["phones"] == ["+493615551234"] and created[0].snapshot["states"] == ["TH"]

    # Changed phone for Erfurt, Jena missing (deactivated), a new row.
    changed = ("source_id;name;kinds;incident_types;scope;states;phone\n"
               "H1;Beratung Erfurt;victim_support;threat;state;TH;0361 5559999\n"
               "H3;Beratung Gera;victim_support;threat;state;TH;0365 555000\n")
    second = import_run(data=changed.encode(), filename="b.csv", source_slug="hist", dry_run=False)
    assert second.counts == {**second.counts, "updated": 1, "created": 1, "deactivated": 1}
    views = history.versions_of(erfurt.pk)
    assert len(views) == 2 and views[-1].version.import_run_id == second.run_id and views[-1].version.history_type == "~"
    assert _changes(views[-1]) == {"phones": (["+493615551234"], ["+493615559999"])}
    jena = history.versions_of(Contact.objects.get(external_id="H2").pk)
    assert jena[-1].version.active is False and _changes(jena[-1]) == {"active": (True, False)}
    # The import run names what it recorded: one version per changed contact.
    assert Contact.history.filter(import_run_id=second.run_id).count() == 3
    assert ImportRun.objects.get(pk=second.run_id).updated == 1

    # An unchanged re-import records nothing.
    before = Contact.history.count()
    import_run(data=changed.encode(), filename="b.csv", source_slug="hist", dry_run=False)
    assert Contact.history.count() == before


def test_a_change_outside_any_block_is_recorded_at_once_and_a_block_records_once(contacts):
    contact = contacts["mine"]
    count = len(history.versions_of(contact.pk))
    contact.email = "neu@example.org"
    contact.save()
    views = history.versions_of(contact.pk)
    assert len(views) == count + 1 and _changes(views[-1]) == {"email": ("alt@example.org", "neu@example.org")}
    with history.recording(via=history.Via.COMMAND, reason="test"):
        contact.name = "Opferberatung Erfurt (neu)"
        contact.save()
        contact.kinds.add(*contact.kinds.model.objects.filter(slug="legal"))
        Phone.objects.create(contact=contact, number="116006", position=5)
    views = history.versions_of(contact.pk)
    assert len(views) == count + 2
    assert set(_changes(views[-1])) == {"name", "kinds", "phones"} and views[-1].version.via == "command"


def test_restore_brings_back_fields_relations_and_phones(contacts, people):
    contact = contacts["mine"]
    original = history.versions_of(contact.pk)[-1].version.history_id
    with history.recording(via=history.Via.ADMIN, user=people["rita"]):
        contact.email = "falsch@example.org"
        contact.save()
        contact.phones.all().delete()
        contact.districts.set(contact.districts.model.objects.filter(ags="16052"))
    history.contact_restore(contact=contact, history_id=original, user=people["rita"])
    contact.refresh_from_db()
    assert contact.email == "alt@example.org"
    assert [p.number for p in contact.phones.all()] == ["+493615551234"]
    assert [d.ags for d in contact.districts.all()] == ["16051"]
    last = history.versions_of(contact.pk)[-1]
    assert last.version.via == "admin" and last.version.history_user_id == people["rita"].pk
    assert "restored" in last.version.history_change_reason


def test_a_deleted_contact_leaves_its_last_version_marked_deleted(contacts):
    pk = contacts["theirs"].pk
    contacts["theirs"].delete()
    assert Contact.history.filter(id=pk).order_by("-history_id").first().history_type == "-"


def test_the_admin_shows_the_history_and_restores(client, contacts, people):
    contact = contacts["mine"]
    first = history.versions_of(contact.pk)[-1].version.history_id
    contact.email = "falsch@example.org"
    contact.save()
    client.force_login(people["rita"])
    page = client.get(f"/admin/directory/contact/{contact.pk}/history/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "falsch@example.org" in text and "alt@example.org" in text
    response = client.post(f"/admin/directory/contact/{contact.pk}/history/{first}/restore/")
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.email == "alt@example.org"
    client.force_login(people["otto"])  # an organisation editor may read, not restore
    assert client.post(f"/admin/directory/contact/{contact.pk}/history/{first}/restore/").status_code == 403
    assert client.get(f"/admin/directory/contact/{contacts['theirs'].pk}/history/").status_code == 403
