"""The directory: reference geography, taxonomies and the contacts themselves.

The database is the source of truth (DESIGN.md "Architecture"); the search index is built
from these tables and can be rebuilt from them at any time.
"""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

LATITUDE = [MinValueValidator(-90), MaxValueValidator(90)]
LONGITUDE = [MinValueValidator(-180), MaxValueValidator(180)]


class State(models.Model):
    """One of the 16 Länder."""

    ags = models.CharField(_("AGS"), max_length=2, unique=True, help_text=_("Amtlicher Gemeindeschlüssel, z. B. 09"))
    code = models.CharField(_("Kürzel"), max_length=2, unique=True, help_text=_("z. B. BY"))
    iso = models.CharField(_("ISO 3166-2"), max_length=5, unique=True, help_text=_("z. B. DE-BY"))
    name = models.CharField(_("Name"), max_length=100)
    name_en = models.CharField(_("Name (englisch)"), max_length=100)
    slug = models.SlugField(_("Slug"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Bundesland")
        verbose_name_plural = _("Bundesländer")

    def __str__(self):
        return self.name

    @property
    def label(self) -> str:
        return self.name_en if get_language() == "en" else self.name


class District(models.Model):
    """A Kreis or kreisfreie Stadt (400 of them), keyed by its 5-digit AGS."""

    class Kind(models.TextChoices):
        LANDKREIS = "Landkreis", _("Landkreis")
        KREIS = "Kreis", _("Kreis")
        KREISFREIE_STADT = "kreisfreie Stadt", _("kreisfreie Stadt")
        STADTKREIS = "Stadtkreis", _("Stadtkreis")
        REGIONALVERBAND = "Regionalverband", _("Regionalverband")

    ags = models.CharField(_("AGS"), max_length=5, unique=True, help_text=_("z. B. 09162"))
    nuts3 = models.CharField(_("NUTS-3"), max_length=5, unique=True, help_text=_("z. B. DE212"))
    name = models.CharField(_("amtlicher Name"), max_length=150)
    short_name = models.CharField(_("Name"), max_length=150)
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices)
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="districts", verbose_name=_("Bundesland"))
    slug = models.SlugField(_("Slug"), max_length=150, unique=True)
    lat = models.FloatField(_("Breite"), validators=LATITUDE)
    lng = models.FloatField(_("Länge"), validators=LONGITUDE)

    class Meta:
        ordering = ["short_name", "ags"]
        verbose_name = _("Kreis")
        verbose_name_plural = _("Kreise")

    def __str__(self):
        return f"{self.short_name} ({self.get_kind_display()})"


class PostalCode(models.Model):
    """A German postcode (PLZ) with its centre and every district it touches."""

    code = models.CharField(_("PLZ"), max_length=5, unique=True)
    lat = models.FloatField(_("Breite"), validators=LATITUDE)
    lng = models.FloatField(_("Länge"), validators=LONGITUDE)
    primary_district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="primary_postcodes", verbose_name=_("Hauptkreis")
    )
    # DESIGN.md: a postcode that spans districts counts as all of them.
    districts = models.ManyToManyField(District, related_name="postcodes", verbose_name=_("Kreise"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("Postleitzahl")
        verbose_name_plural = _("Postleitzahlen")

    def __str__(self):
        return self.code


class Place(models.Model):
    """A named place (town or part of town) at a postcode, for "near=Erfurt"."""

    name = models.CharField(_("Ort"), max_length=150, db_index=True)
    name_key = models.CharField(max_length=150, db_index=True, editable=False)
    postal_code = models.ForeignKey(PostalCode, on_delete=models.CASCADE, related_name="places")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="places")
    lat = models.FloatField(validators=LATITUDE)
    lng = models.FloatField(validators=LONGITUDE)

    class Meta:
        ordering = ["name", "postal_code__code"]
        verbose_name = _("Ort")
        verbose_name_plural = _("Orte")

    def __str__(self):
        return f"{self.postal_code.code} {self.name}"


class Term(models.Model):
    """A taxonomy term with a stable slug and German and English labels."""

    slug = models.SlugField(_("Kennung"), max_length=40, unique=True)
    name_de = models.CharField(_("Bezeichnung"), max_length=150)
    name_en = models.CharField(_("Bezeichnung (englisch)"), max_length=150)
    description_de = models.TextField(_("Erläuterung"), blank=True)
    description_en = models.TextField(_("Erläuterung (englisch)"), blank=True)
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "slug"]

    def __str__(self):
        return self.name_de

    @property
    def label(self) -> str:
        return self.name_en if get_language() == "en" else self.name_de


