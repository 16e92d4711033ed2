"""Production settings and the health endpoint (issue 8)."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

from search import client as search_client

REPO = settings.BASE_DIR


def run_manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MEILISEARCH_"))}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=environment, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_in_production_settings(tmp_path):
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DEBUG="0", SECURE_HTTPS="1", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="lotse.example",
        LOTSE_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_a_development_setup(tmp_path):
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="1", LOTSE_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECURE_HSTS_SECONDS" in result.stderr + result.stdout


def test_a_bad_environment_value_stops_start_up(tmp_path):
    result = run_manage("check", DEBUG="perhaps", LOTSE_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert 'DEBUG: "perhaps" is not a boolean' in result.stderr


@pytest.mark.django_db
def test_health_is_ok_with_database_and_search(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "search": "ok"}


@pytest.mark.django_db
def test_health_stays_200_when_search_is_unreachable(client, settings):
    settings.MEILISEARCH_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    search_client.reset_session()
    try:
        response = client.get("/health/")
    finally:
        search_client.reset_session()
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "search": "degraded"}


def test_health_is_503_when_the_database_is_gone(tmp_path, meilisearch_server):
    # A separate process whose database is a PostgreSQL server that does not exist.
    script = (
        "import django, json; django.setup(); from django.test import Client; "
        "r = Client().get('/health/'); print(r.status_code, json.dumps(r.json()))"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(
        DJANGO_SETTINGS_MODULE="lotse.settings", LOTSE_VAR_DIR=str(tmp_path), ALLOWED_HOSTS="testserver",
        DATABASE_URL="postgres://lotse@127.0.0.1:9/lotse", MEILISEARCH_URL=meilisearch_server.url,
        MEILISEARCH_API_KEY=meilisearch_server.keys["search"],
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "503"
    assert json.loads(body) == {"status": "down", "database": "down", "search": "ok"}
