"""Opening hours as Germans write them → the OpenStreetMap `opening_hours` syntax (issue 22).

Partner lists say "Mo-Fr 9-16 Uhr", "Di. und Do. 9.00–12.00 Uhr", "täglich 8 bis 20 Uhr",
"rund um die Uhr" or "nach Vereinbarung"; the directory stores OSM syntax ("Mo-Fr
09:00-16:00"), which the pages evaluate ("jetzt geöffnet") and the API hands on.

`hours_convert` reads a value word by word: German and English day names and their
abbreviations (with or without a dot, "montags"), ranges ("-", "–", "bis"), lists (",",
"und", "/", "+"), times ("9", "9.30", "09:30", "9 Uhr", "9h"), "täglich", "werktags",
"feiertags", "geschlossen", "rund um die Uhr" (24/7) and "nach Vereinbarung" (a comment).
Every result is checked with opening-hours-py, the library the pages use.

What it cannot read is never guessed and never dropped: it becomes an OSM comment of
state *unknown* (`unknown "Di 9-12 Uhr, sonst nach tel. Absprache"`), valid OSM syntax
whose text the page shows as it was written, without claiming "open" or "closed" (a wrong
"open now" in a crisis does harm; pages/templatetags/opening.py). The importer warns about
it; the row stays valid.

Two choices, both the cautious reading:
- "werktags"/"wochentags" is Mo-Fr. In law a Werktag includes Saturday, but an office's
  "werktags" means Monday to Friday; claiming Saturday opening could send someone to a
  closed door, the other way round only misses a Saturday.
- Times without days ("9-16 Uhr") are not converted: OSM would read them as every day,
  Sunday included, which the writer rarely meant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import opening_hours

from directory.text import german_fold

DAYS = {
    "mo": "Mo", "mon": "Mo", "montag": "Mo", "montags": "Mo", "monday": "Mo",
    "di": "Tu", "die": "Tu", "dienstag": "Tu", "dienstags": "Tu", "tu": "Tu", "tue": "Tu", "tuesday": "Tu",
    "mi": "We", "mit": "We", "mittwoch": "We", "mittwochs": "We", "we": "We", "wed": "We", "wednesday": "We",
    "do": "Th", "don": "Th", "donnerstag": "Th", "donnerstags": "Th", "th": "Th", "thu": "Th", "thursday": "Th",
    "fr": "Fr", "fri": "Fr", "freitag": "Fr", "freitags": "Fr", "friday": "Fr",
    "sa": "Sa", "sam": "Sa", "samstag": "Sa", "samstags": "Sa", "sonnabend": "Sa", "sonnabends": "Sa", "sat": "Sa", "saturday": "Sa",
    "so": "Su", "son": "Su", "sonntag": "Su", "sonntags": "Su", "su": "Su", "sun": "Su", "sunday": "Su",
}
# Whole day ranges written as one word or phrase (after folding: ä → ae, ß → ss).
DAY_GROUPS = {
    "taeglich": "Mo-Su", "tgl": "Mo-Su", "jeden tag": "Mo-Su", "alle tage": "Mo-Su", "an allen tagen": "Mo-Su",
    "daily": "Mo-Su", "every day": "Mo-Su",
    "werktags": "Mo-Fr", "werktage": "Mo-Fr", "an werktagen": "Mo-Fr", "wochentags": "Mo-Fr", "wochentage": "Mo-Fr",
    "an wochentagen": "Mo-Fr", "weekdays": "Mo-Fr",
    "am wochenende": "Sa-Su", "wochenende": "Sa-Su", "wochenenden": "Sa-Su", "an wochenenden": "Sa-Su", "weekends": "Sa-Su",
    "7 tage die woche": "Mo-Su", "7 tage pro woche": "Mo-Su", "sieben tage die woche": "Mo-Su",
    "feiertags": "PH", "feiertag": "PH", "feiertage": "PH", "an feiertagen": "PH", "und feiertags": "PH",
    "an gesetzlichen feiertagen": "PH", "gesetzliche feiertage": "PH", "public holidays": "PH", "holidays": "PH",
}
ALWAYS = ("rund um die uhr", "24 stunden", "24 std", "24h", "24 h", "24/7", "24 / 7", "durchgehend erreichbar", "0-24 uhr",
          "0 - 24 uhr", "00:00-24:00", "00-24 uhr", "round the clock", "around the clock", "ganztaegig erreichbar")
EXCEPT_HOLIDAYS = re.compile(r"ausser (?:an )?(?:gesetzlichen )?feiertag(?:en|s|e)?|except (?:on )?(?:public )?holidays")
CLOSED = ("geschlossen", "zu", "closed", "off", "nicht besetzt", "keine sprechzeit", "keine sprechzeiten")
# "nach Vereinbarung" and its variants: kept as the comment the writer wrote.
APPOINTMENT = re.compile(
    r"(?:termine? )?(?:nur )?nach (?:telefonischer |vorheriger |individueller )?(?:vereinbarung|absprache|terminvereinbarung|anmeldung)"
    r"|by appointment|on appointment"
)
# Words that say nothing about when: "Sprechzeiten: Mo-Fr von 9 bis 12 Uhr geöffnet".
FILLER = {"von", "uhr", "jeweils", "geoeffnet", "erreichbar", "sprechzeiten", "sprechzeit", "oeffnungszeiten", "am", "an",
          "den", "jeden", "telefonisch", "telefonische", "beratung", "and", "from", "to", "hours", "open", "o'clock", "sowie", "zwischen"}
AND_WORDS = {"und", "u", "sowie", "and", "&", "+", ",", "/"}
RANGE_WORDS = {"bis", "-", "to", "till", "until"}
DASHES = re.compile(r"[\u2010-\u2015\u2212]")  # hyphen, figure dash, en and em dash, minus
TOKEN = re.compile(
    r"(?P<time>\d{1,2}(?:[:.]\d{2})?)\s*(?:uhr|h)?(?![\da-z])"
    r"|(?P<word>[a-z']+)\.?"
    r"|(?P<sep>[;\n|])"
    r"|(?P<punct>[,/&+\-])"
    r"|(?P<colon>:)"
    r"|(?P<space>\s+)"
)


@dataclass(frozen=True)
class Hours:
    """The OSM expression for a value, and whether it is the writer's text kept as a comment."""

    expression: str
    kept_as_text: bool = False  # not understood: the text itself, as `unknown "…"`
    changed: bool = False  # the expression differs from what was written


