"""Rendered result cards (templates/pages/_hit.html), kept per process.

A result page shows up to ~60 cards, and Django's template engine spent about 90 % of a
page's ~40 ms rendering them (issue 8 load test). The same cards recur from page to page:
the state-wide and nationwide contacts are on nearly every page of their state. So each
process keeps the cards it rendered in a cachetools LRU map, keyed by everything the
card's HTML depends on:

- the hit as the index returned it (every shown field), without its distance unless the
  card shows it (only "near" cards do);
- the labels of its kinds and incident types (an administrator may rename a term);
- the language, the presentation parameters links keep (lang, embed) and embed itself;
- the opening status at this moment ("open until 17:00"), which changes with the clock.

Nothing else goes into a card, so a cached card is byte for byte what rendering it again
would give (tests/pages/test_cards.py). PAGE_CARD_CACHE entries (default 5,000, about
1.5 KB each); 0 renders every card.
"""

from __future__ import annotations

import threading

import orjson
from cachetools import LRUCache
from django.conf import settings
from django.template.loader import get_template
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from pages.templatetags.opening import opening_status
from pages.templatetags.pages import keep

_lock = threading.Lock()  # cachetools' caches are not thread-safe
_cards: LRUCache = LRUCache(maxsize=1)


def card_html(request, hit: dict, shown: dict, group_key: str, embed: bool) -> SafeString:
    """The card of one hit; `shown` is the hit prepared for display (views._hit_for_display)."""
    limit = settings.PAGE_CARD_CACHE
    if limit <= 0:
        return _render(request, shown, group_key, embed)
    status = opening_status(hit.get("opening_hours") or "", open_24_7=bool(hit.get("open_24_7")))
    content = {name: value for name, value in hit.items() if name != "distance_km"}
    key = orjson.dumps(
        [
            get_language(), keep({"request": request}), embed, group_key,
            hit.get("distance_km") if group_key == "near" else None,
            [status.state, status.until, status.same_day],
            [str(term.label) for term in shown["kind_terms"]],
            [str(term.label) for term in shown["incident_terms"]],
            content,
        ],
        option=orjson.OPT_SORT_KEYS,
        default=str,
    )
    with _lock:
        html = _cards.get(key)
    if html is not None:
        return html
    html = _render(request, shown, group_key, embed)
    with _lock:
        _sized(limit)[key] = html
    return html


def _sized(limit: int) -> LRUCache:
    """The cache at the configured size (the setting may change, e.g. in tests)."""
    global _cards
    if _cards.maxsize != limit:
        _cards = LRUCache(maxsize=limit)
    return _cards


def _render(request, shown: dict, group_key: str, embed: bool) -> SafeString:
    context = {"hit": shown, "group": {"key": group_key}, "embed": embed, "request": request}
    return get_template("pages/_hit.html").render(context)  # a SafeString, autoescaped


def forget() -> None:
    with _lock:
        _cards.clear()
