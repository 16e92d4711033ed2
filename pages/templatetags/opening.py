"""Opening hours (OpenStreetMap `opening_hours` syntax) → "open now" for the pages.

opening-hours-py knows Germany's nationwide public holidays (country="DE": 3 October,
Christmas, Easter Monday …) but not the holidays of single Länder (6 January in Bayern,
31 October in Thüringen …): it has no subdivision calendars ("DE-BY" is rejected). The
`holidays` package has them. On a day that is a holiday in some Land we do not claim
"open" or "closed" for an expression that mentions public holidays (PH); the page shows
the hours text instead. A wrong "open now" in a crisis does harm; no claim does not.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache

import holidays
import opening_hours
from holidays.constants import CATHOLIC, PUBLIC
from django import template
from django.utils import timezone

register = template.Library()

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@dataclass(frozen=True)
class OpeningStatus:
    state: str  # "open", "closed" or "unknown"
    until: dt.datetime | None = None  # next change, when known
    same_day: bool = False

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    @property
    def is_closed(self) -> bool:
        return self.state == "closed"


@lru_cache(maxsize=8)
def regional_holidays(year: int) -> frozenset[dt.date]:
    """Days that are holidays in at least one Land (or part of one: Fronleichnam in parts
    of Sachsen and Thüringen, Mariä Himmelfahrt in parts of Bayern, Augsburg's
    Friedensfest) but not nationwide."""
    categories = (PUBLIC, CATHOLIC)
    nationwide = set(holidays.Germany(years=year, categories=categories))
    regional: set[dt.date] = set()
    for subdivision in holidays.Germany.subdivisions:
        regional |= set(holidays.Germany(subdiv=subdivision, years=year, categories=categories))
    return frozenset(regional - nationwide)


@lru_cache(maxsize=2048)
def _parse(expression: str):
    try:
        return opening_hours.OpeningHours(expression, timezone=BERLIN, country="DE")
    except Exception:  # the library raises its own ParserError family; the text still shows
        return None


def opening_status(expression: str, *, open_24_7: bool = False, now: dt.datetime | None = None) -> OpeningStatus:
    now = timezone.localtime(now, BERLIN) if now else timezone.localtime(timezone=BERLIN)
    if open_24_7:
        return OpeningStatus("open")
    expression = (expression or "").strip()
    if not expression:
        return OpeningStatus("unknown")
    if "PH" in expression and now.date() in regional_holidays(now.year):
        return OpeningStatus("unknown")
    parsed = _parse(expression)
    if parsed is None:
        return OpeningStatus("unknown")
    state, _comment = parsed.state(now)
    name = str(state).rsplit(".", 1)[-1].lower()
    if name not in ("open", "closed"):
        return OpeningStatus("unknown")
    until = parsed.next_change(now)
    if until is not None:
        until = until.astimezone(BERLIN)
        if until - now > dt.timedelta(days=8):  # "always" from here on: no useful time to show
            until = None
    return OpeningStatus(name, until, bool(until and until.date() == now.date()))


@register.simple_tag
def opening(expression, open_24_7=False):
    return opening_status(expression or "", open_24_7=bool(open_24_7))


@register.filter
def hours_note(expression) -> str:
    """The partner's own words when the hours are only that (`unknown "Di 10-12 Uhr, sonst
    nach Absprache"`, what the importer keeps when it cannot convert a notation, issue
    22): shown as text, not as code."""
    from importers.hours import hours_comment_text

    return hours_comment_text(expression or "") or ""