class _Unreadable(Exception):
    pass


def hours_valid(expression: str) -> bool:
    return bool(expression) and opening_hours.validate(expression)


@lru_cache(maxsize=4096)
def hours_convert(text: str) -> Hours:
    """The OSM expression for what a partner wrote (see the module docstring)."""
    text = (text or "").strip()
    if not text:
        return Hours("")
    if hours_valid(text):
        return Hours(text)
    try:
        expression = _convert(text)
    except _Unreadable:
        expression = ""
    if expression and hours_valid(expression):
        return Hours(expression, changed=True)
    return Hours(hours_comment(text), kept_as_text=True, changed=True)


def hours_comment(text: str) -> str:
    """`unknown "text"`: the text as an OSM comment (no double quotes inside, one line)."""
    cleaned = text.replace('"', "'").replace("\u201e", "'").replace("\u201c", "'").replace("\u201d", "'")
    cleaned = " / ".join(part.strip() for part in cleaned.splitlines() if part.strip())
    return f'unknown "{cleaned}"'


def hours_comment_text(expression: str) -> str | None:
    """The writer's text of an expression that is only a comment (`unknown "…"`), else None."""
    found = re.fullmatch(r'\s*unknown\s+"([^"]*)"\s*', expression or "")
    return found.group(1) if found else None


# --- the reader ---------------------------------------------------------------------------


