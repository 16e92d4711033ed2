"""German opening hours → OpenStreetMap syntax (importers/hours.py, issue 22).

The spellings are the ones partner lists and the pages of German help offices use (police
stations, counselling services, Weisser Ring, Landratsämter). Every result must be valid
OSM syntax according to opening-hours-py, the library the pages evaluate it with.
"""

import datetime as dt
import zoneinfo

import opening_hours
import pytest

from importers.hours import hours_comment_text, hours_convert

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")

CONVERTED = [
    ("Mo-Fr 9-16 Uhr", "Mo-Fr 09:00-16:00"),
    ("Mo-So 00:00-24:00", "Mo-Su 00:00-24:00"),
    ("Mo.-Fr. 8.00-16.00 Uhr", "Mo-Fr 08:00-16:00"),
    ("Mo.–Fr. 9:00–12:00 Uhr", "Mo-Fr 09:00-12:00"),
    ("Mo. bis Fr. 9:00 bis 17:00 Uhr", "Mo-Fr 09:00-17:00"),
    ("Montag bis Freitag von 9 bis 12 Uhr", "Mo-Fr 09:00-12:00"),
    ("Montag - Freitag 9:00 - 12:00 und 13:00 - 15:00", "Mo-Fr 09:00-12:00,13:00-15:00"),
    ("Montag–Donnerstag 9–15 Uhr, Freitag 9–12 Uhr", "Mo-Th 09:00-15:00; Fr 09:00-12:00"),
    ("Montags bis donnerstags: 9 bis 15 Uhr; freitags: 9 bis 12 Uhr", "Mo-Th 09:00-15:00; Fr 09:00-12:00"),
    ("Mo – Do: 8:00 – 16:00 Uhr Fr: 8:00 – 13:00 Uhr", "Mo-Th 08:00-16:00; Fr 08:00-13:00"),
    ("Mo-Do 9-16, Fr 9-12", "Mo-Th 09:00-16:00; Fr 09:00-12:00"),
    ("Mo-Do 8.30-12 u. 13-15.30 Uhr, Fr 8.30-12 Uhr", "Mo-Th 08:30-12:00,13:00-15:30; Fr 08:30-12:00"),
    ("Mo.-Do. 7.30-16.00, Fr. 7.30-12.30", "Mo-Th 07:30-16:00; Fr 07:30-12:30"),
    ("Mo-Fr. 9.30-12.30 Uhr", "Mo-Fr 09:30-12:30"),
    ("Mo–Fr 9–12 und 13–16 Uhr", "Mo-Fr 09:00-12:00,13:00-16:00"),
    ("Mo-Fr 8-12 + 13-16 Uhr", "Mo-Fr 08:00-12:00,13:00-16:00"),
    ("Mo-Fr 9h-17h", "Mo-Fr 09:00-17:00"),
    ("MO-FR 9-16", "Mo-Fr 09:00-16:00"),
    ("Mo-Fr von 8:00 Uhr bis 16:00 Uhr", "Mo-Fr 08:00-16:00"),
    ("Mo–Fr 08–20 Uhr, Sa 10–14 Uhr, So geschlossen", "Mo-Fr 08:00-20:00; Sa 10:00-14:00; Su off"),
    ("Mo-Fr 8:00-20:00 Uhr, Sa 9:00-14:00 Uhr", "Mo-Fr 08:00-20:00; Sa 09:00-14:00"),
    ("Mo-Fr 8-18 Uhr, Sa/So geschlossen", "Mo-Fr 08:00-18:00; Sa,Su off"),
    ("Di und Do 9.00–12.00 Uhr", "Tu,Th 09:00-12:00"),
    ("Di, Mi, Do 10–13 Uhr", "Tu,We,Th 10:00-13:00"),
    ("Di. 16–18 Uhr", "Tu 16:00-18:00"),
    ("Mittwochs 15:00 - 18:00", "We 15:00-18:00"),
    ("montags 10-12 Uhr", "Mo 10:00-12:00"),
    ("jeden Donnerstag 16-18 Uhr", "Th 16:00-18:00"),
    ("Sa 10-14 Uhr", "Sa 10:00-14:00"),
    ("Mo, Mi, Fr 9-12 Uhr", "Mo,We,Fr 09:00-12:00"),
    ("Mo, Mi 9-12 Uhr; Di, Do 14-18 Uhr", "Mo,We 09:00-12:00; Tu,Th 14:00-18:00"),
    ("Sprechzeiten: Mo, Di, Do 9-12 Uhr", "Mo,Tu,Th 09:00-12:00"),
    ("Telefonisch: Mo-Fr 10-14 Uhr", "Mo-Fr 10:00-14:00"),
    ("Mo-Fr 9-12 Uhr, Di 14-18 Uhr", "Mo-Fr 09:00-12:00, Tu 14:00-18:00"),
    ("Mo–Fr 9–12 Uhr und Di 14–18 Uhr", "Mo-Fr 09:00-12:00, Tu 14:00-18:00"),
    ("Mo - Fr : 09.00 - 12.00 Uhr / Mo + Do : 14.00 - 17.00 Uhr", "Mo-Fr 09:00-12:00, Mo,Th 14:00-17:00"),
    ("Mo. - Fr. 09:00 - 12:00 Uhr, Mo. - Do. 13:00 - 15:00 Uhr", "Mo-Fr 09:00-12:00, Mo-Th 13:00-15:00"),
    ("Mo-Fr 9-16 Uhr, Fr 9-12 Uhr", "Mo-Fr 09:00-16:00; Fr 09:00-12:00"),
    ("Mo-Fr: 8-18 Uhr\nSa: 9-12 Uhr", "Mo-Fr 08:00-18:00; Sa 09:00-12:00"),
    ("täglich 8 bis 20 Uhr", "Mo-Su 08:00-20:00"),
    ("täglich von 8 bis 22 Uhr", "Mo-Su 08:00-22:00"),
    ("tgl. 10-18 Uhr", "Mo-Su 10:00-18:00"),
    ("werktags 8:00 - 18:00", "Mo-Fr 08:00-18:00"),
    ("werktags von 9 bis 17 Uhr", "Mo-Fr 09:00-17:00"),
    ("wochentags 8-16 Uhr", "Mo-Fr 08:00-16:00"),
    ("werktags 9-18, samstags 9-13", "Mo-Fr 09:00-18:00; Sa 09:00-13:00"),
    ("Sa, So und feiertags geschlossen", "Sa,Su,PH off"),
    ("Mo-Fr 9-16 Uhr (außer feiertags)", "Mo-Fr 09:00-16:00; PH off"),
    ("Mo-Fr 9-16 Uhr, Feiertage geschlossen", "Mo-Fr 09:00-16:00; PH off"),
    ("Mo-Fr 8-17 Uhr, an Feiertagen geschlossen", "Mo-Fr 08:00-17:00; PH off"),
    ("Mo-Fr 22-6 Uhr", "Mo-Fr 22:00-06:00"),
    ("rund um die Uhr", "24/7"),
    ("täglich rund um die Uhr", "Mo-Su 00:00-24:00"),
    ("24 Stunden täglich", "Mo-Su 00:00-24:00"),
    ("24 Stunden, 7 Tage die Woche", "Mo-Su 00:00-24:00"),
    ("24/7 erreichbar", "24/7"),
    ("0-24 Uhr", "24/7"),
    ("nach Vereinbarung", 'unknown "nach Vereinbarung"'),
    ("Termine nach Vereinbarung", 'unknown "Termine nach Vereinbarung"'),
    ("nach telefonischer Vereinbarung", 'unknown "nach telefonischer Vereinbarung"'),
    ("Mo-Fr 9-12 Uhr und nach Vereinbarung", 'Mo-Fr 09:00-12:00 || unknown "nach Vereinbarung"'),
    ("Mo-Do 9-16, Fr 9-14 Uhr sowie nach Vereinbarung", 'Mo-Th 09:00-16:00; Fr 09:00-14:00 || unknown "nach Vereinbarung"'),
]
# What is already OSM syntax stays exactly as written.
UNCHANGED = ["Mo-Fr 09:00-17:00", "Mo-Fr 09:00-17:00; PH off", "24/7", "Mo-Th 08:00-16:00; Fr 08:00-12:00", "Tu,Th 14:00-18:00"]
# Not converted, never guessed: kept as the writer's text (state unknown), with a warning.
KEPT_AS_TEXT = [
    "9-16 Uhr",  # no days: OSM would read every day, Sunday included
    "ab 9 Uhr",
    "Mo-Fr 8-12 Uhr, nachmittags nach Vereinbarung",
    "Di 10-12 Uhr, sonst nach Absprache",
    "Mon-Fri 9am-5pm",
    "jeden 1. Montag im Monat",
    "Mo-Fr vormittags",
    'Sprechstunde "offene Tür" Do',
]


