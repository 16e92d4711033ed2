"""An admin that a non-technical editor can use: German labels, search, useful filters."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Value, When, Case
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rules.contrib.admin import ObjectPermissionsModelAdminMixin, ObjectPermissionsTabularInline

from directory import history

from directory.models import (
    Channel,
    Contact,
    ContactKind,
    ContactSlugHistory,
    District,
    IncidentType,
    Organisation,
    Phone,
    PostalCode,
    ReviewItem,
    Source,
    State,
    TargetGroup,
)
from directory.phones import PhoneError, phone_display, phone_to_e164
from directory.reports import network_report
from directory.services import contact_unique_slug, coverage_errors, coverage_reason_text

admin.site.site_header = _("Lotse – Verwaltung")
admin.site.site_title = _("Lotse")
admin.site.index_title = _("Verzeichnis pflegen")


class PhoneForm(forms.ModelForm):
    class Meta:
        model = Phone
        fields = ["label", "number", "position"]

    def clean_number(self):
        # Editors type numbers as they read them ("0711 5401-3003"); we store E.164.
        try:
            return phone_to_e164(self.cleaned_data["number"])
        except PhoneError as exc:
            raise forms.ValidationError(str(exc)) from None


class PhoneInline(ObjectPermissionsTabularInline):
    model = Phone
    form = PhoneForm
    extra = 1


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left empty, the slug is made from name and town (clean below).
        if "slug" in self.fields:  # an organisation editor's form shows it read-only
            self.fields["slug"].required = False

    def clean(self):
        cleaned = super().clean()
        errors = coverage_errors(
            cleaned.get("scope", ""), cleaned.get("states") or [], cleaned.get("districts") or []
        )
        if errors:
            shown = [coverage_reason_text(e) for e in errors]
            raise forms.ValidationError([e[0].upper() + e[1:] + "." for e in shown])
        if cleaned.get("all_incidents") and cleaned.get("incident_types"):
            # One count per contact in the incident facets (search.engine._facets).
            self.add_error("incident_types", _("Bei „hilft bei allen Vorfällen“ bitte keine einzelnen Vorfallarten auswählen."))
        if "slug" in self.fields and not cleaned.get("slug"):
            cleaned["slug"] = contact_unique_slug(
                name=cleaned.get("name", ""), town=cleaned.get("town", ""), exclude_pk=self.instance.pk
            )
        return cleaned


class NotVerifiedFilter(admin.SimpleListFilter):
    title = _("Prüfung")
    parameter_name = "verification"

    def lookups(self, request, model_admin):
        return [("stale", _("überfällig (länger als VERIFY_AFTER_DAYS nicht geprüft)")), ("never", _("noch nie geprüft"))]

    def queryset(self, request, queryset):
        if self.value() == "stale":
            before = timezone.localdate() - timedelta(days=settings.VERIFY_AFTER_DAYS)
            return queryset.filter(Q(last_verified__lt=before) | Q(last_verified__isnull=True))
        if self.value() == "never":
            return queryset.filter(last_verified__isnull=True)
        return queryset


class IncidentInformationFilter(admin.SimpleListFilter):
    """Contacts with neither incident types nor "all incidents" are found by no incident
    filter: incomplete (issue 15)."""

    title = _("Vorfallarten")
    parameter_name = "incidents"

    def lookups(self, request, model_admin):
        return [("all", _("hilft bei allen Vorfällen")), ("missing", _("unvollständig: keine Vorfallarten"))]

    def queryset(self, request, queryset):
        if self.value() == "all":
            return queryset.filter(all_incidents=True)
        if self.value() == "missing":
            return queryset.filter(all_incidents=False, incident_types__isnull=True)
        return queryset


class CoveredStateFilter(admin.SimpleListFilter):
    """Contacts that help in a state: its own, its districts' and the nationwide ones."""

    title = _("Bundesland")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [(s.code, s.name) for s in State.objects.order_by("name")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        code = self.value()
        # distinct: a contact covering several districts of the state joins once per district.
        return queryset.filter(
            Q(states__code=code) | Q(districts__state__code=code) | Q(district__state__code=code)
        ).distinct()


class RecordedAdminMixin:
    """Every write through this admin page is recorded in the contact history as one
    version per contact, via "admin", with the user (directory/history.py)."""

    def _recorded(self, request, view, *args, **kwargs):
        if request.method != "POST":
            return view(request, *args, **kwargs)
        with history.recording(via=history.Via.ADMIN, user=request.user, reason=f"admin: {self.opts.model_name}"):
            return view(request, *args, **kwargs)

    def changeform_view(self, request, *args, **kwargs):
        return self._recorded(request, super().changeform_view, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        return self._recorded(request, super().delete_view, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        return self._recorded(request, super().changelist_view, *args, **kwargs)


class VerifyForm(forms.Form):
    from curation.models import Verification

    method = forms.ChoiceField(label=_("Art der Prüfung"), choices=Verification.Method.choices, widget=forms.RadioSelect)
    verified_on = forms.DateField(label=_("geprüft am"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Notiz"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_verified_on(self):
        day = self.cleaned_data["verified_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Das Prüfdatum liegt in der Zukunft."))
        return day


@admin.register(Contact)
class ContactAdmin(RecordedAdminMixin, ObjectPermissionsModelAdminMixin, admin.ModelAdmin):
    form = ContactForm
    inlines = [PhoneInline]
    list_display = ["name", "organisation", "scope", "town", "phone_numbers", "freshness", "active"]
    actions = ["verify_action"]
    list_filter = [
        "active",
        NotVerifiedFilter,
        "scope",
        CoveredStateFilter,
        ("districts", admin.RelatedOnlyFieldListFilter),
        "kinds",
        IncidentInformationFilter,
        "incident_types",
        "source",
    ]
    search_fields = ["name", "organisation__name", "town", "postcode", "email", "external_id", "phones__number"]
    autocomplete_fields = ["organisation", "district", "districts"]
    filter_horizontal = ["kinds", "incident_types", "target_groups", "channels", "states"]
    readonly_fields = ["uuid", "created_at", "updated_at"]
    list_per_page = 50
    save_on_top = True
    fieldsets = [
        (None, {"fields": ["name", "organisation", "kinds", "all_incidents", "incident_types", "target_groups", "description_de", "description_en"]}),
        (_("Erreichbarkeit"), {"fields": ["email", "website", "online_report_url", "channels", "opening_hours", "open_24_7", "languages", "barrier_free", "anonymous", "free_of_charge"]}),
        (_("Standort"), {"fields": ["street", "postcode", "town", "district", "lat", "lng"]}),
        (_("Zuständigkeit"), {"fields": ["scope", "states", "districts"], "description": _("bundesweit: keine Auswahl; landesweit: Bundesländer; kreisweit/lokal: Kreise.")}),
        (_("Herkunft"), {"fields": ["source", "external_id", "source_url", "source_date", "last_verified", "active", "notes"]}),
        (_("Technisches"), {"fields": ["slug", "uuid", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        # An organisation editor's list shows their organisations' contacts only.
        from curation.services import contacts_visible_to

        return contacts_visible_to(request.user, super().get_queryset(request)).select_related("organisation").prefetch_related("phones")

    def get_object(self, request, object_id, from_field=None):
        # Any contact, so that one of another organisation is refused (403), not "missing".
        try:
            return self.model.objects.get(pk=int(object_id))
        except (ValueError, self.model.DoesNotExist):
            return None

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    # --- organisation editors propose, reviewers publish (curation/services.py) ---------

    def _proposing(self, request) -> bool:
        return not request.user.has_perm("directory.publish_contact")

    def get_readonly_fields(self, request, obj=None):
        if self._proposing(request):
            from curation.services import PROPOSABLE

            shown = [f for fieldset in self.fieldsets for f in fieldset[1]["fields"]]
            return [f for f in shown if f not in PROPOSABLE]
        return super().get_readonly_fields(request, obj)

    def save_model(self, request, obj, form, change):
        if change and self._proposing(request):
            return  # the proposal is stored in save_related, with the phones
        if change and "slug" in form.changed_data:
            old = Contact.objects.get(pk=obj.pk).slug
            ContactSlugHistory.objects.get_or_create(slug=old, defaults={"contact": obj})
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if not (change and self._proposing(request)):
            return super().save_related(request, form, formsets, change)
        from curation.services import M2M, PROPOSABLE, proposal_submit

        values = {}
        for name in form.changed_data:
            if name not in PROPOSABLE:
                continue
            value = form.cleaned_data[name]
            if name in M2M:
                value = sorted(item.pk for item in value)
            elif hasattr(value, "pk"):
                value = value.pk
            values[name] = value
        phones = []
        for formset in formsets:
            for item in sorted((f for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")),
                               key=lambda f: f.cleaned_data.get("position") or 0):
                phones.append([item.cleaned_data.get("label", ""), item.cleaned_data["number"]])
        values["phones"] = phones
        fresh = Contact.objects.get(pk=form.instance.pk)
        request._lotse_proposal = proposal_submit(contact=fresh, user=request.user, values=values, via="admin")

    def construct_change_message(self, request, form, formsets, add=False):
        # A proposal saves no formset (no new_objects to describe) and logs no change.
        if not add and self._proposing(request):
            return []
        return super().construct_change_message(request, form, formsets, add)

    def log_change(self, request, obj, message):
        if self._proposing(request):
            return None
        return super().log_change(request, obj, message)

    def response_change(self, request, obj):
        if not self._proposing(request):
            return super().response_change(request, obj)
        proposal = getattr(request, "_lotse_proposal", None)
        if proposal is None:
            self.message_user(request, gettext("Keine Änderung: es wurde kein Vorschlag gespeichert."), messages.INFO)
        else:
            self.message_user(request, gettext("Ihr Vorschlag wurde gespeichert und wartet auf Freigabe. Bis dahin bleibt die "
                                               "bisherige Fassung veröffentlicht."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:directory_contact_changelist"))

    # --- verification ---------------------------------------------------------------

    @admin.action(description=_("Als geprüft erfassen"))
    def verify_action(self, request, queryset):
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
        return redirect(f"{reverse('admin:directory_contact_verify')}?ids={ids}")

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("directory.verify_contact"):
            actions.pop("verify_action", None)
        return actions

    def verify_view(self, request):
        if not request.user.has_perm("directory.verify_contact"):
            raise PermissionDenied
        from curation.services import contacts_verify

        raw = request.POST.get("ids") or request.GET.get("ids", "")
        ids = [int(part) for part in raw.split(",") if part.strip().isdigit() and part.isascii()]
        contacts = list(Contact.objects.filter(pk__in=ids).order_by("name"))
        if not contacts:
            self.message_user(request, gettext("Keine Kontakte ausgewählt."), messages.WARNING)
            return redirect("admin:directory_contact_changelist")
        form = VerifyForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            count = contacts_verify(contacts=contacts, user=request.user, method=form.cleaned_data["method"],
                                    note=form.cleaned_data["note"], on=form.cleaned_data["verified_on"])
            self.message_user(request, gettext("%(count)s Kontakt(e) als geprüft erfasst.") % {"count": count}, messages.SUCCESS)
            if len(contacts) == 1:
                return redirect("admin:directory_contact_change", contacts[0].pk)
            return redirect("admin:directory_contact_changelist")
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": _("Prüfung erfassen"),
            "form": form, "contacts": contacts, "ids": ",".join(str(c.pk) for c in contacts),
        }
        return TemplateResponse(request, "admin/directory/contact/verify.html", context)

    @admin.display(description=_("zuletzt geprüft"), ordering="last_verified")
    def freshness(self, obj):
        return freshness_text(obj.last_verified)

    # --- history --------------------------------------------------------------------

    def history_view(self, request, object_id, extra_context=None):
        contact = self.get_object(request, object_id)
        if contact is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not request.user.has_perm("directory.view_historicalcontact", contact):
            raise PermissionDenied
        versions = list(reversed(history.versions_of(contact.pk)))
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": contact,
            "title": gettext("Geschichte: %(name)s") % {"name": contact.name}, "versions": versions,
            "may_restore": request.user.has_perm("directory.restore_contact", contact),
            "latest": versions[0].version.history_id if versions else None,
        }
        return TemplateResponse(request, "admin/directory/contact/history.html", context)

    def restore_view(self, request, object_id, history_id):
        contact = self.get_object(request, object_id)
        if contact is None:
            raise PermissionDenied
        if request.method != "POST" or not request.user.has_perm("directory.restore_contact", contact):
            raise PermissionDenied
        get_object_or_404(Contact.history.model, id=contact.pk, history_id=history_id)
        history.contact_restore(contact=contact, history_id=history_id, user=request.user)
        self.message_user(request, gettext("Die Fassung vom %(when)s ist wiederhergestellt.") % {
            "when": timezone.localtime(Contact.history.model.objects.get(history_id=history_id).history_date).strftime("%d.%m.%Y %H:%M")},
            messages.SUCCESS)
        return redirect("admin:directory_contact_history", contact.pk)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("report/", view(self.report_view), name="directory_contact_report"),
            path("verify/", view(self.verify_view), name="directory_contact_verify"),
            path("<path:object_id>/history/<int:history_id>/restore/", view(self.restore_view), name="directory_contact_restore"),
            *super().get_urls(),
        ]

    def report_view(self, request):
        """The data report (manage.py data_report) for administrators and reviewers."""
        if not (request.user.is_superuser or request.user.has_perm("directory.verify_contact")):
            raise PermissionDenied
        report = network_report()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Datenbericht"),
            "report": report,
            "rows": [
                {"row": row, "cells": [
                    {"count": row.counts[slug], "partial": row.partial.get(slug), "lacking": slug in row.lacking,
                     "by_nationwide": slug in row.by_nationwide, "stale": row.stale.get(slug, 0),
                     "all_stale": bool(row.counts[slug]) and row.stale.get(slug, 0) == row.counts[slug]}
                    for slug, _label in report.kinds
                ]}
                for row in report.states
            ],
            "nationwide": [{"count": report.nationwide[slug], "stale": report.nationwide_stale.get(slug, 0)} for slug, _label in report.kinds],
        }
        return TemplateResponse(request, "admin/directory/contact/report.html", context)

    @admin.display(description=_("Telefon"))
    def phone_numbers(self, obj):
        return ", ".join(phone_display(p.number) for p in obj.phones.all())



def freshness_text(last_verified) -> str:
    """ "vor 14 Monaten geprüft" in the admin's lists, "!" when stale."""
    from curation.services import is_stale, months_since

    if last_verified is None:
        return gettext("noch nie geprüft")
    months = months_since(last_verified)
    text = gettext("%(date)s (vor %(months)s Monaten)") % {"date": last_verified.strftime("%d.%m.%Y"), "months": months}
    return f"⚠ {text}" if is_stale(last_verified) else text


@admin.register(ReviewItem)
class ReviewQueueAdmin(ObjectPermissionsModelAdminMixin, admin.ModelAdmin):
    """What to check next: open error reports first, then stale contacts of a core kind,
    then stale others, then the rest; within each, the longest unchecked first."""

    list_display = ["name", "urgency_label", "open_reports", "freshness", "organisation", "scope", "active"]
    list_display_links = None
    search_fields = ["name", "organisation__name", "town"]
    list_filter = ["scope", "kinds", CoveredStateFilter]
    list_per_page = 50

    def get_queryset(self, request):
        from curation.models import ErrorReport
        from curation.services import stale_before
        from directory.reports import CORE_KINDS

        before = stale_before()
        open_reports = ErrorReport.objects.filter(contact=OuterRef("pk"), status=ErrorReport.Status.OPEN)
        core = Contact.kinds.through.objects.filter(contact=OuterRef("pk"), contactkind__slug__in=CORE_KINDS)
        stale = Q(last_verified__isnull=True) | Q(last_verified__lt=before)
        return (
            ReviewItem.objects.filter(active=True)
            .select_related("organisation")
            .annotate(
                has_reports=Exists(open_reports),
                is_core=Exists(core),
                reports=Count("error_reports", filter=Q(error_reports__status=ErrorReport.Status.OPEN), distinct=True),
            )
            .annotate(urgency=Case(
                When(has_reports=True, then=Value(0)),
                When(stale & Q(is_core=True), then=Value(1)),
                When(stale, then=Value(2)),
                default=Value(3), output_field=IntegerField(),
            ))
            .order_by("urgency", "last_verified", "name", "id")
        )

    def get_ordering(self, request):
        return ["urgency", "last_verified", "name", "id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("directory.view_reviewitem")

    URGENCY = {0: _("Fehlermeldung offen"), 1: _("Kernangebot überfällig"), 2: _("überfällig"), 3: _("aktuell")}

    @admin.display(description=_("Dringlichkeit"), ordering="urgency")
    def urgency_label(self, obj):
        from django.utils.html import format_html

        url = reverse("admin:directory_contact_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, self.URGENCY[obj.urgency])

    @admin.display(description=_("offene Meldungen"), ordering="reports")
    def open_reports(self, obj):
        return obj.reports

    @admin.display(description=_("zuletzt geprüft"), ordering="last_verified")
    def freshness(self, obj):
        return freshness_text(obj.last_verified)


@admin.register(Contact.history.model)
class ContactVersionAdmin(admin.ModelAdmin):
    """Every recorded version, newest first (who, when, which path, which import)."""

    list_display = ["history_id", "history_date", "name", "history_type", "active", "via", "history_user", "import_run_id",
                    "history_change_reason"]
    list_filter = ["via", "history_type"]
    search_fields = ["name", "uuid"]
    list_select_related = ["history_user"]
    list_display_links = None

    def get_ordering(self, request):
        return ["-history_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser or request.user.has_perm("directory.restore_contact")


@admin.register(Organisation)
class OrganisationAdmin(RecordedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "website"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Source)
class SourceAdmin(RecordedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "url"]
    search_fields = ["name", "slug"]


@admin.register(State)
class StateAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "iso", "ags", "slug"]
    search_fields = ["name", "code", "ags"]

    def has_delete_permission(self, request, obj=None):
        return False  # reference data: changed by load_reference only


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["short_name", "kind", "state", "ags", "nuts3", "slug"]
    list_filter = ["state", "kind"]
    search_fields = ["name", "short_name", "ags", "nuts3"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PostalCode)
class PostalCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "primary_district", "lat", "lng"]
    search_fields = ["code", "places__name"]
    list_select_related = ["primary_district"]
    autocomplete_fields = ["primary_district", "districts"]

    def has_delete_permission(self, request, obj=None):
        return False


class TermAdmin(admin.ModelAdmin):
    list_display = ["name_de", "name_en", "slug", "position"]
    search_fields = ["name_de", "name_en", "slug"]


for model in (IncidentType, ContactKind, TargetGroup, Channel):
    admin.site.register(model, TermAdmin)