def _normalise(text: str) -> tuple[str, list[str]]:
    """Lowercase, folded text with the phrases replaced by markers; the comments found."""
    value = DASHES.sub("-", german_fold(text).lower())
    value = value.replace("\u00a0", " ")
    comments: list[str] = []
    for found in APPOINTMENT.finditer(value):
        comments.append(_original(text, found.start(), found.end()))
    value = APPOINTMENT.sub(" \x01 ", value)
    value = EXCEPT_HOLIDAYS.sub(" \x05 ", value)
    value = value.replace("(", " ").replace(")", " ")
    for phrase in sorted(ALWAYS, key=len, reverse=True):
        value = re.sub(rf"(?<![\w/\-]){re.escape(phrase)}(?![\w/])", " \x02 ", value)
    for phrase in sorted(DAY_GROUPS, key=len, reverse=True):
        value = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)\.?", f" \x03{DAY_GROUPS[phrase]} ", value)
    for phrase in sorted(CLOSED, key=len, reverse=True):
        value = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)", " \x04 ", value)
    return value, comments


def _original(text: str, start: int, end: int) -> str:
    """The writer's own spelling of a phrase found in the folded text. Folding lengthens
    umlauts (ä → ae), so the phrase is found again in the original by its words."""
    folded_words = german_fold(text).lower()[start:end].split()
    words = text.split()
    for index in range(len(words)):
        window = words[index:index + len(folded_words)]
        if [german_fold(w).lower().strip(".,;:") for w in window] == [w.strip(".,;:") for w in folded_words]:
            return " ".join(window).strip(".,;: ")
    return german_fold(text)[start:end].strip()


def _tokens(value: str) -> list[tuple[str, str]]:
    tokens = []
    position = 0
    while position < len(value):
        char = value[position]
        if char in "\x01\x02":
            tokens.append(("comment" if char == "\x01" else "always", ""))
            position += 1
            continue
        if char == "\x03":
            found = re.match(r"\x03([A-Za-z\-]+)", value[position:])
            tokens.append(("days", found.group(1)))
            position += found.end()
            continue
        if char in "\x04\x05":
            tokens.append(("off" if char == "\x04" else "holidays_off", ""))
            position += 1
            continue
        found = TOKEN.match(value, position)
        if not found:
            raise _Unreadable
        position = found.end()
        kind = found.lastgroup
        if kind == "space":
            continue
        if kind == "time":
            tokens.append(("time", _time(found.group("time"))))
        elif kind == "word":
            word = found.group("word")
            if word in DAYS:
                tokens.append(("day", DAYS[word]))
            elif word in RANGE_WORDS:
                tokens.append(("range", ""))
            elif word in AND_WORDS:
                tokens.append(("and", ""))
            elif word in FILLER:
                continue
            else:
                raise _Unreadable
        elif kind == "punct":
            tokens.append(("range", "") if found.group() == "-" else ("and", ""))
        elif kind == "sep":
            tokens.append(("sep", ""))
        elif kind == "colon":
            continue
    return tokens


def _time(raw: str) -> str:
    hours, _sep, minutes = raw.replace(".", ":").partition(":")
    hour, minute = int(hours), int(minutes or 0)
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        raise _Unreadable
    return f"{hour:02d}:{minute:02d}"


@dataclass
class _Rule:
    days: list[str]
    times: list[str]
    off: bool = False
    always: bool = False

    def render(self) -> str:
        days = ",".join(self.days)
        if self.off:
            return f"{days} off" if days else "off"
        if self.always:
            return f"{days} 00:00-24:00" if days else "24/7"
        if not days:
            raise _Unreadable  # times without days would mean every day (module docstring)
        if not self.times:
            raise _Unreadable  # days without times: open all day, or a time that was lost?
        return f"{days} {','.join(self.times)}"

    def day_set(self) -> set[str]:
        found = set()
        for span in self.days:
            first, _dash, last = span.partition("-")
            if first not in WEEK:
                found.add(first)  # PH
                continue
            start, stop = WEEK.index(first), WEEK.index(last or first)
            found |= {WEEK[(start + step) % 7] for step in range((stop - start) % 7 + 1)}
        return found

    def minutes(self) -> list[tuple[int, int]]:
        spans = []
        for time in self.times:
            start, end = (int(t[:2]) * 60 + int(t[3:]) for t in time.split("-"))
            spans.append((start, end if end > start else end + 24 * 60))
        return spans or [(0, 24 * 60)]