def test_the_corpus_has_at_least_40_real_spellings():
    assert len(CONVERTED) + len(KEPT_AS_TEXT) >= 40
    assert len(CONVERTED) >= 40


@pytest.mark.parametrize("written,expected", CONVERTED)
def test_german_spellings_become_osm_syntax(written, expected):
    hours = hours_convert(written)
    assert hours.expression == expected
    assert opening_hours.validate(hours.expression), hours.expression
    assert not hours.kept_as_text


@pytest.mark.parametrize("written", UNCHANGED)
def test_osm_syntax_is_kept_as_written(written):
    assert hours_convert(written).expression == written and not hours_convert(written).changed


@pytest.mark.parametrize("written", KEPT_AS_TEXT)
def test_what_cannot_be_read_is_kept_as_text_in_valid_syntax(written):
    hours = hours_convert(written)
    assert hours.kept_as_text
    assert opening_hours.validate(hours.expression), hours.expression
    assert hours_comment_text(hours.expression) == written.replace('"', "'")


def test_kept_text_claims_neither_open_nor_closed():
    expression = hours_convert("9-16 Uhr").expression
    state, comment = opening_hours.OpeningHours(expression, timezone=BERLIN, country="DE").state(dt.datetime(2026, 11, 24, 10, tzinfo=BERLIN))
    assert str(state).lower().endswith("unknown") and comment == "9-16 Uhr"


