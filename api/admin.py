"""API tokens in the admin: created (the token is shown once, never stored) and revoked."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from api.models import ApiToken


class ApiTokenForm(forms.ModelForm):
    days = forms.IntegerField(label=_("gültig (Tage)"), min_value=1, initial=lambda: settings.API_TOKEN_DAYS,
                              help_text=_("danach läuft das Token ab; höchstens API_TOKEN_MAX_DAYS"))

    class Meta:
        model = ApiToken
        fields = ["user", "name", "sources"]

    def clean_days(self):
        days = self.cleaned_data["days"]
        if days > settings.API_TOKEN_MAX_DAYS:
            raise forms.ValidationError(gettext("höchstens %(days)s Tage (API_TOKEN_MAX_DAYS)") % {"days": settings.API_TOKEN_MAX_DAYS})
        return days


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "token_key_shown", "created", "expiry", "source_list"]
    list_filter = ["sources"]
    search_fields = ["name", "user__username"]
    filter_horizontal = ["sources"]
    form = ApiTokenForm

    def has_change_permission(self, request, obj=None):
        return False  # a token is created and revoked (deleted), never edited

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "name", "days", "sources"]
        return ["name", "user", "token_key_shown", "created", "expiry", "source_list"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    @admin.display(description=_("Anfang des Tokens"))
    def token_key_shown(self, obj):
        return f"{obj.token_key[:8]}…"

    @admin.display(description=_("Quellen"))
    def source_list(self, obj):
        return ", ".join(obj.sources.order_by("slug").values_list("slug", flat=True)) or "–"

    def save_model(self, request, obj, form, change):
        token, raw = ApiToken.objects.create(
            user=form.cleaned_data["user"], expiry=timedelta(days=form.cleaned_data["days"]), name=form.cleaned_data["name"]
        )
        for name in ("digest", "token_key", "user_id", "created", "expiry", "name"):
            setattr(obj, name, getattr(token, name))
        obj._state.adding, obj._state.db = False, token._state.db
        self.message_user(request, gettext(
            "Das neue Token lautet: %(token)s – es wird nur jetzt angezeigt und nirgends gespeichert. Bitte sofort sicher weitergeben."
        ) % {"token": raw}, messages.WARNING)

    def save_related(self, request, form, formsets, change):
        form.instance.sources.set(form.cleaned_data["sources"])
