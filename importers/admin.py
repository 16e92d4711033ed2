"""Import history (read-only) and the upload page: upload → dry-run diff → confirm → import.

An upload is checked and stored, and the page answers at once with the run's progress
page, which refreshes itself until the task worker is done (importers/tasks.py); then it
shows the dry run's plan. The confirmation imports the bytes kept with the preview run,
after checking that their SHA-256 is the one shown and recorded, and insists on the
previewed plan (digest): a different file, or a directory that changed meanwhile, cannot
slip in.

Partner files (issue 22): the preview offers to map what it did not know (a header, a value
of a taxonomy column or the scope) right there, and checks the stored bytes again with that
mapping (a new preview; nothing is stored yet). The confirmed import stores the mapping with
its source (importers.models.SourceMapping), where it is shown, edited and exported as the
command line's --mapping file, and applied to the source's next file.
"""

import hashlib
import json

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.http import HttpResponse
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from importers.columns import CANONICAL, SCOPE_VALUES, mapping_check, mapping_merge, mapping_size
from importers.models import ImportRun, SourceMapping
from importers.readers import grouped
from importers.services import ImportRefused, preview_expired, previews_expire, value_targets
from importers.tasks import import_submit
from importers.validate import TERM_MODELS

# The canonical columns as an administrator knows them (the German header of the README).
COLUMN_LABELS = {
    "source_id": _("Quell-ID"), "name": _("Name"), "organisation": _("Träger / Organisation"), "kinds": _("Art"),
    "incident_types": _("Vorfallarten"), "target_groups": _("Zielgruppen"), "channels": _("Kontaktwege"),
    "description_de": _("Beschreibung"), "description_en": _("Beschreibung (englisch)"), "scope": _("Zuständigkeit"),
    "states": _("Bundesland"), "districts": _("Landkreis"), "street": _("Straße"), "postcode": _("PLZ"), "town": _("Ort"),
    "lat": _("Breite"), "lng": _("Länge"), "phone": _("Telefon"), "email": _("E-Mail"), "website": _("Webseite"),
    "online_report_url": _("Online melden"), "opening_hours": _("Öffnungszeiten"), "open_24_7": _("Rund um die Uhr"),
    "languages": _("Sprachen"), "barrier_free": _("Barrierefrei"), "anonymous": _("Anonym"), "free_of_charge": _("Kostenlos"),
    "source_url": _("Quelle (URL)"), "source_date": _("Stand der Quelle"), "notes": _("Interne Notizen"),
    "last_verified": _("Zuletzt geprüft"), "active": _("Aktiv"), "uuid": _("UUID"),
}
SCOPE_LABELS = {"national": _("bundesweit"), "state": _("landesweit"), "district": _("kreisweit"), "local": _("lokal")}
IGNORE = "-"  # the choice "ignore this column / drop this value" ("" in the mapping)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Datei (CSV, XLSX oder JSON)"))
    source = forms.SlugField(label=_("Quelle (Kennung)"), max_length=60, help_text=_("z. B. weisser-ring; eine neue Quelle wird angelegt"))
    skip_invalid = forms.BooleanField(label=_("fehlerhafte Zeilen überspringen"), required=False)
    no_deactivate = forms.BooleanField(label=_("fehlende Kontakte nicht deaktivieren"), required=False)

    def clean_file(self):
        # The size before the bytes: an oversized file is never read into memory (Django
        # keeps a large upload in a temporary file), stored or queued (issue 17).
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            message = gettext("die Datei hat %(size)s Bytes; erlaubt sind höchstens %(limit)s Bytes (IMPORT_MAX_BYTES); "
                              "bitte in kleinere Dateien aufteilen") % {"size": grouped(upload.size), "limit": grouped(limit)}
            raise forms.ValidationError(message[:1].upper() + message[1:])
        return upload


class ConfirmForm(forms.Form):
    run = forms.IntegerField(widget=forms.HiddenInput)
    sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)