def test_lists_add_up_and_exceptions_replace():
    """ "Mo-Fr 9-12, Di 14-18": Tuesday has both; "Mo-Fr 9-16, Fr 9-12": Friday is shorter."""
    tuesday_afternoon = dt.datetime(2026, 11, 24, 15, tzinfo=BERLIN)
    tuesday_morning = dt.datetime(2026, 11, 24, 10, tzinfo=BERLIN)
    friday_afternoon = dt.datetime(2026, 11, 27, 14, tzinfo=BERLIN)

    def state(written, when):
        parsed = opening_hours.OpeningHours(hours_convert(written).expression, timezone=BERLIN, country="DE")
        return str(parsed.state(when)[0]).rsplit(".", 1)[-1].upper()

    assert state("Mo-Fr 9-12 Uhr, Di 14-18 Uhr", tuesday_afternoon) == "OPEN"
    assert state("Mo-Fr 9-12 Uhr, Di 14-18 Uhr", tuesday_morning) == "OPEN"
    assert state("Mo-Fr 9-16 Uhr, Fr 9-12 Uhr", friday_afternoon) == "CLOSED"
    assert state("Mo-Fr 9-16 Uhr, Fr 9-12 Uhr", tuesday_afternoon) == "OPEN"
    assert state("nach Vereinbarung", tuesday_morning) == "UNKNOWN"


def test_pass_rate_of_the_whole_corpus_is_complete():
    """The figure the hand-back reports: every spelling converts to the expected, valid
    expression, and every one kept as text is valid OSM too."""
    converted = CONVERTED
    passed = sum(1 for written, expected in converted if hours_convert(written).expression == expected
                 and opening_hours.validate(expected))
    kept = sum(1 for written in KEPT_AS_TEXT if opening_hours.validate(hours_convert(written).expression))
    assert (passed, kept) == (len(converted), len(KEPT_AS_TEXT))
