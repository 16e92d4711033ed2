"""Admin and ORM edits reach the index through the same durable queue as imports.

Bulk writes (bulk_create, QuerySet.update) send no signals: importers call
search.sync.contacts_changed themselves after them.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save

from directory.models import Contact, Organisation, Phone
from search.sync import contacts_changed


def _contact_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        contacts_changed([instance.pk])


def _contact_deleted(sender, instance, **kwargs):
    contacts_changed([instance.pk])


def _phone_changed(sender, instance, raw=False, **kwargs):
    if not raw and instance.contact_id:
        contacts_changed([instance.contact_id])


def _organisation_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        contacts_changed(Contact.objects.filter(organisation=instance).values_list("id", flat=True))


def _m2m_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear", "pre_clear"):
        return
    if not reverse:
        if action != "pre_clear":
            contacts_changed([instance.pk])
    elif action == "pre_clear":
        # Reverse clear (e.g. district.covering_contacts.clear()): pk_set is None after it.
        contacts_changed(sender.objects.filter(**{_other_fk(sender): instance.pk}).values_list("contact_id", flat=True))
    elif pk_set:
        contacts_changed(pk_set)


def _other_fk(through) -> str:
    """The column of a Contact M2M through table that points at the other model."""
    for f in through._meta.get_fields():
        if getattr(f, "many_to_one", False) and f.name != "contact":
            return f.attname
    raise LookupError(through)


def connect() -> None:
    post_save.connect(_contact_saved, sender=Contact, dispatch_uid="search_contact_saved")
    post_delete.connect(_contact_deleted, sender=Contact, dispatch_uid="search_contact_deleted")
    post_save.connect(_phone_changed, sender=Phone, dispatch_uid="search_phone_saved")
    post_delete.connect(_phone_changed, sender=Phone, dispatch_uid="search_phone_deleted")
    post_save.connect(_organisation_saved, sender=Organisation, dispatch_uid="search_organisation_saved")
    for name in ("kinds", "incident_types", "target_groups", "channels", "states", "districts"):
        through = getattr(Contact, name).through
        m2m_changed.connect(_m2m_changed, sender=through, dispatch_uid=f"search_contact_{name}")
