"""German text helpers shared by slugs, search documents and importers."""

import re
import unicodedata

from django.utils.text import slugify

# German transliteration, not the generic "strip the accent": Thüringen → Thueringen.
GERMAN_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ẞ": "SS"})


def german_fold(text: str) -> str:
    return text.translate(GERMAN_FOLD)


def german_slug(text: str, max_length: int = 80) -> str:
    slug = slugify(german_fold(text))
    return slug[:max_length].strip("-")


def slug_unique(text: str, taken: set[str], *, fallback: str, max_length: int = 100) -> str:
    """The one slug rule: the German slug of `text` (or `fallback`), with -2, -3 … until it
    is not in `taken`; the result is added to `taken`, so one set serves a whole batch."""
    base = german_slug(text, max_length=max_length) or fallback
    slug, counter = base, 2
    while slug in taken:
        slug = f"{base}-{counter}"
        counter += 1
    taken.add(slug)
    return slug


def contact_slug_text(name: str, town: str = "") -> str:
    """What a contact's slug is made of: its name, and its town unless the name has it."""
    return f"{name} {town}" if town and town.lower() not in name.lower() else name


def normalise_name(text: str) -> str:
    """A comparable form of a name: folded, lowercase, single spaces, no punctuation."""
    folded = unicodedata.normalize("NFKC", german_fold(text)).lower()
    return re.sub(r"[\W_]+", " ", folded).strip()
