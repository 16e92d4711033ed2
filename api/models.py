"""Shared API rate-limit counters (api/throttles.py).

A throttle counts requests per client in fixed time slots, in the database, so that every
web worker (and every web host on a shared PostgreSQL) counts against the same limit. A
counter held in each worker's memory let a client make N × the rate with N workers.
"""

from django.db import models


class ThrottleSlot(models.Model):
    """Requests of one client in one time slot of one throttle scope.

    `client` is a keyed hash (HMAC with SECRET_KEY) of the client's identity, never its
    address: the table holds no personal data in the clear. Rows expire after two slots.
    """

    scope = models.CharField(max_length=32)
    client = models.CharField(max_length=64)
    slot = models.BigIntegerField(help_text="Start of the slot in seconds since the epoch, divided by its length")
    hits = models.PositiveIntegerField(default=0)
    expires = models.BigIntegerField(db_index=True, help_text="Seconds since the epoch after which the row is unused")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "client", "slot"], name="throttle_slot_unique")]

    def __str__(self):
        return f"{self.scope} {self.client[:8]} slot {self.slot}: {self.hits}"


from django.utils.translation import gettext_lazy as _  # noqa: E402
from knox.models import AbstractAuthToken  # noqa: E402


class ApiToken(AbstractAuthToken):
    """An API token (django-rest-knox): the database keeps its SHA-512 digest and its first
    15 characters, never the token. It expires, and may import into the named sources only
    (issue 19); created and revoked in the admin."""

    name = models.CharField(_("Bezeichnung"), max_length=100, help_text=_("wofür, z. B. „Import Weisser Ring“"))
    sources = models.ManyToManyField("directory.Source", blank=True, related_name="api_tokens", verbose_name=_("Quellen"),
                                     help_text=_("Quellen, in die mit diesem Token importiert werden darf"))

    class Meta:
        verbose_name = _("API-Token")
        verbose_name_plural = _("API-Tokens")

    def __str__(self):
        return f"{self.name} ({self.token_key[:8]}…)"
