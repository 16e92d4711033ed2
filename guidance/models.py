"""Guidance as data: the first steps an official can take after an incident (issue 16).

A step applies to some incident types (or all of them) and is general or a state variant.
A variant either replaces one general step for its states (same topic, more specific) or
adds a step there; it never contradicts the general step (the editors' rule, see
fixtures/guidance/README.md). `order` is urgency: smaller comes first, 10 is acute danger.
"""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from directory.models import Contact, ContactKind, IncidentType, State

_url = URLValidator(schemes=["http", "https"])


def validate_sources(value) -> None:
    """At least one source URL: every step says where its facts come from (issue 16)."""
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Mindestens eine Quelle (URL) angeben."))
    for url in value:
        try:
            _url(url if isinstance(url, str) else "")
        except ValidationError:
            raise ValidationError(_("„%(url)s“ ist keine gültige http(s)-Adresse."), params={"url": url}) from None


def validate_text_list(value) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise ValidationError(_("Eine Liste von Texten erwartet."))


class Step(models.Model):
    slug = models.SlugField(_("Kennung"), max_length=80, unique=True, help_text=_("stabil, z. B. secure-evidence-online"))
    order = models.PositiveSmallIntegerField(
        _("Dringlichkeit"), help_text=_("kleiner = dringender; 10 = akute Gefahr, 30 = Anzeige, 60 = Beratung")
    )
    all_incidents = models.BooleanField(_("für alle Vorfälle"), default=False)
    incident_types = models.ManyToManyField(IncidentType, blank=True, related_name="steps", verbose_name=_("für Vorfälle"))
    states = models.ManyToManyField(
        State, blank=True, related_name="steps", verbose_name=_("nur in Bundesländern"),
        help_text=_("leer: allgemeiner Schritt; sonst eine Landesvariante"),
    )
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="variants", verbose_name=_("ersetzt"),
        help_text=_("nur für Landesvarianten: der allgemeine Schritt, an dessen Stelle sie tritt; leer: ergänzt"),
    )
    title_de = models.CharField(_("Titel"), max_length=150)
    title_en = models.CharField(_("Titel (englisch)"), max_length=150, blank=True)
    summary_de = models.TextField(_("Kurztext"), help_text=_("zwei, drei Sätze"))
    summary_en = models.TextField(_("Kurztext (englisch)"), blank=True)
    body_de = models.TextField(_("Langtext"), blank=True, help_text=_("Absätze durch eine Leerzeile trennen"))
    body_en = models.TextField(_("Langtext (englisch)"), blank=True)
    kinds = models.ManyToManyField(
        ContactKind, blank=True, related_name="steps", verbose_name=_("Arten der Stellen, die helfen")
    )
    contacts = models.ManyToManyField(
        Contact, blank=True, related_name="steps", verbose_name=_("bestimmte Stellen, die helfen")
    )
    services = models.JSONField(
        _("genannte Angebote"), default=list, blank=True, validators=[validate_text_list],
        help_text=_("Namen der Angebote, die der Text meint (Liste)"),
    )
    sources = models.JSONField(_("Quellen (URLs)"), default=list, validators=[validate_sources])
    law = models.JSONField(
        _("Rechtsgrundlagen"), default=list, blank=True, validators=[validate_text_list],
        help_text=_("zitierte Vorschriften, z. B. § 77b StGB"),
    )
    last_reviewed = models.DateField(_("zuletzt geprüft"))
    notes = models.TextField(
        _("interne Notizen"), blank=True, help_text=_("offene Fragen, schwache Quellen; nicht öffentlich")
    )
    active = models.BooleanField(_("aktiv"), default=True)
    # SHA-256 of the fixture record as last loaded; empty for a step made in the admin
    # (guidance/loader.py: a step edited in the admin is never overwritten silently).
    fixture_digest = models.CharField(max_length=64, blank=True, editable=False)
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)

    class Meta:
        ordering = ["order", "slug"]
        verbose_name = _("Schritt")
        verbose_name_plural = _("Schritte")
        constraints = [
            models.CheckConstraint(condition=~Q(replaces=models.F("id")), name="step_not_replacing_itself"),
        ]
        indexes = [models.Index(fields=["updated_at"])]

    def __str__(self):
        return f"{self.title_de} ({self.slug})"

    @property
    def title(self) -> str:
        return self.title_en if get_language() == "en" and self.title_en else self.title_de
