"""Test-session wiring: a real Meilisearch on a free loopback port, reference data loaded once.

Never a fake search engine, never a silent skip: if the Meilisearch binary is missing the
session fails with the message that says how to install it.
"""

import pytest
from django.conf import settings
from django.test import override_settings

from directory.models import State
from directory.reference import reference_load
from search import credentials
from search.server import ManagedMeilisearch, free_port


@pytest.fixture(scope="session", autouse=True)
def meilisearch_server(tmp_path_factory):
    server = ManagedMeilisearch(directory=tmp_path_factory.mktemp("meilisearch"), port=free_port())
    server.start()
    saved = {name: getattr(settings, name) for name in ("MEILISEARCH_URL", "MEILISEARCH_API_KEY", "MEILISEARCH_ADMIN_KEY", "MEILISEARCH_INDEX", "MEILISEARCH_MANAGED")}
    settings.MEILISEARCH_URL = server.url
    settings.MEILISEARCH_API_KEY = server.keys["search"]
    settings.MEILISEARCH_ADMIN_KEY = server.keys["admin"]
    settings.MEILISEARCH_INDEX = "test_contacts"
    settings.MEILISEARCH_MANAGED = False
    credentials.forget()
    yield server
    server.stop()
    for name, value in saved.items():
        setattr(settings, name, value)


@pytest.fixture(scope="session", autouse=True)
def plain_static_storage():
    # Production hashes static file names at collectstatic time; tests serve them from the
    # source folders instead of requiring a collectstatic run first.
    override = override_settings(
        STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    )
    override.enable()
    yield
    override.disable()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # States, districts, postcodes and taxonomies are read-only reference data: load them
    # once into the test database; per-test transactions roll back around them.
    with django_db_blocker.unblock():
        reference_load(force=True)


@pytest.fixture
def reference(django_db_blocker):
    """Reference data for transactional tests, whose flush empties every table."""
    with django_db_blocker.unblock():
        if not State.objects.exists():
            reference_load(force=True)
