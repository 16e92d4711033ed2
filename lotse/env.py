"""Tiny helpers that read settings from the environment and fail loudly on bad values."""

import os

from django.core.exceptions import ImproperlyConfigured

# The one yes/no vocabulary of the project: settings, query parameters, API form fields
# and import cells all read booleans through parse_bool (German spellings for the files
# people fill in by hand).
TRUE_VALUES = frozenset({"1", "true", "yes", "on", "y", "ja", "j", "x", "wahr"})
FALSE_VALUES = frozenset({"0", "false", "no", "off", "n", "nein", "falsch"})


def parse_bool(raw: object) -> bool | None:
    """True or False for a yes/no word (any case, surrounding spaces ignored), None for an
    empty value. Raises ValueError for anything else: the caller says where and what to use."""
    value = str(raw if raw is not None else "").strip().lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    if value == "":
        return None
    raise ValueError(value)


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = parse_bool(raw)
    except ValueError:
        raise ImproperlyConfigured(f'{name}: "{raw}" is not a boolean; use 1/0, true/false, yes/no or on/off') from None
    return bool(value)


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f'{name}: "{raw}" is not a whole number') from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}: {value} is below the minimum of {minimum}")
    return value


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f'{name}: "{raw}" is not a number') from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]
