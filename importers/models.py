"""The history of imports: who loaded which file into which source, and what happened."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("wartet")
        RUNNING = "running", _("läuft")
        PREVIEWED = "previewed", _("Probelauf")
        APPLIED = "applied", _("importiert")
        REJECTED = "rejected", _("abgelehnt (Fehler)")
        FAILED = "failed", _("fehlgeschlagen")

    FINISHED = (Status.PREVIEWED, Status.APPLIED, Status.REJECTED, Status.FAILED)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("von")
    )
    started_at = models.DateTimeField(_("begonnen"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("beendet"), null=True, blank=True)
    # Taken inside the import's transaction, under the source's lock: for two imports of
    # one source the later applied_at is the one whose data is live (a run is recorded only
    # after its index push, so neither started_at nor the id tells the commit order).
    applied_at = models.DateTimeField(_("übernommen"), null=True, blank=True, db_index=True)
    via = models.CharField(_("über"), max_length=20, default="command", help_text=_("command, admin oder api"))
    filename = models.CharField(_("Datei"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("Größe (Bytes)"), default=0)
    source_slug = models.CharField(_("Quelle"), max_length=60, db_index=True)
    source = models.ForeignKey(
        "directory.Source", on_delete=models.SET_NULL, null=True, blank=True, related_name="import_runs", verbose_name=_("Quelle (Objekt)")
    )
    dry_run = models.BooleanField(_("Probelauf"), default=True)
    status = models.CharField(_("Ergebnis"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    # A run is checked and stored by the web process, then done by the task worker
    # (importers/tasks.py), which reports its progress here; the heartbeat tells a worker
    # that died from one that works (importers/services.py imports_recover).
    phase = models.CharField(_("Schritt"), max_length=20, blank=True)
    progress_done = models.PositiveIntegerField(_("erledigt"), default=0)
    progress_total = models.PositiveIntegerField(_("insgesamt"), default=0)
    heartbeat_at = models.DateTimeField(_("zuletzt aktiv"), null=True, blank=True)
    # host:pid:start of the process doing the run: a worker on the same host is known alive
    # by its process, whatever its heartbeat (importers/tasks.py imports_recover).
    worker = models.CharField(_("Worker"), max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(_("Versuche"), default=0)
    failure = models.TextField(_("Abbruch"), blank=True)
    language = models.CharField(_("Sprache der Meldungen"), max_length=10, blank=True)
    mapping = models.JSONField(_("Zuordnung"), null=True, blank=True)
    expected_plan_digest = models.CharField(_("bestätigter Plan"), max_length=64, blank=True)
    options = models.JSONField(_("Optionen"), default=dict, blank=True)
    rows = models.PositiveIntegerField(_("Zeilen"), default=0)
    created = models.PositiveIntegerField(_("neu"), default=0)
    updated = models.PositiveIntegerField(_("geändert"), default=0)
    unchanged = models.PositiveIntegerField(_("unverändert"), default=0)
    deactivated = models.PositiveIntegerField(_("deaktiviert"), default=0)
    invalid = models.PositiveIntegerField(_("fehlerhafte Zeilen"), default=0)
    errors = models.JSONField(_("Fehler"), default=list, blank=True)
    report = models.JSONField(_("Bericht"), default=dict, blank=True)
    plan_digest = models.CharField(_("Plan-Prüfsumme"), max_length=64, blank=True)
    # The uploaded bytes, in the database so that the task worker reads them and any web
    # worker can confirm a preview (workers are stateless, DESIGN.md). A preview keeps them
    # until it is confirmed; a real run drops them once it has finished.
    upload = models.BinaryField(null=True, blank=True, editable=False)
    confirmed_by = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="preview", verbose_name=_("bestätigt durch Lauf")
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("Importlauf")
        verbose_name_plural = _("Importläufe")

    def __str__(self):
        kind = _("Probelauf") if self.dry_run else _("Import")
        return f"{kind} {self.filename} → {self.source_slug} ({self.started_at:%Y-%m-%d %H:%M})"


class RowFingerprint(models.Model):
    """The digest of the file row a contact was last imported from (issue 4: re-importing an
    unchanged file must be fast). A row whose digest matches skips validation and diffing,
    but only while the contact is exactly as that import left it: `contact_updated_at`
    must still equal the contact's `updated_at`, which every other change moves (a change
    to phones, relations or the organisation too: directory/signals.py restamps it)."""

    contact = models.OneToOneField("directory.Contact", on_delete=models.CASCADE, primary_key=True, related_name="+")
    fingerprint = models.CharField(max_length=64)
    contact_updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("Zeilen-Fingerabdruck")
        verbose_name_plural = _("Zeilen-Fingerabdrücke")

    def __str__(self):
        return f"{self.contact_id}: {self.fingerprint[:12]}"


class GeocodeResult(models.Model):
    """What the online geocoder answered for an address, shared by every process (issue 17:
    a per-process cache asked again in each worker and after each restart)."""

    key = models.CharField(max_length=64, primary_key=True)  # importers.geocoders.geocode_key
    query = models.JSONField()
    found = models.BooleanField(default=False)
    address = models.TextField(blank=True)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Geocodierung")
        verbose_name_plural = _("Geocodierungen")


class GeocodePending(models.Model):
    """An address an import placed by the offline gazetteer (at `lat`, `lng`) that waits for
    the online geocoder: `manage.py geocode_addresses`, outside any request."""

    key = models.CharField(max_length=64, primary_key=True)
    query = models.JSONField()
    lat = models.FloatField()  # the gazetteer's point the import gave the contacts
    lng = models.FloatField()
    queued_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("offene Geocodierung")
        verbose_name_plural = _("offene Geocodierungen")


class GeocoderPace(models.Model):
    """When a geocoding service may be asked next, for all processes together (its usage
    policy: Nominatim allows one request per second)."""

    name = models.CharField(max_length=60, primary_key=True)
    next_at = models.FloatField(default=0.0)  # seconds since the epoch


def _mapping_empty():
    return {"columns": {}, "values": {}}


class SourceMapping(models.Model):
    """The mapping a source's files need (issue 22): their headers and values → ours, in the
    one format of importers/columns.py. Stored when an import that used it is applied (a
    preview stores nothing), applied to every later file of the source, editable here and
    exported as the command line's --mapping file."""

    source = models.OneToOneField(
        "directory.Source", on_delete=models.CASCADE, primary_key=True, related_name="import_mapping", verbose_name=_("Quelle")
    )
    mapping = models.JSONField(_("Zuordnung"), default=_mapping_empty)
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("von")
    )

    class Meta:
        verbose_name = _("Zuordnung einer Quelle")
        verbose_name_plural = _("Zuordnungen der Quellen")

    def __str__(self):
        return str(self.source)
