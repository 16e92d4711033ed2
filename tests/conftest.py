"""Test-session wiring: a real Meilisearch on a free loopback port, reference data loaded once.

Never a fake search engine, never a silent skip: if the Meilisearch binary is missing the
session fails with the message that says how to install it.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test import override_settings

from directory import geo
from directory.models import Channel, ContactKind, District, IncidentType, Place, PostalCode, ReferenceVersion, State, TargetGroup
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
        _reference_rows.update(_reference_snapshot())


@pytest.fixture
def reference(django_db_blocker):
    """Reference data for transactional tests, whose flush empties every table."""
    with django_db_blocker.unblock():
        if not State.objects.exists():
            _reference_restore(_reference_rows)


# The reference tables as the session loaded them, for transactional tests to put back
# after each flush: loading the files again took 3.4 s a test (over 100 browser, worker and
# production tests); copying the rows back takes a fraction of that, and keeps their ids.
REFERENCE_MODELS = (State, District, PostalCode, PostalCode.districts.through, Place,
                    IncidentType, ContactKind, TargetGroup, Channel, ReferenceVersion)
_reference_rows: dict = {}


def _reference_snapshot() -> dict:
    """The stored rows of each reference table, as the database returns them (no field
    conversions: they go back exactly as they came)."""
    quote = connection.ops.quote_name
    rows = {}
    with connection.cursor() as cursor:
        for model in REFERENCE_MODELS:
            columns = [quote(f.column) for f in model._meta.concrete_fields]
            cursor.execute(f"SELECT {', '.join(columns)} FROM {quote(model._meta.db_table)} ORDER BY {quote(model._meta.pk.column)}")
            rows[model] = (columns, cursor.fetchall())
    return rows


def _reference_restore(rows: dict) -> None:
    if not rows:  # a session whose database setup did not run here: load the files
        reference_load(force=True)
        return
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for model, (columns, values) in rows.items():
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)}) VALUES ({marks})", values)
        for statement in connection.ops.sequence_reset_sql(no_style(), list(rows)):
            cursor.execute(statement)
    geo.forget()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    # The embed tests serve a partner page from a routed (so "public") origin that frames
    # the live server on loopback; Chromium's Local Network Access checks would refuse
    # that before our frame-ancestors policy is even consulted. In production both ends
    # are public.
    "--disable-features=LocalNetworkAccessChecks",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright, one for the whole session (pages and API docs)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make browser)")
    # Playwright's sync API keeps an asyncio loop registered on the main thread while it
    # runs, so Django's async-safety check would refuse the ORM calls the tests make in
    # the same thread. They are plain synchronous calls; the check does not apply.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings):
    """Background imports run inside the request that queued them (django-tasks' immediate
    backend), so that a test reads the finished run at its status URL. The worker itself,
    its database backend and its recovery are tested in tests/production/test_import_worker.py."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
