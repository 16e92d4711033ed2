"""A step saved or deleted in this process drops the process's copy of the steps at once
(guidance/selectors.py); other processes notice within selectors.STAMP_SECONDS."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save


def _forget(**kwargs):
    from guidance import selectors

    selectors.forget()
    # Also after the commit: a page rendered between the save and the commit could
    # otherwise keep the old steps for a second.
    transaction.on_commit(selectors.forget)


def connect() -> None:
    from guidance.models import Step

    post_save.connect(_forget, sender=Step, dispatch_uid="guidance-step-saved")
    post_delete.connect(_forget, sender=Step, dispatch_uid="guidance-step-deleted")
    for through in (Step.incident_types.through, Step.states.through, Step.kinds.through, Step.contacts.through):
        m2m_changed.connect(_forget, sender=through, dispatch_uid=f"guidance-step-m2m-{through.__name__}")
