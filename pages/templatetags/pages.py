"""Small template helpers for the public pages."""

from urllib.parse import urlencode

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag(takes_context=True)
def lang_url(context, language: str) -> str:
    """This page in another language: the same parameters, lang replaced.

    A query-only relative link ("?…"): the browser keeps the page's own path. Built from
    request.path, a 404 page for /%5Cevil.example/ linked to "/\\evil.example/?lang=en",
    which browsers read as //evil.example/ (issue 17).
    """
    request = context["request"]
    pairs = [(k, v) for k, values in request.GET.lists() if k != "lang" for v in values]
    pairs.append(("lang", language))
    return f"?{urlencode(pairs)}"


@register.simple_tag(takes_context=True)
def keep(context) -> str:
    """The presentation parameters (lang, embed) to append to an internal link, or ''."""
    request = context["request"]
    pairs = [(name, request.GET[name]) for name in ("lang", "embed") if request.GET.get(name) in {"de", "en", "1"}]
    return f"?{urlencode(pairs)}" if pairs else ""


@register.simple_tag
def frame_origins() -> str:
    """The partner origins that may frame an embed, for its height messages (embedded.js)."""
    return " ".join(settings.PARTNER_FRAME_ORIGINS)


@register.simple_tag(takes_context=True)
def embed_snippet(context, frame_url: str) -> str:
    """The iframe and resize script a partner pastes (pages/embed.py), as text to show."""
    from pages.embed import embed_snippet as snippet

    return snippet(context["request"], frame_url)


@register.simple_tag(takes_context=True)
def builder_query(context) -> str:
    """This search's parameters for the embed builder's link: its language as embed_lang."""
    request = context["request"]
    pairs = [(k, v) for k, values in request.GET.lists() if k not in ("page", "embed") for v in values]
    pairs += [("embed_lang", v) for k, v in pairs if k == "lang"]
    return urlencode(pairs)