WEEK = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]


def _convert(text: str) -> str:
    value, comments = _normalise(text)
    tokens = _tokens(value)
    rules: list[_Rule] = []
    rule: _Rule | None = None
    index = 0
    while index < len(tokens):
        kind, word = tokens[index]
        if kind in ("day", "days"):
            span, index = _day_span(tokens, index)
            if rule is not None and not rule.days and (rule.times or rule.always or rule.off):
                rule.days.append(span)  # the days after the times: "24 Stunden täglich"
                continue
            if rule is None or rule.times or rule.off or rule.always:
                rule = _Rule([], [])
                rules.append(rule)
            rule.days.append(span)
            continue
        if kind == "time":
            if index + 2 >= len(tokens) or tokens[index + 1][0] != "range" or tokens[index + 2][0] != "time":
                raise _Unreadable  # "ab 9 Uhr", a lone time
            start, end = word, tokens[index + 2][1]
            if start == end:
                raise _Unreadable
            if rule is None or rule.off or rule.always:
                rule = _Rule([], [])
                rules.append(rule)
            rule.times.append(f"{start}-{end}")
            index += 3
            continue
        if kind in ("off", "always"):
            if rule is None or rule.times or rule.off or rule.always:
                rule = _Rule([], [])
                rules.append(rule)
            setattr(rule, kind, True)
        elif kind == "holidays_off":
            rule = None
            rules.append(_Rule(["PH"], [], off=True))
        elif kind in ("sep", "comment"):
            rule = None
        elif kind == "range":
            raise _Unreadable  # a dash that joins nothing
        index += 1
    if len(rules) > 1 and any((r.always or r.off) and not r.days for r in rules):
        raise _Unreadable  # "geschlossen" or "rund um die Uhr" for which days?
    body = ""
    for position, current in enumerate(rules):
        rendered = current.render()
        body = rendered if not position else body + _joint(rules[:position], current) + rendered
    if comments:
        note = f'unknown "{comments[0].replace(chr(34), chr(39))}"'
        return f"{body} || {note}" if body else note
    if not body:
        raise _Unreadable
    return body


def _joint(earlier: list[_Rule], rule: _Rule) -> str:
    """How a rule joins the ones before it. Lists add up ("Mo-Fr 9-12 Uhr, Di 14-18 Uhr":
    Tuesday has both), which OSM writes with ", "; "; " would let the later rule replace
    the earlier ones on its days. It does replace them when the times overlap ("Mo-Fr
    9-16, Fr 9-12": Friday is shorter) and when the days are closed."""
    if rule.off or rule.always:
        return "; "
    days = rule.day_set()
    overlapping = [r for r in earlier if r.day_set() & days and not r.off]
    if not overlapping:
        return "; "
    mine = rule.minutes()
    for other in overlapping:
        for start, end in other.minutes():
            if any(s < end and start < e for s, e in mine):
                return "; "
    return ", "


def _day_span(tokens: list[tuple[str, str]], index: int) -> tuple[str, int]:
    """One day or day range at tokens[index]: ("Mo-Fr", next index)."""
    kind, first = tokens[index]
    index += 1
    if kind == "days":
        return first, index
    if index + 1 < len(tokens) and tokens[index][0] == "range" and tokens[index + 1][0] == "day":
        last = tokens[index + 1][1]
        return (f"{first}-{last}" if last != first else first), index + 2
    return first, index
