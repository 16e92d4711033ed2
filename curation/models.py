"""Keeping every number true (issue 19): who may edit what, verifications, visitors' error
reports and organisation editors' proposals."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EditorMembership(models.Model):
    """An organisation editor: an account that may propose changes to the contacts of
    these organisations (a reviewer publishes them)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="editor_memberships",
                             verbose_name=_("Konto"))
    organisation = models.ForeignKey("directory.Organisation", on_delete=models.CASCADE, related_name="editor_memberships",
                                     verbose_name=_("Organisation"))

    class Meta:
        verbose_name = _("Redaktionszugang")
        verbose_name_plural = _("Redaktionszugänge")
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="editor_membership_unique")]

    def __str__(self):
        return f"{self.user} → {self.organisation}"


class ImportGrant(models.Model):
    """A source an account may import into (administrators may import into any)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_grants",
                             verbose_name=_("Konto"))
    source = models.ForeignKey("directory.Source", on_delete=models.CASCADE, related_name="import_grants", verbose_name=_("Quelle"))

    class Meta:
        verbose_name = _("Importrecht")
        verbose_name_plural = _("Importrechte")
        constraints = [models.UniqueConstraint(fields=["user", "source"], name="import_grant_unique")]

    def __str__(self):
        return f"{self.user} → {self.source.slug}"


class Verification(models.Model):
    """A person checked a contact's details with the organisation (issue 19)."""

    class Method(models.TextChoices):
        PHONE = "phone", _("Anruf")
        WEBSITE = "website", _("Webseite der Organisation")
        WRITTEN = "written", _("schriftliche Bestätigung")
        OTHER = "other", _("anders")

    contact = models.ForeignKey("directory.Contact", on_delete=models.CASCADE, related_name="verifications",
                                verbose_name=_("Kontakt"))
    verified_on = models.DateField(_("geprüft am"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                             verbose_name=_("geprüft von"))
    method = models.CharField(_("Art der Prüfung"), max_length=10, choices=Method.choices)
    note = models.TextField(_("Notiz"), blank=True, max_length=2000)
    recorded_at = models.DateTimeField(_("erfasst"), default=timezone.now)

    class Meta:
        ordering = ["-verified_on", "-id"]
        verbose_name = _("Prüfung")
        verbose_name_plural = _("Prüfungen")

    def __str__(self):
        return f"{self.contact} {self.verified_on} ({self.get_method_display()})"


class ErrorReport(models.Model):
    """A visitor's "Angabe falsch?" report. No client address is stored; the optional
    e-mail address is erased when the report is resolved."""

    class Problem(models.TextChoices):
        PHONE = "phone", _("Telefonnummer")
        EMAIL = "email", _("E-Mail-Adresse")
        ADDRESS = "address", _("Adresse")
        WEBSITE = "website", _("Webseite")
        GONE = "gone", _("gibt es nicht mehr")
        OTHER = "other", _("etwas anderes")

    class Status(models.TextChoices):
        OPEN = "open", _("offen")
        FIXED = "fixed", _("behoben")
        NOT_REPRODUCIBLE = "not_reproducible", _("nicht nachvollziehbar")
        REJECTED = "rejected", _("abgelehnt")

    TEXT_MAX = 1000

    contact = models.ForeignKey("directory.Contact", on_delete=models.CASCADE, related_name="error_reports",
                                verbose_name=_("Kontakt"))
    problem = models.CharField(_("Was ist falsch?"), max_length=10, choices=Problem.choices)
    text = models.TextField(_("Beschreibung"), max_length=TEXT_MAX, blank=True)
    email = models.EmailField(_("E-Mail für Rückfragen"), blank=True)
    language = models.CharField(_("Sprache"), max_length=5, blank=True)
    created_at = models.DateTimeField(_("gemeldet"), default=timezone.now, db_index=True)
    status = models.CharField(_("Stand"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                    verbose_name=_("erledigt von"))
    resolved_at = models.DateTimeField(_("erledigt"), null=True, blank=True)
    resolution_note = models.TextField(_("Vermerk"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Fehlermeldung")
        verbose_name_plural = _("Fehlermeldungen")

    def __str__(self):
        return f"{self.contact}: {self.get_problem_display()}"


class Proposal(models.Model):
    """An organisation editor's change to a contact, published when a reviewer approves it
    (four eyes). Until then the public, the API and the search index see the old version.

    `changes`: field → [value when proposed, proposed value], values as stored (relations
    as lists of ids, phones as [[label, number], ...])."""

    class Status(models.TextChoices):
        OPEN = "open", _("wartet auf Freigabe")
        APPROVED = "approved", _("freigegeben")
        REJECTED = "rejected", _("abgelehnt")

    contact = models.ForeignKey("directory.Contact", on_delete=models.CASCADE, related_name="proposals", verbose_name=_("Kontakt"))
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                                    verbose_name=_("vorgeschlagen von"))
    proposed_at = models.DateTimeField(_("vorgeschlagen"), default=timezone.now)
    via = models.CharField(_("Weg"), max_length=10, default="admin")
    changes = models.JSONField(_("Änderungen"), default=dict)
    comment = models.TextField(_("Begründung"), blank=True, max_length=2000)
    status = models.CharField(_("Stand"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                    verbose_name=_("geprüft von"))
    reviewed_at = models.DateTimeField(_("geprüft"), null=True, blank=True)
    review_note = models.TextField(_("Vermerk"), blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("Änderungsvorschlag")
        verbose_name_plural = _("Änderungsvorschläge")

    def __str__(self):
        return f"{self.contact}: {', '.join(self.changes)}"
