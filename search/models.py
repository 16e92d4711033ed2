"""The durable index queue: contact ids whose documents must be pushed to Meilisearch.

Rows are written in the same transaction as the contact change (search/sync.py), so a
change committed to the database is never lost for the index, even if Meilisearch is down
or the process dies right after the commit. A row is deleted only after Meilisearch
reported the task that applied it as succeeded.
"""

from django.db import models
from django.utils import timezone


class IndexQueue(models.Model):
    # Not a foreign key: the contact may be deleted, and its deletion must still reach
    # the index. Several rows per contact are fine (each push applies the current state).
    contact_id = models.BigIntegerField(db_index=True)
    queued_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "Index-Warteschlange"
        verbose_name_plural = "Index-Warteschlange"

    def __str__(self):
        return f"contact {self.contact_id} (queued {self.queued_at:%Y-%m-%d %H:%M:%S})"


class IndexGeneration(models.Model):
    """One row whose value grows whenever the index content changed.

    Bumped after Meilisearch reported an applied change (search/sync.py) and after a
    rebuild swapped the index in (search/indexing.py). Every web process reads it per
    search: cached group results (search/cache.py) of an older generation are never
    served, whichever process applied the change.
    """

    value = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "Index-Generation"
        verbose_name_plural = "Index-Generation"

    def __str__(self):
        return f"generation {self.value}"
