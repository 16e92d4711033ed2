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