class IncidentType(Term):
    class Meta(Term.Meta):
        verbose_name = _("Vorfallart")
        verbose_name_plural = _("Vorfallarten")


class ContactKind(Term):
    class Meta(Term.Meta):
        verbose_name = _("Art der Stelle")
        verbose_name_plural = _("Arten der Stellen")


class TargetGroup(Term):
    class Meta(Term.Meta):
        verbose_name = _("Zielgruppe")
        verbose_name_plural = _("Zielgruppen")


class Channel(Term):
    class Meta(Term.Meta):
        verbose_name = _("Kontaktweg")
        verbose_name_plural = _("Kontaktwege")


class Source(models.Model):
    """Where contacts come from: a partner's list, the demo data, manual entry."""

    slug = models.SlugField(_("Kennung"), max_length=60, unique=True)
    name = models.CharField(_("Name"), max_length=200)
    url = models.URLField(_("Webseite"), blank=True)
    notes = models.TextField(_("Notizen"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Quelle")
        verbose_name_plural = _("Quellen")

    def __str__(self):
        return self.name


class Organisation(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("Name"), max_length=250, unique=True)
    slug = models.SlugField(_("Slug"), max_length=120, unique=True)
    website = models.URLField(_("Webseite"), blank=True, max_length=500)
    description = models.TextField(_("Beschreibung"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Organisation")
        verbose_name_plural = _("Organisationen")

    def __str__(self):
        return self.name


class Scope(models.TextChoices):
    NATIONAL = "national", _("bundesweit")
    STATE = "state", _("landesweit")
    DISTRICT = "district", _("kreisweit")
    LOCAL = "local", _("lokal")


class ChangeContext(models.Model):
    """What the history adds to each recorded version of a contact (directory/history.py):
    the path a change came through and, for an import, its run."""

    class Via(models.TextChoices):
        ADMIN = "admin", _("Verwaltung")
        IMPORT = "import", _("Import")
        API = "api", _("API")
        COMMAND = "command", _("Befehl")
        REVIEW = "review", _("Freigabe eines Vorschlags")
        OTHER = "other", _("anderer Weg")

    via = models.CharField(_("Weg"), max_length=10, choices=Via.choices, default=Via.OTHER)
    import_run_id = models.BigIntegerField(_("Importlauf"), null=True, blank=True)

    class Meta:
        abstract = True


class Contact(models.Model):
    """One office, hotline or service of an organisation.

    Coverage is not location (DESIGN.md): the address says where the office is, while
    scope + covered states/districts say for whom it is responsible.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("Slug"), max_length=120, unique=True)
    name = models.CharField(_("Name"), max_length=250)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="contacts",
        verbose_name=_("Organisation"),
    )
    kinds = models.ManyToManyField(ContactKind, related_name="contacts", verbose_name=_("Art der Stelle"))
    incident_types = models.ManyToManyField(
        IncidentType, related_name="contacts", blank=True, verbose_name=_("hilft bei")
    )
    # A general helper (police online reporting, a municipal association, a crisis line)
    # helps with every incident: it appears for every incident filter (issue 15). Its
    # incident_types stay empty, so a facet count never counts it twice.
    all_incidents = models.BooleanField(
        _("hilft bei allen Vorfällen"), default=False,
        help_text=_("Für allgemeine Anlaufstellen; dann keine einzelnen Vorfallarten auswählen."),
    )
    target_groups = models.ManyToManyField(
        TargetGroup, related_name="contacts", blank=True, verbose_name=_("Zielgruppen")
    )
    channels = models.ManyToManyField(Channel, related_name="contacts", blank=True, verbose_name=_("Kontaktwege"))
    description_de = models.TextField(_("Beschreibung"), blank=True)
    description_en = models.TextField(_("Beschreibung (englisch)"), blank=True)

    # Location: where the office is (a hotline may have none).
    street = models.CharField(_("Straße und Hausnummer"), max_length=200, blank=True)
    postcode = models.CharField(_("PLZ"), max_length=5, blank=True)
    town = models.CharField(_("Ort"), max_length=150, blank=True)
    lat = models.FloatField(_("Breite"), null=True, blank=True, validators=LATITUDE)
    lng = models.FloatField(_("Länge"), null=True, blank=True, validators=LONGITUDE)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, related_name="located_contacts",
        verbose_name=_("Kreis des Standorts"),
    )

    # Coverage: for whom the contact is responsible.
    scope = models.CharField(_("Zuständigkeit"), max_length=10, choices=Scope.choices)
    states = models.ManyToManyField(
        State, related_name="covering_contacts", blank=True, verbose_name=_("zuständig für Bundesländer")
    )
    districts = models.ManyToManyField(
        District, related_name="covering_contacts", blank=True, verbose_name=_("zuständig für Kreise")
    )

    email = models.EmailField(_("E-Mail"), blank=True)
    website = models.URLField(_("Webseite"), blank=True, max_length=500)
    online_report_url = models.URLField(_("Online melden"), blank=True, max_length=500)
    opening_hours = models.CharField(
        _("Öffnungszeiten"), max_length=255, blank=True,
        help_text=_("OpenStreetMap-Syntax, z. B. „Mo-Fr 09:00-17:00; PH off“"),
    )
    open_24_7 = models.BooleanField(_("rund um die Uhr"), default=False)
    languages = models.JSONField(_("Sprachen"), default=list, blank=True, help_text=_("ISO-639-1-Codes, z. B. de, en, tr"))
    barrier_free = models.BooleanField(_("barrierefrei"), null=True, blank=True)
    anonymous = models.BooleanField(_("anonym möglich"), null=True, blank=True)
    free_of_charge = models.BooleanField(_("kostenlos"), null=True, blank=True)

    # Provenance: a wrong phone number in a crisis does harm (DESIGN.md).
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, null=True, blank=True, related_name="contacts", verbose_name=_("Quelle")
    )
    external_id = models.CharField(_("ID in der Quelle"), max_length=120, blank=True)
    source_url = models.URLField(_("Beleg (URL)"), blank=True, max_length=1000)
    source_date = models.CharField(
        _("Stand der Quelle"), max_length=10, blank=True,
        validators=[RegexValidator(r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$", _("Jahr, Jahr-Monat oder Datum, z. B. 2025-03"))],
        help_text=_("Datum, das die Belegseite selbst nennt (JJJJ, JJJJ-MM oder JJJJ-MM-TT)"),
    )
    notes = models.TextField(
        _("interne Notizen"), blank=True,
        help_text=_("Weitere Belege, Widersprüche zwischen Quellen, offene Fragen; nicht öffentlich."),
    )
    last_verified = models.DateField(_("zuletzt geprüft"), null=True, blank=True)
    active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(_("angelegt"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)

    # Every version of the contact, its relations (m2m_fields) and its phones
    # (HistoricalContactPhone), written by directory/history.py from the one change
    # notification, never by simple-history's own signals (settings.SIMPLE_HISTORY_ENABLED).
    # history_id is the order in which versions were committed (directory/history.py).
    history = HistoricalRecords(
        bases=[ChangeContext],
        m2m_fields=["kinds", "incident_types", "target_groups", "channels", "states", "districts"],
        history_id_field=models.BigAutoField(primary_key=True),
        verbose_name=_("Version eines Kontakts"),
        verbose_name_plural=_("Versionen der Kontakte"),
        # Only the lookups the history makes keep their index: by contact (id, uuid) and
        # by version (the m2m rows' history). Fewer indexes keep an import's bulk history fast.
        no_db_index=["slug", "organisation", "district", "source", "contact", "contactkind", "incidenttype", "targetgroup",
                     "channel", "state"],
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("Kontakt")
        verbose_name_plural = _("Kontakte")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], condition=~Q(external_id=""), name="contact_source_id_unique"
            ),
            models.CheckConstraint(condition=Q(scope__in=Scope.values), name="contact_scope_valid"),
            models.CheckConstraint(
                condition=Q(lat__isnull=True, lng__isnull=True) | Q(lat__isnull=False, lng__isnull=False),
                name="contact_point_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["active", "scope"]),
            models.Index(fields=["updated_at"]),
            # Lists ordered by name (API contacts/, pages) walk this instead of sorting:
            # 31 → 4 ms for a state's first page at 20k contacts on SQLite.
            models.Index(fields=["name", "id"], name="contact_name_order"),
        ]

    def __str__(self):
        return self.name

    @property
    def description(self) -> str:
        if get_language() == "en" and self.description_en:
            return self.description_en
        return self.description_de

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lng is not None


class Phone(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    label = models.CharField(_("Bezeichnung"), max_length=100, blank=True)
    # E.164, or the bare digits of a short service number (116006), which has no E.164 form.
    number = models.CharField(_("Nummer (E.164)"), max_length=20, help_text=_("z. B. +4971154013003 oder 116006"))
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("Telefonnummer")
        verbose_name_plural = _("Telefonnummern")
        constraints = [
            models.CheckConstraint(condition=Q(number__regex=r"^(\+[1-9][0-9]{2,14}|[0-9]{3,6})$"), name="phone_e164_or_short"),
        ]

    def __str__(self):
        return f"{self.label}: {self.number}" if self.label else self.number


class HistoricalContactPhone(models.Model):
    """A contact's phones as they were in one recorded version (directory/history.py); the
    phones' counterpart of simple-history's historical many-to-many rows."""

    history = models.ForeignKey(
        "directory.HistoricalContact", on_delete=models.DO_NOTHING, db_constraint=False, related_name="recorded_phones"
    )
    phone_id = models.BigIntegerField()
    label = models.CharField(_("Bezeichnung"), max_length=100, blank=True)
    number = models.CharField(_("Nummer (E.164)"), max_length=20)
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        ordering = ["position", "phone_id"]
        verbose_name = _("Telefonnummer einer Version")
        verbose_name_plural = _("Telefonnummern der Versionen")

    def __str__(self):
        return f"{self.label}: {self.number}" if self.label else self.number


class ContactSlugHistory(models.Model):
    """An old slug keeps working: it redirects to the contact (DESIGN.md "URLs")."""

    slug = models.SlugField(max_length=120, unique=True)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="old_slugs")
    retired_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("früherer Slug")
        verbose_name_plural = _("frühere Slugs")

    def __str__(self):
        return self.slug


class ReferenceVersion(models.Model):
    """Which version (SHA-256) of a reference data set is loaded, so reloading is a no-op."""

    name = models.CharField(max_length=50, unique=True)
    sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.name} {self.sha256[:12]}"


class ReviewItem(Contact):
    """The review queue in the admin (directory.admin.ReviewQueueAdmin): contacts ordered by
    how urgently a person should check them."""

    class Meta:
        proxy = True
        verbose_name = _("Prüfliste")
        verbose_name_plural = _("Prüfliste")


class ContactChange(models.Model):
    """One entry of the change feed (GET /api/v1/changes/, issue 20), written by
    services.contacts_touched in the writer's transaction. The id is the feed's cursor:
    change rows commit in id order (services.changes_record), so a reader that pages by id
    never passes over a change that commits later."""

    # A plain integer, not a foreign key: a deleted contact keeps its changes (its tombstone).
    contact_id = models.BigIntegerField()
    uuid = models.UUIDField()
    at = models.DateTimeField()
    # As written: the contact was inactive (unpublished) or deleted. The feed answers with
    # the contact's state when it is read, not with this.
    tombstone = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("Änderung")
        verbose_name_plural = _("Änderungen")
        indexes = [models.Index(fields=["at"]), models.Index(fields=["contact_id"])]

    def __str__(self):
        return f"{self.id}: {self.uuid}"
