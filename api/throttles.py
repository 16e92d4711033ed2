"""Per-client throttling for the public reads and the token-protected writes.

Rates come from settings (API_THROTTLE_READ, API_THROTTLE_WRITE; env of the same names) and
are read on every request, so a changed setting applies without re-importing DRF's
class-level THROTTLE_RATES. Counters live in Django's cache: with one process that is the
local memory cache; several workers need a shared cache (CACHES) for exact limits.
"""

import re

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from rest_framework.throttling import SimpleRateThrottle

RATE = re.compile(r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$")
RATE_SETTINGS = ("API_THROTTLE_READ", "API_THROTTLE_WRITE")


def check_rates() -> None:
    for name in RATE_SETTINGS:
        value = getattr(settings, name, None)
        if value is not None and value != "" and not RATE.match(value):
            raise ImproperlyConfigured(
                f'{name}: "{value}" is not a rate; use requests/period, e.g. 120/minute, 10/second, 1000/day, '
                "or leave it empty to switch throttling off"
            )


class _SettingsRateThrottle(SimpleRateThrottle):
    setting_name = ""

    def __init__(self):
        # SimpleRateThrottle reads the rate in __init__; ours comes from settings now.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_rate(self):
        return getattr(settings, self.setting_name, None) or None

    def get_cache_key(self, request, view):
        user = getattr(request, "user", None)
        ident = f"user-{user.pk}" if user is not None and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ReadThrottle(_SettingsRateThrottle):
    scope = "api-read"
    setting_name = "API_THROTTLE_READ"


class WriteThrottle(_SettingsRateThrottle):
    scope = "api-write"
    setting_name = "API_THROTTLE_WRITE"
