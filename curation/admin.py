"""Admin for reviewers: error reports to resolve, proposals to approve, verifications, and
for administrators: who edits which organisation and who may import which source."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rules.contrib.admin import ObjectPermissionsModelAdminMixin

from curation.models import EditorMembership, ErrorReport, ImportGrant, Proposal, Verification
from curation.rules import organisations_of
from curation.services import ProposalRefused, contact_values, proposal_approve, proposal_reject, report_resolve
from directory.models import Contact


class ResolveForm(forms.Form):
    status = forms.ChoiceField(label=_("Ergebnis"), widget=forms.RadioSelect, choices=[
        c for c in ErrorReport.Status.choices if c[0] != ErrorReport.Status.OPEN])
    note = forms.CharField(label=_("Vermerk"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


def _own_contacts_only(request, queryset):
    user = request.user
    if user.is_superuser or user.has_perm("directory.publish_contact"):
        return queryset
    return queryset.filter(contact__organisation_id__in=organisations_of(user))


@admin.register(ErrorReport)
class ErrorReportAdmin(ObjectPermissionsModelAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "contact_link", "problem", "status", "resolved_by"]
    list_filter = ["status", "problem"]
    search_fields = ["contact__name", "text"]
    list_select_related = ["contact", "resolved_by"]
    readonly_fields = ["contact", "problem", "text", "email", "language", "created_at", "status", "resolved_by", "resolved_at",
                       "resolution_note"]

    def get_queryset(self, request):
        return _own_contacts_only(request, super().get_queryset(request))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description=_("Kontakt"), ordering="contact__name")
    def contact_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:directory_contact_change", args=[obj.contact_id]), obj.contact.name)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The report, read-only, and for reviewers the form that resolves it."""
        report = self.get_object(request, object_id)
        if report is None or not self.has_view_permission(request, report):
            raise PermissionDenied
        may_resolve = report.status == ErrorReport.Status.OPEN and request.user.has_perm("curation.change_errorreport", report)
        form = ResolveForm(request.POST if request.method == "POST" else None)
        if request.method == "POST":
            if not may_resolve:
                raise PermissionDenied
            if form.is_valid():
                report_resolve(report=report, user=request.user, status=form.cleaned_data["status"], note=form.cleaned_data["note"])
                self.message_user(request, gettext("Die Meldung ist erledigt."), messages.SUCCESS)
                return redirect("admin:curation_errorreport_changelist")
        extra_context = {**(extra_context or {}), "resolve_form": form if may_resolve else None,
                         "contact_url": reverse("admin:directory_contact_change", args=[report.contact_id])}
        return super().change_view(request, object_id, form_url, extra_context)


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("Vermerk"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


@admin.register(Proposal)
class ProposalAdmin(ObjectPermissionsModelAdminMixin, admin.ModelAdmin):
    list_display = ["proposed_at", "contact", "changed_fields", "proposed_by", "status", "reviewed_by"]
    list_filter = ["status"]
    search_fields = ["contact__name"]
    list_select_related = ["contact", "proposed_by", "reviewed_by"]
    readonly_fields = ["contact", "proposed_by", "proposed_at", "via", "comment", "status", "reviewed_by", "reviewed_at", "review_note"]
    exclude = ["changes"]

    def get_queryset(self, request):
        queryset = _own_contacts_only(request, super().get_queryset(request))
        if not (request.user.is_superuser or request.user.has_perm("directory.publish_contact")):
            queryset = queryset.filter(proposed_by=request.user)
        return queryset

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description=_("Felder"))
    def changed_fields(self, obj):
        return ", ".join(_field_label(name) for name in obj.changes)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        proposal = self.get_object(request, object_id)
        if proposal is None or not self.has_view_permission(request, proposal):
            raise PermissionDenied
        may_review = proposal.status == Proposal.Status.OPEN and request.user.has_perm("curation.change_proposal", proposal)
        form = ReviewForm(request.POST if request.method == "POST" else None)
        if request.method == "POST":
            if not may_review:
                raise PermissionDenied
            if form.is_valid():
                note = form.cleaned_data["note"]
                try:
                    if "_approve" in request.POST:
                        proposal_approve(proposal=proposal, user=request.user, note=note)
                        self.message_user(request, gettext("Der Vorschlag ist freigegeben und veröffentlicht."), messages.SUCCESS)
                    else:
                        proposal_reject(proposal=proposal, user=request.user, note=note)
                        self.message_user(request, gettext("Der Vorschlag ist abgelehnt."), messages.SUCCESS)
                except ProposalRefused as exc:
                    self.message_user(request, str(exc), messages.ERROR)
                return redirect("admin:curation_proposal_changelist")
        current = contact_values(proposal.contact)
        rows = [{"label": _field_label(name), "proposed_from": pair[0], "now": current.get(name), "new": pair[1],
                 "conflict": current.get(name) != pair[0] and name != "phones" or (name == "phones" and current.get(name) != pair[0])}
                for name, pair in proposal.changes.items()]
        extra_context = {**(extra_context or {}), "review_form": form if may_review else None, "rows": rows}
        return super().change_view(request, object_id, form_url, extra_context)


def _field_label(name: str) -> str:
    if name == "phones":
        return gettext("Telefonnummern")
    return str(Contact._meta.get_field(name).verbose_name)


@admin.register(Verification)
class VerificationAdmin(ObjectPermissionsModelAdminMixin, admin.ModelAdmin):
    list_display = ["verified_on", "contact", "method", "user", "note"]
    list_filter = ["method"]
    search_fields = ["contact__name", "note"]
    list_select_related = ["contact", "user"]

    def has_add_permission(self, request):
        return False  # through the contacts' action "Als geprüft erfassen"

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(EditorMembership)
class EditorMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation"]
    search_fields = ["user__username", "organisation__name"]
    autocomplete_fields = ["organisation"]


@admin.register(ImportGrant)
class ImportGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "source"]
    search_fields = ["user__username", "source__slug"]


__all__ = ["path"]
