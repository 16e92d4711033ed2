"""Steps in the admin: German labels, lists as one entry per line, and a preview of the
unsaved form as the results and guide pages will show it (a saved step is live at once)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from guidance.blocks import kind_labels, step_item
from guidance.models import Step
from guidance.selectors import ContactRef, GuideStep, kind_order
from guidance.services import step_rule_errors


class LinesField(forms.CharField):
    """A list of texts edited as one entry per line (sources, laws, service names)."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 80})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class StepForm(forms.ModelForm):
    sources = LinesField(label=_("Quellen (URLs)"), help_text=_("eine Adresse pro Zeile; mindestens eine"))
    law = LinesField(label=_("Rechtsgrundlagen"), required=False, help_text=_("eine Vorschrift pro Zeile, z. B. § 77b StGB"))
    services = LinesField(label=_("genannte Angebote"), required=False, help_text=_("ein Name pro Zeile"))

    class Meta:
        model = Step
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        replaces = cleaned.get("replaces")
        variants = list(self.instance.variants.values_list("slug", flat=True)) if self.instance.pk else []
        for field, message in step_rule_errors(
            slug=cleaned.get("slug") or "",
            all_incidents=bool(cleaned.get("all_incidents")),
            incident_count=len(cleaned.get("incident_types") or []),
            state_count=len(cleaned.get("states") or []),
            replaces_slug=replaces.slug if replaces else None,
            replaces_is_general=bool(replaces) and not replaces.states.exists(),
            variant_slugs=variants,
        ):
            self.add_error(field if field in self.fields else None, message)
        return cleaned


def guide_step_from_form(form: StepForm) -> GuideStep:
    """The unsaved form as the pages' plain step (for the preview; nothing is written)."""
    data = form.cleaned_data
    order = kind_order()
    return GuideStep(
        id=form.instance.pk or 0,
        slug=data["slug"],
        order=data["order"],
        all_incidents=data["all_incidents"],
        incidents=tuple(t.slug for t in data["incident_types"]),
        states=tuple(sorted(s.code for s in data["states"])),
        replaces=data["replaces"].slug if data.get("replaces") else None,
        title_de=data["title_de"],
        title_en=data["title_en"],
        summary_de=data["summary_de"],
        summary_en=data["summary_en"],
        body_de=data["body_de"],
        body_en=data["body_en"],
        kinds=tuple(sorted((k.slug for k in data["kinds"]), key=lambda slug: order.get(slug, 999))),
        contacts=tuple(ContactRef(id=c.pk, uuid=str(c.uuid), slug=c.slug, name=c.name) for c in data["contacts"] if c.active),
        services=tuple(data["services"]),
        sources=tuple(data["sources"]),
        law=tuple(data["law"]),
        last_reviewed=data["last_reviewed"],
    )


@admin.register(Step)
class StepAdmin(admin.ModelAdmin):
    form = StepForm
    list_display = ["order", "title_de", "slug", "state_codes", "incident_slugs", "replaces", "last_reviewed", "active"]
    list_display_links = ["title_de"]
    list_filter = ["active", "all_incidents", "states", "incident_types", "kinds"]
    search_fields = ["slug", "title_de", "title_en", "summary_de", "body_de", "notes"]
    filter_horizontal = ["incident_types", "states", "kinds"]
    autocomplete_fields = ["contacts", "replaces"]
    readonly_fields = ["updated_at"]
    fieldsets = [
        (_("Text"), {"fields": ["title_de", "summary_de", "body_de"]}),
        (_("Text auf Englisch"), {"fields": ["title_en", "summary_en", "body_en"], "classes": ["collapse"]}),
        (_("Wann der Schritt erscheint"), {"fields": ["slug", "order", "all_incidents", "incident_types", "states", "replaces", "active"]}),
        (_("Wer dabei hilft"), {"fields": ["kinds", "contacts", "services"]}),
        (_("Belege"), {"fields": ["sources", "law", "last_reviewed", "notes", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("states", "incident_types").select_related("replaces")

    @admin.display(description=_("Länder"))
    def state_codes(self, step):
        return ", ".join(s.code for s in step.states.all()) or "–"

    @admin.display(description=_("Vorfälle"))
    def incident_slugs(self, step):
        return _("alle") if step.all_incidents else ", ".join(t.name_de for t in step.incident_types.all())

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [path("preview/", preview, name="guidance_step_preview"), *super().get_urls()]

    def preview_view(self, request):
        """The POSTed change or add form rendered as the pages will show it, unsaved."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        step = self.get_object(request, request.GET.get("step", "")) if request.GET.get("step") else None
        allowed = self.has_change_permission(request, step) if step else self.has_add_permission(request)
        if not allowed:
            raise PermissionDenied
        form = self.get_form(request, step, change=step is not None)(request.POST, instance=step)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": _("Vorschau"), "form": form}
        if form.is_valid():
            shown = guide_step_from_form(form)
            context["languages"] = [_preview(shown, code) for code in ("de", "en")]
        return TemplateResponse(request, "admin/guidance/step/preview.html", context)


def _preview(step: GuideStep, language: str) -> dict:
    """The step as the results page and the guide page show it, rendered in `language`.

    Without a place there are no result cards, so "who helps" names the step's contacts
    and kinds as a guide page without a place does."""
    with translation.override(language):
        item = step_item(step, hits=[], kind_labels=kind_labels())
        return {
            "code": language,
            "brief": render_to_string("guidance/_step_brief.html", {"item": item}),
            "full": render_to_string("guidance/_step_full.html", {"item": item}),
        }