def _term_choices(column: str) -> list[tuple[str, str]]:
    if column == "scope":
        return [(value, f"{SCOPE_LABELS[value]} ({value})") for value in SCOPE_VALUES]
    english = (get_language() or "").startswith("en")
    return [(term.slug, f"{term.name_en if english else term.name_de} ({term.slug})")
            for term in TERM_MODELS[column].objects.order_by("position", "slug")]


class MappingForm(forms.Form):
    """One choice per unknown header and value of a preview. The headers and values come
    from the stored run, never from the request: the form only says which choice for which
    of them (by position)."""

    run = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, unmapped: dict, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.items: list[tuple[str, str, str]] = []  # (field name, column or "", their header or value)
        column_choices = [("", _("— nicht zuordnen —")), (IGNORE, _("Spalte ignorieren"))] + [
            (column, f"{COLUMN_LABELS[column]} ({column})") for column in CANONICAL]
        for index, header in enumerate(unmapped.get("columns", [])):
            name = f"column_{index}"
            self.fields[name] = forms.ChoiceField(label=_('Spalte "%(header)s"') % {"header": header}, choices=column_choices, required=False)
            self.items.append((name, "", header))
        for column, values in unmapped.get("values", {}).items():
            if column != "scope" and column not in TERM_MODELS:
                continue
            choices = [("", _("— nicht zuordnen —"))] + ([] if column == "scope" else [(IGNORE, _("Wert weglassen"))]) + _term_choices(column)
            for index, value in enumerate(values):
                name = f"value_{column}_{index}"
                label = _('%(column)s: "%(value)s"') % {"column": COLUMN_LABELS[column], "value": value}
                self.fields[name] = forms.ChoiceField(label=label, choices=choices, required=False)
                self.items.append((name, column, value))

    def mapping(self) -> dict:
        chosen = {"columns": {}, "values": {}}
        for name, column, theirs in self.items:
            choice = self.cleaned_data.get(name) or ""
            if not choice:
                continue
            ours = "" if choice == IGNORE else choice
            if column:
                chosen["values"].setdefault(column, {})[theirs] = ours
            else:
                chosen["columns"][theirs] = ours
        return chosen


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "applied_at", "user", "via", "filename", "source_slug", "dry_run", "status", "created", "updated", "unchanged", "deactivated", "invalid"]
    list_filter = ["status", "dry_run", "via", "source_slug"]
    search_fields = ["filename", "sha256", "source_slug"]
    exclude = ["upload"]
    date_hierarchy = "started_at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "upload"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="importers_importrun_upload"),
            path("confirm/", self.admin_site.admin_view(self.confirm_view), name="importers_importrun_confirm"),
            path("remap/", self.admin_site.admin_view(self.remap_view), name="importers_importrun_remap"),
            path("<int:run_id>/progress/", self.admin_site.admin_view(self.progress_view), name="importers_importrun_progress"),
        ] + super().get_urls()

    def _check(self, request):
        # Uploading needs the contact permissions; which source, is checked per upload.
        if not (request.user.has_perm("directory.add_contact") and request.user.has_perm("directory.publish_contact")):
            raise PermissionDenied

    def _refusal(self, request, source_slug: str) -> str | None:
        from curation.services import import_refusal

        return import_refusal(user=request.user, source_slug=source_slug)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "upload_url": reverse("admin:importers_importrun_upload")}
        return super().changelist_view(request, extra_context)

    def upload_view(self, request):
        self._check(request)
        previews_expire()
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid() and (refusal := self._refusal(request, form.cleaned_data["source"])):
            form.add_error("source", refusal)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                run = import_submit(
                    data=upload.read(), filename=upload.name, source_slug=form.cleaned_data["source"], dry_run=True,
                    skip_invalid=form.cleaned_data["skip_invalid"], deactivate=not form.cleaned_data["no_deactivate"],
                    user=request.user, via="admin",
                )
            except ImportRefused as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return redirect("admin:importers_importrun_progress", run_id=run.pk)
        return self._render(request, "admin/importers/upload.html", None, form=form)

    def confirm_view(self, request):
        self._check(request)
        previews_expire()
        form = ConfirmForm(request.POST or None)
        if request.method != "POST" or not form.is_valid():
            return redirect("admin:importers_importrun_upload")
        preview = get_object_or_404(
            ImportRun, pk=form.cleaned_data["run"], dry_run=True, user=request.user, via="admin", status=ImportRun.Status.PREVIEWED,
        )
        refusal = self._refusal(request, preview.source_slug)
        if refusal:
            messages.error(request, refusal)
            return redirect("admin:importers_importrun_upload")
        data = bytes(preview.upload or b"")
        if preview.confirmed_by_id or not data or preview_expired(preview):
            messages.error(request, _("Dieser Probelauf wurde bereits bestätigt oder ist abgelaufen. Bitte die Datei erneut hochladen."))
            return redirect("admin:importers_importrun_upload")
        if not (hashlib.sha256(data).hexdigest() == preview.sha256 == form.cleaned_data["sha256"]):
            messages.error(request, _("Die Datei stimmt nicht mit dem Probelauf überein (SHA-256). Nichts wurde importiert."))
            return redirect("admin:importers_importrun_upload")
        run = import_submit(
            data=data, filename=preview.filename, source_slug=preview.source_slug, dry_run=False,
            skip_invalid=preview.options.get("skip_invalid", False), deactivate=preview.options.get("deactivate", True),
            user=request.user, via="admin", expected_plan_digest=preview.plan_digest,
            # Exactly the mapping the preview used (its digest covers it): a stored mapping
            # edited meanwhile cannot change what is imported.
            mapping=(preview.report or {}).get("mapping") or None,
        )
        preview.upload = None
        preview.confirmed_by = run
        preview.save(update_fields=["upload", "confirmed_by"])
        return redirect("admin:importers_importrun_progress", run_id=run.pk)

    def remap_view(self, request):
        """The preview's choices → a new preview of the same stored bytes with them."""
        self._check(request)
        preview = get_object_or_404(
            ImportRun, pk=request.POST.get("run") if request.method == "POST" and str(request.POST.get("run", "")).isdigit() else 0,
            dry_run=True, user=request.user, via="admin", status__in=[ImportRun.Status.PREVIEWED, ImportRun.Status.REJECTED],
        )
        if preview.confirmed_by_id or preview.upload is None:
            messages.error(request, _("Dieser Probelauf wurde bereits bestätigt oder ist abgelaufen. Bitte die Datei erneut hochladen."))
            return redirect("admin:importers_importrun_upload")
        form = MappingForm((preview.report or {}).get("unmapped", {}), request.POST)
        chosen = form.mapping() if form.is_valid() else {}
        if not mapping_size(chosen):
            messages.warning(request, _("Bitte mindestens eine Zuordnung wählen."))
            return redirect("admin:importers_importrun_progress", run_id=preview.pk)
        mapping = mapping_merge(mapping_check((preview.report or {}).get("mapping") or {}), chosen)
        try:
            run = import_submit(
                data=bytes(preview.upload), filename=preview.filename, source_slug=preview.source_slug, dry_run=True,
                skip_invalid=preview.options.get("skip_invalid", False), deactivate=preview.options.get("deactivate", True),
                user=request.user, via="admin", mapping=mapping,
            )
        except ImportRefused as exc:
            messages.error(request, exc.message)
            return redirect("admin:importers_importrun_progress", run_id=preview.pk)
        preview.upload = None  # superseded by the new preview
        preview.save(update_fields=["upload"])
        return redirect("admin:importers_importrun_progress", run_id=run.pk)

    def progress_view(self, request, run_id):
        """Where an upload stands: refreshes itself while the worker has it, then the report."""
        self._check(request)
        run = get_object_or_404(ImportRun, pk=run_id, **({} if request.user.is_superuser else {"user": request.user}))
        if run.status not in ImportRun.FINISHED:
            return self._render(request, "admin/importers/progress.html", None, run=run, refresh_seconds=1)
        if run.status == ImportRun.Status.FAILED:
            return self._render(request, "admin/importers/progress.html", None, run=run)
        confirm = remap = None
        open_preview = (run.dry_run and not run.confirmed_by_id and run.upload is not None
                        and run.user_id == request.user.pk and not preview_expired(run))
        if run.status == ImportRun.Status.PREVIEWED and open_preview:
            confirm = ConfirmForm(initial={"run": run.pk, "sha256": run.sha256})
        unmapped = (run.report or {}).get("unmapped") or {}
        if open_preview and (unmapped.get("columns") or unmapped.get("values")):
            remap = MappingForm(unmapped, initial={"run": run.pk})
        return self._render(request, "admin/importers/preview.html", run.report, confirm=confirm, remap=remap,
                            mapping_rows=_mapping_rows((run.report or {}).get("mapping")))

    def _render(self, request, template, report, **context):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Kontakte importieren"),
            "report": report,
            "confirm_url": reverse("admin:importers_importrun_confirm"),
            "remap_url": reverse("admin:importers_importrun_remap"),
            "upload_url": reverse("admin:importers_importrun_upload"),
            **context,
        }
        return TemplateResponse(request, template, context)


