"""Which Meilisearch URL and key each role uses.

Environment first (production: MEILISEARCH_API_KEY is a search-only key, MEILISEARCH_ADMIN_KEY
is held by the indexer only). In the embedded default the managed process writes the keys
it derived from its master key to var/meilisearch/keys.json.
"""

import json
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=1)
def _managed_keys() -> dict[str, str]:
    path = settings.MEILISEARCH_DIR / "keys.json"
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return {}


def search_key() -> str:
    return settings.MEILISEARCH_API_KEY or _managed_keys().get("search", "")


def admin_key() -> str:
    return settings.MEILISEARCH_ADMIN_KEY or _managed_keys().get("admin", "")


def forget() -> None:
    """Re-read keys.json (after a managed instance started with new keys)."""
    _managed_keys.cache_clear()
