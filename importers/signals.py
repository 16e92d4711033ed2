"""Any change to a contact outside an import forgets its row fingerprint (models.RowFingerprint),
so the next import validates and diffs that row in full instead of trusting the digest.

Saving the contact itself also moves its updated_at, which the fingerprint is checked
against; these handlers cover the changes that do not: phones, many-to-many relations and
a renamed organisation. Imports write with plain SQL and send no signals.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save

from directory.models import Contact, Organisation, Phone


def _forget(contact_ids) -> None:
    from importers.models import RowFingerprint

    ids = [pk for pk in contact_ids if pk is not None]
    if ids:
        RowFingerprint.objects.filter(contact_id__in=ids).delete()


def _contact_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _forget([instance.pk])


def _phone_changed(sender, instance, raw=False, **kwargs):
    if not raw and instance.contact_id:
        _forget([instance.contact_id])


def _organisation_saved(sender, instance, raw=False, created=False, **kwargs):
    if not raw and not created:
        from importers.models import RowFingerprint

        RowFingerprint.objects.filter(contact__organisation=instance).delete()


def _m2m_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if not reverse:
        _forget([instance.pk])
    elif action == "pre_clear":
        column = next(f.attname for f in sender._meta.get_fields() if getattr(f, "many_to_one", False) and f.name != "contact")
        _forget(list(sender.objects.filter(**{column: instance.pk}).values_list("contact_id", flat=True)))
    elif pk_set:
        _forget(list(pk_set))


def connect() -> None:
    post_save.connect(_contact_saved, sender=Contact, dispatch_uid="importers_contact_saved")
    post_save.connect(_phone_changed, sender=Phone, dispatch_uid="importers_phone_saved")
    post_delete.connect(_phone_changed, sender=Phone, dispatch_uid="importers_phone_deleted")
    post_save.connect(_organisation_saved, sender=Organisation, dispatch_uid="importers_organisation_saved")
    for name in ("kinds", "incident_types", "target_groups", "channels", "states", "districts"):
        m2m_changed.connect(_m2m_changed, sender=getattr(Contact, name).through, dispatch_uid=f"importers_contact_{name}")
