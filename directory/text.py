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


def normalise_name(text: str) -> str:
    """A comparable form of a name: folded, lowercase, single spaces, no punctuation."""
    folded = unicodedata.normalize("NFKC", german_fold(text)).lower()
    return re.sub(r"[\W_]+", " ", folded).strip()
