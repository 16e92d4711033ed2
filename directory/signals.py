"""Model signals → directory.services.contacts_touched: the one set of handlers.

Admin and ORM edits of a contact, its phones, its relations or its organisation all end
in the one change notification. Bulk writes (QuerySet.update, raw SQL) send no signals:
their writers call contacts_touched themselves (the importer does, importers/sync.py).
"""

from django.db.models.signals import m2m_changed, post_delete, post_save

from directory.models import Contact, Organisation, Phone
from directory.services import contacts_touched

RELATIONS = ("kinds", "incident_types", "target_groups", "channels", "states", "districts")


def _contact_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        contacts_touched([instance.pk])  # save() moved updated_at itself


def _contact_deleted(sender, instance, **kwargs):
    contacts_touched([instance.pk])


def _phone_changed(sender, instance, raw=False, **kwargs):
    if not raw and instance.contact_id:
        contacts_touched([instance.contact_id], restamp=True)


def _organisation_saved(sender, instance, raw=False, created=False, **kwargs):
    if not raw and not created:
        contacts_touched(Contact.objects.filter(organisation=instance).values_list("id", flat=True), restamp=True)


def _relation_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "pre_clear", "post_clear"):
        return
    if not reverse:
        if action != "pre_clear":
            contacts_touched([instance.pk], restamp=True)
    elif action == "pre_clear":
        # A reverse clear (district.covering_contacts.clear()): pk_set is None after it.
        column = next(f.attname for f in sender._meta.get_fields() if getattr(f, "many_to_one", False) and f.name != "contact")
        contacts_touched(sender.objects.filter(**{column: instance.pk}).values_list("contact_id", flat=True), restamp=True)
    elif pk_set:
        contacts_touched(pk_set, restamp=True)


def connect() -> None:
    post_save.connect(_contact_saved, sender=Contact, dispatch_uid="directory_contact_saved")
    post_delete.connect(_contact_deleted, sender=Contact, dispatch_uid="directory_contact_deleted")
    post_save.connect(_phone_changed, sender=Phone, dispatch_uid="directory_phone_saved")
    post_delete.connect(_phone_changed, sender=Phone, dispatch_uid="directory_phone_deleted")
    post_save.connect(_organisation_saved, sender=Organisation, dispatch_uid="directory_organisation_saved")
    for name in RELATIONS:
        m2m_changed.connect(_relation_changed, sender=getattr(Contact, name).through, dispatch_uid=f"directory_contact_{name}")
