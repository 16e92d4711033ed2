"""'Open now' from OpenStreetMap opening hours, honest about public holidays."""

import datetime as dt

import pytest

from pages.templatetags.opening import BERLIN, opening_status, regional_holidays


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=BERLIN)


OFFICE = "Mo-Fr 09:00-17:00; PH off"


def test_open_on_a_weekday_until_the_closing_time():
    status = opening_status(OFFICE, now=at("2025-12-23 10:00"))
    assert status.state == "open"
    assert status.until == at("2025-12-23 17:00") and status.same_day


def test_closed_on_a_nationwide_public_holiday():
    status = opening_status(OFFICE, now=at("2025-10-03 10:00"))  # Tag der Deutschen Einheit, a Friday
    assert status.state == "closed"
    assert status.until == at("2025-10-06 09:00")


def test_no_claim_on_a_holiday_of_some_states_only():
    # 31 October is a holiday in Thüringen but not in Bayern; the library knows only
    # nationwide holidays, so the page shows the hours instead of a guess.
    assert opening_status(OFFICE, now=at("2025-10-31 10:00")).state == "unknown"
    assert opening_status("Mo-Fr 09:00-17:00", now=at("2025-10-31 10:00")).state == "open"


@pytest.mark.parametrize(
    "day", ["2025-01-06", "2025-06-19", "2025-10-31", "2025-11-01", "2025-11-19", "2026-06-04", "2026-11-18"]
)
def test_regional_holidays_include_the_movable_ones(day):
    date = dt.date.fromisoformat(day)
    assert date in regional_holidays(date.year)


def test_closed_outside_the_hours_names_the_next_opening():
    status = opening_status(OFFICE, now=at("2025-12-23 18:30"))
    assert status.state == "closed"
    assert status.until == at("2025-12-24 09:00") and not status.same_day


def test_unparseable_or_missing_hours_make_no_claim():
    assert opening_status("nach Vereinbarung", now=at("2025-12-23 10:00")).state == "unknown"
    assert opening_status("", now=at("2025-12-23 10:00")).state == "unknown"


def test_around_the_clock_is_always_open():
    assert opening_status("", open_24_7=True, now=at("2025-12-25 03:00")).state == "open"


def test_hours_kept_as_the_partners_words_make_no_claim_and_show_as_text():
    """What the importer could not convert is stored as `unknown "…"` (issue 22)."""
    from django.template import Context, Template

    kept = 'unknown "Di 10-12 Uhr, sonst nach Absprache"'
    assert opening_status(kept, now=at("2025-12-23 10:00")).state == "unknown"
    html = Template('{% include "pages/_opening.html" with hours=hours open_24_7=False %}').render(Context({"hours": kept}))
    assert '<span class="hours-note">Di 10-12 Uhr, sonst nach Absprache</span>' in html
    assert "<code>" not in html and "Jetzt" not in html
