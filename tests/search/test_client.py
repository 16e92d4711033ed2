"""The kept-alive connection to Meilisearch survives refused requests."""

import pytest

from search import client, credentials
from search.client import MeiliError


def test_a_refused_large_body_does_not_poison_the_next_call(settings):
    # Meilisearch answers 403 for the search key before it reads a large body; the unread
    # bytes stayed on the pooled connection and the next call on it timed out.
    settings.MEILISEARCH_ADMIN_KEY = settings.MEILISEARCH_API_KEY
    credentials.forget()
    documents = [{"id": i, "text": "x" * 50} for i in range(4000)]  # ~250 KB
    try:
        for _ in range(3):
            with pytest.raises(MeiliError) as caught:
                client.call("POST", f"/indexes/{settings.MEILISEARCH_INDEX}/documents", admin=True, json=documents, timeout=5)
            assert caught.value.status == 403
            assert client.call("GET", "/health", timeout=2) == {"status": "available"}
    finally:
        credentials.forget()