def _mapping_rows(mapping: dict | None) -> list[tuple[str, str, str]]:
    """(what, theirs, ours) for showing a mapping: ("Spalte", "Einrichtung", "Name (name)")."""
    rows = []
    for theirs, ours in ((mapping or {}).get("columns") or {}).items():
        rows.append((str(_("Spalte")), theirs, f"{COLUMN_LABELS[ours]} ({ours})" if ours else str(_("ignoriert"))))
    for column, pairs in ((mapping or {}).get("values") or {}).items():
        labels = dict(_term_choices(column)) if column in COLUMN_LABELS else {}
        for theirs, ours in pairs.items():
            rows.append((str(COLUMN_LABELS.get(column, column)), theirs, labels.get(ours, ours) if ours else str(_("weggelassen"))))
    return rows


class SourceMappingForm(forms.ModelForm):
    class Meta:
        model = SourceMapping
        fields = ["source", "mapping"]

    def clean_mapping(self):
        from importers.columns import MappingError

        try:
            return mapping_check(self.cleaned_data["mapping"], value_targets=value_targets())
        except MappingError as exc:
            raise forms.ValidationError(str(exc)) from None


@admin.register(SourceMapping)
class SourceMappingAdmin(admin.ModelAdmin):
    """Each source's remembered mapping: shown as a table, edited as JSON in the --mapping
    format, and exported as that file."""

    form = SourceMappingForm
    list_display = ["source", "entries", "updated_at", "updated_by"]
    readonly_fields = ["summary", "export", "updated_at", "updated_by"]
    fields = ["source", "summary", "mapping", "export", "updated_at", "updated_by"]
    search_fields = ["source__slug", "source__name"]

    @admin.display(description=_("Einträge"))
    def entries(self, obj):
        return mapping_size(obj.mapping)

    @admin.display(description=_("Übersicht"))
    def summary(self, obj):
        from django.utils.html import format_html, format_html_join

        rows = _mapping_rows(obj.mapping if obj else None)
        if not rows:
            return "–"
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        return format_html('<table class="mapping-summary"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>',
                           _("in"), _("in der Datei"), _("wird gelesen als"), body)

    @admin.display(description=_("Als Datei"))
    def export(self, obj):
        from django.utils.html import format_html

        if not obj or not obj.pk:
            return "–"
        return format_html('<a href="{}">{}</a> ({})', reverse("admin:importers_sourcemapping_export", args=[obj.pk]),
                           _("Zuordnung herunterladen"), _("für import_contacts --mapping"))

    def get_urls(self):
        return [
            path("<int:pk>/export/", self.admin_site.admin_view(self.export_view), name="importers_sourcemapping_export"),
        ] + super().get_urls()

    def export_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        item = get_object_or_404(SourceMapping.objects.select_related("source"), pk=pk)
        response = HttpResponse(json.dumps(mapping_check(item.mapping), ensure_ascii=False, indent=2) + "\n",
                                content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="mapping-{item.source.slug}.json"'
        return response

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
