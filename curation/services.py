"""Writes for keeping the directory true (issue 19): verifications, error reports,
proposals, and who may import into which source. Admin, pages and API call these."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from curation.models import ErrorReport, ImportGrant, Proposal, Verification
from directory import history
from directory.models import ChangeContext, Contact, District, Phone, Scope, State
from directory.services import contacts_touched, coverage_errors, coverage_reason_text

Via = ChangeContext.Via


# --- freshness ------------------------------------------------------------------------


def stale_before(today: date | None = None) -> date:
    """A contact last verified before this day (or never) is stale (VERIFY_AFTER_DAYS)."""
    return (today or timezone.localdate()) - timedelta(days=settings.VERIFY_AFTER_DAYS)


def is_stale(last_verified: date | None, today: date | None = None) -> bool:
    return last_verified is None or last_verified < stale_before(today)


def months_since(day: date, today: date | None = None) -> int:
    today = today or timezone.localdate()
    months = (today.year - day.year) * 12 + today.month - day.month
    return max(0, months - (1 if today.day < day.day else 0))


# --- verification ---------------------------------------------------------------------


@transaction.atomic
def contacts_verify(*, contacts: list[Contact], user, method: str, note: str = "", on: date | None = None) -> int:
    """Record that a person checked these contacts (date, who, how, a note) and set their
    last_verified; one history version each (via admin)."""
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValueError(_("Das Prüfdatum liegt in der Zukunft."))
    ids = [c.pk for c in contacts]
    with history.recording(via=Via.ADMIN, user=user, reason=f"verified ({method})"):
        Verification.objects.bulk_create(Verification(contact_id=pk, verified_on=on, user=user, method=method, note=note) for pk in ids)
        Contact.objects.filter(pk__in=ids).update(last_verified=on)
        contacts_touched(ids, restamp=True)
    return len(ids)


# --- error reports --------------------------------------------------------------------


def report_file(*, contact: Contact, problem: str, text: str, email: str, language: str) -> ErrorReport:
    return ErrorReport.objects.create(contact=contact, problem=problem, text=text[: ErrorReport.TEXT_MAX], email=email,
                                      language=language[:5])


def report_resolve(*, report: ErrorReport, user, status: str, note: str) -> ErrorReport:
    """Close a report. Its e-mail address is erased: it was only for questions."""
    if status not in (ErrorReport.Status.FIXED, ErrorReport.Status.NOT_REPRODUCIBLE, ErrorReport.Status.REJECTED):
        raise ValueError(f'"{status}" is not a resolution')
    report.status, report.resolution_note, report.resolved_by, report.resolved_at = status, note, user, timezone.now()
    report.email = ""
    report.save(update_fields=["status", "resolution_note", "resolved_by", "resolved_at", "email"])
    return report


# --- proposals (four eyes) ------------------------------------------------------------

M2M = ["kinds", "incident_types", "target_groups", "channels", "states", "districts"]
# What an organisation editor may change; provenance, identity and the organisation stay.
PROPOSABLE = [
    "name", "kinds", "all_incidents", "incident_types", "target_groups", "description_de", "description_en",
    "email", "website", "online_report_url", "channels", "opening_hours", "open_24_7", "languages", "barrier_free",
    "anonymous", "free_of_charge", "street", "postcode", "town", "district", "lat", "lng", "scope", "states", "districts",
    "phones",
]


def contact_values(contact: Contact) -> dict:
    """The proposable fields of a contact as a proposal stores them."""
    values = {}
    for name in PROPOSABLE:
        if name in M2M:
            values[name] = sorted(getattr(contact, name).values_list("pk", flat=True))
        elif name == "phones":
            values[name] = [[p.label, p.number] for p in contact.phones.order_by("position", "id")]
        else:
            f = Contact._meta.get_field(name)
            values[name] = getattr(contact, f.attname)
    return values


def proposal_submit(*, contact: Contact, user, values: dict, comment: str = "", via: str = "admin") -> Proposal | None:
    """Store the fields that differ from the contact as a proposal; None if nothing does."""
    unknown = sorted(set(values) - set(PROPOSABLE))
    if unknown:
        raise ValueError(f"not proposable: {', '.join(unknown)}")
    current = contact_values(contact)
    changes = {name: [current[name], value] for name, value in values.items() if current[name] != value}
    if not changes:
        return None
    return Proposal.objects.create(contact=contact, proposed_by=user, changes=_jsonable(changes), comment=comment, via=via)


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


class ProposalRefused(ValueError):
    pass


def proposal_approve(*, proposal: Proposal, user, note: str = "") -> Contact:
    """Publish a proposal: the contact takes the proposed values, recorded as one version
    (via review); the search index follows after the commit."""
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.status != Proposal.Status.OPEN:
            raise ProposalRefused(_("Dieser Vorschlag ist bereits erledigt."))
        contact = Contact.objects.select_for_update().get(pk=proposal.contact_id)
        new = {name: pair[1] for name, pair in proposal.changes.items()}
        scope = new.get("scope", contact.scope)
        states = State.objects.filter(pk__in=new["states"]) if "states" in new else contact.states.all()
        districts = District.objects.filter(pk__in=new["districts"]) if "districts" in new else contact.districts.all()
        errors = coverage_errors(scope, states, districts)
        if errors:
            raise ProposalRefused("; ".join(coverage_reason_text(e) for e in errors))
        reason = f"proposal {proposal.pk} by {proposal.proposed_by or '?'}"
        with history.recording(via=Via.REVIEW, user=user, reason=reason[:100]):
            for name, value in new.items():
                if name not in M2M and name != "phones":
                    setattr(contact, Contact._meta.get_field(name).attname, value)
            contact.save()
            for name in M2M:
                if name in new:
                    getattr(contact, name).set(new[name])
            if "phones" in new:
                contact.phones.all().delete()
                for position, (label, number) in enumerate(new["phones"]):
                    Phone.objects.create(contact=contact, label=label, number=number, position=position)
        proposal.status, proposal.reviewed_by, proposal.reviewed_at, proposal.review_note = (
            Proposal.Status.APPROVED, user, timezone.now(), note)
        proposal.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    return contact


def proposal_reject(*, proposal: Proposal, user, note: str) -> Proposal:
    if proposal.status != Proposal.Status.OPEN:
        raise ProposalRefused(_("Dieser Vorschlag ist bereits erledigt."))
    proposal.status, proposal.reviewed_by, proposal.reviewed_at, proposal.review_note = (
        Proposal.Status.REJECTED, user, timezone.now(), note)
    proposal.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    return proposal


# --- imports: named sources only ------------------------------------------------------


def import_refusal(*, user, source_slug: str, token=None) -> str | None:
    """Why this user (with this API token, if any) may not import into the source, in the
    active language, naming the source; None if they may. An import writes contacts
    directly, so it needs the permissions to add and publish contacts too."""
    if not (user and user.is_authenticated and user.is_active):
        return _("Bitte anmelden.")
    if not user.has_perm("importers.add_importrun"):
        return _("Ihr Konto darf nicht importieren (Berechtigung importers.add_importrun fehlt); "
                 "ein Administrator kann sie erteilen.")
    if not (user.has_perm("directory.add_contact") and user.has_perm("directory.publish_contact")):
        return _("Ihr Konto darf Kontakte nicht anlegen und veröffentlichen; ein Import in die Quelle „%(source)s“ "
                 "ist daher nicht erlaubt.") % {"source": source_slug}
    if token is not None and not token.sources.filter(slug=source_slug).exists():
        return _("Dieses Token darf nicht in die Quelle „%(source)s“ importieren; erlaubt: %(allowed)s.") % {
            "source": source_slug, "allowed": ", ".join(token.sources.order_by("slug").values_list("slug", flat=True)) or _("keine")}
    if not user.is_superuser and not ImportGrant.objects.filter(user=user, source__slug=source_slug).exists():
        return _("Ihr Konto darf nicht in die Quelle „%(source)s“ importieren; ein Administrator kann das Importrecht "
                 "für diese Quelle erteilen.") % {"source": source_slug}
    return None


def contacts_visible_to(user, queryset=None):
    """The contacts a user sees in the admin: all for staff, their organisations' for an
    organisation editor, none for anyone else."""
    from curation.rules import is_administrator, is_reviewer, organisations_of

    queryset = Contact.objects.all() if queryset is None else queryset
    if is_administrator(user) or is_reviewer(user):
        return queryset
    return queryset.filter(organisation_id__in=organisations_of(user))


def core_stale_filter():
    """Q for active, stale contacts of a core kind (the review queue's second rank)."""
    from django.db.models import Q

    from directory.reports import CORE_KINDS

    before = stale_before()
    return Q(active=True) & (Q(last_verified__isnull=True) | Q(last_verified__lt=before)) & Q(kinds__slug__in=CORE_KINDS)


__all__ = ["Scope"]
