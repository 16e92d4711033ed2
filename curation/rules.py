"""Roles and what each may do (issue 19), as django-rules predicates: the one place that
answers `user.has_perm(...)` for contacts, reports, proposals and verifications.

- administrator: a superuser; may do everything (Django answers for superusers itself).
- reviewer: member of the group REVIEWERS ("Prüfung"); views and edits every contact and
  publishes at once, verifies, resolves error reports, approves or rejects proposals,
  restores earlier versions.
- organisation editor: an account with EditorMembership rows; sees the contacts of its
  organisations only, and may only propose changes to them (a reviewer publishes).
Imports need the contact permissions (add and change) and a grant for the source
(curation.services.import_allowed).
"""

from __future__ import annotations

import rules

REVIEWERS = "Prüfung"


@rules.predicate
def is_administrator(user) -> bool:
    return bool(user and user.is_active and user.is_superuser)


@rules.predicate
def is_reviewer(user) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    cached = getattr(user, "_lotse_reviewer", None)
    if cached is None:
        cached = user._lotse_reviewer = user.groups.filter(name=REVIEWERS).exists()
    return cached


def organisations_of(user) -> set[int]:
    """The organisations an account edits (cached on the user object for the request)."""
    if not (user and user.is_authenticated and user.is_active):
        return set()
    cached = getattr(user, "_lotse_organisations", None)
    if cached is None:
        from curation.models import EditorMembership

        cached = user._lotse_organisations = set(EditorMembership.objects.filter(user=user).values_list("organisation_id", flat=True))
    return cached


@rules.predicate
def is_organisation_editor(user) -> bool:
    return bool(organisations_of(user))


@rules.predicate
def edits_contact(user, contact) -> bool:
    """The contact belongs to one of the user's organisations (without a contact: the
    question is whether the user may see the list at all; the list is filtered)."""
    if contact is None:
        return True
    return contact.organisation_id is not None and contact.organisation_id in organisations_of(user)


@rules.predicate
def edits_contact_of(user, item) -> bool:
    """For an object that belongs to a contact (an error report, a proposal)."""
    if item is None:
        return True
    return edits_contact(user, item.contact)


@rules.predicate
def proposed_it(user, proposal) -> bool:
    return proposal is None or proposal.proposed_by_id == user.pk


staff = is_administrator | is_reviewer
own_contact = is_organisation_editor & edits_contact

# Admin apps: shown to whoever holds any permission in them.
rules.add_perm("directory", staff | is_organisation_editor)
rules.add_perm("curation", staff | is_organisation_editor)

# Contacts. change = may edit in the form; publish = the edit goes live at once (else it
# becomes a proposal).
rules.add_perm("directory.view_contact", staff | own_contact)
rules.add_perm("directory.change_contact", staff | own_contact)
rules.add_perm("directory.add_contact", staff)
rules.add_perm("directory.publish_contact", staff)
rules.add_perm("directory.verify_contact", staff)
rules.add_perm("directory.restore_contact", staff)
rules.add_perm("directory.view_historicalcontact", staff | own_contact)
rules.add_perm("directory.view_reviewitem", staff)
rules.add_perm("directory.view_organisation", staff)
rules.add_perm("directory.change_organisation", staff)
rules.add_perm("directory.view_source", staff)

rules.add_perm("curation.view_errorreport", staff | (is_organisation_editor & edits_contact_of))
rules.add_perm("curation.change_errorreport", staff)
rules.add_perm("curation.view_proposal", staff | (is_organisation_editor & edits_contact_of & proposed_it))
rules.add_perm("curation.change_proposal", staff)
rules.add_perm("curation.view_verification", staff)
rules.add_perm("curation.add_verification", staff)

# What the contact form needs: phones inline, and the reference lists it picks from.
for _action in ("view", "add", "change", "delete"):
    rules.add_perm(f"directory.{_action}_phone", staff | is_organisation_editor)
for _model in ("district", "state", "postalcode", "contactkind", "incidenttype", "targetgroup", "channel"):
    rules.add_perm(f"directory.view_{_model}", staff | is_organisation_editor)
