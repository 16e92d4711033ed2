"""Template helpers for the guidance pages."""

from urllib.parse import urlsplit

from django import template

register = template.Library()


@register.filter
def host(url: str) -> str:
    """A source link's short text: its host without "www." (the printout shows the URL)."""
    name = urlsplit(url).hostname or url
    return name.removeprefix("www.")
