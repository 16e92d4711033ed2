"""An admin that a non-technical editor can use: German labels, search, useful filters."""

from datetime import timedelta

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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


class PhoneInline(admin.TabularInline):
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
        if not cleaned.get("slug"):
            cleaned["slug"] = contact_unique_slug(
                name=cleaned.get("name", ""), town=cleaned.get("town", ""), exclude_pk=self.instance.pk
            )
        return cleaned


class NotVerifiedFilter(admin.SimpleListFilter):
    title = _("Prüfung")
    parameter_name = "verification"

    def lookups(self, request, model_admin):
        return [("stale", _("seit über einem Jahr nicht geprüft")), ("never", _("noch nie geprüft"))]

    def queryset(self, request, queryset):
        if self.value() == "stale":
            year_ago = timezone.localdate() - timedelta(days=365)
            return queryset.filter(last_verified__lt=year_ago) | queryset.filter(last_verified__isnull=True)
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


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    form = ContactForm
    inlines = [PhoneInline]
    list_display = ["name", "organisation", "scope", "town", "phone_numbers", "last_verified", "active"]
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
        return super().get_queryset(request).select_related("organisation").prefetch_related("phones")

    def get_urls(self):
        view = self.admin_site.admin_view(self.report_view)
        return [path("report/", view, name="directory_contact_report"), *super().get_urls()]

    def report_view(self, request):
        """The data report (manage.py data_report) for whoever may see contacts."""
        if not self.has_view_permission(request):
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
                     "by_nationwide": slug in row.by_nationwide}
                    for slug, _label in report.kinds
                ]}
                for row in report.states
            ],
            "nationwide": [report.nationwide[slug] for slug, _label in report.kinds],
        }
        return TemplateResponse(request, "admin/directory/contact/report.html", context)

    @admin.display(description=_("Telefon"))
    def phone_numbers(self, obj):
        return ", ".join(phone_display(p.number) for p in obj.phones.all())

    def save_model(self, request, obj, form, change):
        if change and "slug" in form.changed_data:
            old = Contact.objects.get(pk=obj.pk).slug
            ContactSlugHistory.objects.get_or_create(slug=old, defaults={"contact": obj})
        super().save_model(request, obj, form, change)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "website"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
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
