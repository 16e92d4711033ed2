"""Opening hours (OpenStreetMap `opening_hours` syntax) → "open now" for the pages.

opening-hours-py knows Germany's nationwide public holidays (country="DE": 3 October,
Christmas, Easter Monday …) but not the holidays of single Länder (6 January in Bayern,
31 October in Thüringen …): it has no subdivision calendars ("DE-BY" is rejected). On a
day that is a holiday in some Land we therefore do not claim "open" or "closed" for an
expression that mentions public holidays (PH); the page shows the hours text instead. A
wrong "open now" in a crisis does harm; no claim does not.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache

import opening_hours
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


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return dt.date(year, month, day + 1)


@lru_cache(maxsize=8)
def regional_holidays(year: int) -> frozenset[dt.date]:
    """Days that are public holidays in at least one Land but not nationwide."""
    nov_23 = dt.date(year, 11, 23)
    repentance_day = nov_23 - dt.timedelta(days=(nov_23.weekday() - 2) % 7 or 7)  # Buß- und Bettag (SN)
    return frozenset(
        {
            dt.date(year, 1, 6),  # Heilige Drei Könige: BW, BY, ST
            dt.date(year, 3, 8),  # Internationaler Frauentag: BE, MV
            easter_sunday(year) + dt.timedelta(days=60),  # Fronleichnam: BW, BY, HE, NW, RP, SL (+ parts of SN, TH)
            dt.date(year, 8, 8),  # Augsburger Friedensfest
            dt.date(year, 8, 15),  # Mariä Himmelfahrt: SL, parts of BY
            dt.date(year, 9, 20),  # Weltkindertag: TH
            dt.date(year, 10, 31),  # Reformationstag: BB, HB, HH, MV, NI, SN, ST, SH, TH
            dt.date(year, 11, 1),  # Allerheiligen: BW, BY, NW, RP, SL
            repentance_day,
        }
    )


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
