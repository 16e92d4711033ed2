"""German phone numbers as people write them → E.164, and back to a readable form.

The one normaliser and the one formatter of the project (admin, importer, index documents,
pages and API all call these). Both take a short way for the common case, a German number,
that builds the PhoneNumber directly instead of through `phonenumbers.parse` (~0.2-0.3 ms a
call, most of a 20,000-row import's phone handling, issue 4 benchmark); the result is the
same, as parse would build exactly that PhoneNumber.
"""

import functools
import re
import threading

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType, shortnumberinfo

SHORT_NUMBER = re.compile(r"^[0-9]{3,6}$")
# The 116 range holds harmonised services of social value. libphonenumber knows the
# European ones (116 006, 116 123) but not every national assignment, such as the
# Hilfetelefon Gewalt gegen Frauen at 116 016 (assigned by the Bundesnetzagentur).
SERVICE_116 = re.compile(r"^116[0-9]{3}$")
# A German number written nationally: digits and separators after a leading 0 (not 00).
NATIONAL_NUMBER = re.compile(r"\(?0[1-9][0-9 ()/-]*")


class PhoneError(ValueError):
    pass


def phone_to_e164(raw: str, region: str = "DE") -> str:
    """`0711 5401-3003`, `(040) 284016-67`, `116 006`, `0800 300 99 44` → E.164.

    Short service numbers (116 006, 116 016, 110) have no E.164 form: they can only be dialled
    inside the country, without a prefix. They are kept as their digits (`116006`), which is
    also what a `tel:` link must carry for them.
    """
    text = (raw or "").strip()
    if not text:
        raise PhoneError("is empty")
    if region == "DE" and NATIONAL_NUMBER.fullmatch(text):
        national = "".join(c for c in text if c.isdigit())[1:]
        if 2 <= len(national) <= 15 and phonenumbers.is_valid_number(
            phonenumbers.PhoneNumber(country_code=49, national_number=int(national))
        ):
            return "+49" + national
    try:
        number = phonenumbers.parse(text.replace("/", " "), region)
    except NumberParseException as exc:
        raise PhoneError(f'"{raw}" is not a phone number ({exc._msg})') from None
    if phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    digits = str(number.national_number)
    if shortnumberinfo.is_valid_short_number_for_region(number, region) or (
        region == "DE" and SERVICE_116.match(digits)
    ):
        return digits
    raise PhoneError(f'"{raw}" is not a valid phone number')


def phone_display(e164: str) -> str:
    """National format for German numbers, international for the rest: `+4971154013003` →
    `0711 54013003`, `116006` → `116 006`."""
    known = getattr(_KNOWN, "displays", None)
    display = known.get(e164) if known else None
    return display if display is not None else _display(e164)


_KNOWN = threading.local()  # per thread: an import's push runs in the thread that imported


def phone_display_remember(displays: dict[str, str]) -> None:
    """Remember display forms phone_display gave in another process (search/documents.py,
    DocumentsPrepared), for this thread, in place of what it remembered; {} forgets them."""
    _KNOWN.displays = displays


def displays_remembered() -> dict[str, str]:
    return getattr(_KNOWN, "displays", None) or {}


@functools.lru_cache(maxsize=32768)
def _display(e164: str) -> str:
    """phone_display's work, remembered: a number's formatting (~0.1 ms) recurs across
    documents (hotlines, a main switchboard)."""
    if SHORT_NUMBER.match(e164):
        return " ".join([e164[:3], e164[3:]]).strip() if len(e164) > 3 else e164
    if e164.startswith("+49") and e164[3:4] not in ("", "0") and e164[3:].isdigit():
        number = phonenumbers.PhoneNumber(country_code=49, national_number=int(e164[3:]))
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    if number.country_code == 49:
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def is_toll_free(e164: str) -> bool:
    try:
        return phonenumbers.number_type(phonenumbers.parse(e164, None)) == PhoneNumberType.TOLL_FREE
    except NumberParseException:
        return False
