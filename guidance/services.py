"""The rules a step must keep, shared by the admin form and the fixture loader."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

RULES = {
    "incidents_none": _("Bitte „für alle Vorfälle“ wählen oder mindestens eine Vorfallart."),
    "incidents_both": _("Entweder „für alle Vorfälle“ oder einzelne Vorfallarten, nicht beides."),
    "replaces_general_only": _("Nur eine Landesvariante (mit Bundesland) kann einen Schritt ersetzen."),
    "replaces_variant": _("Ersetzt werden kann nur ein allgemeiner Schritt (ohne Bundesland), nicht „%(slug)s“."),
    "replaces_itself": _("Ein Schritt kann sich nicht selbst ersetzen."),
    "variant_has_variants": _("Landesvarianten ersetzen diesen Schritt (%(slugs)s); er muss allgemein bleiben."),
}


def step_rule_errors(
    *,
    slug: str,
    all_incidents: bool,
    incident_count: int,
    state_count: int,
    replaces_slug: str | None,
    replaces_is_general: bool,
    variant_slugs: list[str],
) -> list[tuple[str, str]]:
    """(field, message) for each broken rule; empty when the step is consistent.

    A state variant replaces a general step or adds one (issue 16: "state variants replace
    or extend the general step, never contradict it"): so only a variant may replace, only
    a general step may be replaced, and a replaced step stays general.
    """
    errors: list[tuple[str, str]] = []
    if all_incidents and incident_count:
        errors.append(("incident_types", str(RULES["incidents_both"])))
    elif not all_incidents and not incident_count:
        errors.append(("incident_types", str(RULES["incidents_none"])))
    if replaces_slug:
        if replaces_slug == slug:
            errors.append(("replaces", str(RULES["replaces_itself"])))
        elif not state_count:
            errors.append(("replaces", str(RULES["replaces_general_only"])))
        elif not replaces_is_general:
            errors.append(("replaces", str(RULES["replaces_variant"]) % {"slug": replaces_slug}))
    if state_count and variant_slugs:
        errors.append(("states", str(RULES["variant_has_variants"]) % {"slugs": ", ".join(sorted(variant_slugs))}))
    return errors
