"""Import history (read-only) and the upload page: upload → dry-run diff → confirm → import.

An upload is checked and stored, and the page answers at once with the run's progress
page, which refreshes itself until the task worker is done (importers/tasks.py); then it
shows the dry run's plan. The confirmation imports the bytes kept with the preview run,
after checking that their SHA-256 is the one shown and recorded, and insists on the
previewed plan (digest): a different file, or a directory that changed meanwhile, cannot
slip in.
"""

import hashlib

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from importers.models import ImportRun
from importers.readers import grouped
from importers.services import ImportRefused, preview_expired, previews_expire
from importers.tasks import import_submit


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
        )
        preview.upload = None
        preview.confirmed_by = run
        preview.save(update_fields=["upload", "confirmed_by"])
        return redirect("admin:importers_importrun_progress", run_id=run.pk)

    def progress_view(self, request, run_id):
        """Where an upload stands: refreshes itself while the worker has it, then the report."""
        self._check(request)
        run = get_object_or_404(ImportRun, pk=run_id, **({} if request.user.is_superuser else {"user": request.user}))
        if run.status not in ImportRun.FINISHED:
            return self._render(request, "admin/importers/progress.html", None, run=run, refresh_seconds=1)
        if run.status == ImportRun.Status.FAILED:
            return self._render(request, "admin/importers/progress.html", None, run=run)
        confirm = None
        if (run.status == ImportRun.Status.PREVIEWED and not run.confirmed_by_id and run.upload is not None
                and not preview_expired(run)):
            confirm = ConfirmForm(initial={"run": run.pk, "sha256": run.sha256})
        return self._render(request, "admin/importers/preview.html", run.report, confirm=confirm)

    def _render(self, request, template, report, **context):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Kontakte importieren"),
            "report": report,
            "confirm_url": reverse("admin:importers_importrun_confirm"),
            "upload_url": reverse("admin:importers_importrun_upload"),
            **context,
        }
        return TemplateResponse(request, template, context)
