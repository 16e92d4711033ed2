"""Settings fail loudly on bad environment values."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from lotse.env import env_bool, env_int, env_list


@pytest.mark.parametrize("raw, expected", [("1", True), ("true", True), ("Yes", True), ("0", False), ("off", False)])
def test_booleans_read_as_people_write_them(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG") is expected


def test_a_bad_boolean_is_an_error_naming_the_variable(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match='DEBUG: "maybe" is not a boolean'):
        env_bool("DEBUG")


def test_a_bad_number_is_an_error(monkeypatch):
    monkeypatch.setenv("PORT", "eighty")
    with pytest.raises(ImproperlyConfigured, match='PORT: "eighty" is not a whole number'):
        env_int("PORT", 8000)


def test_lists_are_comma_separated(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "lotse.example, www.lotse.example")
    assert env_list("ALLOWED_HOSTS") == ["lotse.example", "www.lotse.example"]


@pytest.mark.parametrize("raw, expected", [(None, 0), ("0", 0), ("1", 1), ("2", 2)])
def test_api_proxies_counts_the_proxies_and_zero_means_the_socket_address(raw, expected):
    # Issue 17: 0 became None, and DRF's None means "trust the whole X-Forwarded-For".
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "API_PROXIES"}
    if raw is not None:
        env["API_PROXIES"] = raw
    code = "import django; django.setup(); from django.conf import settings; print(repr(settings.REST_FRAMEWORK['NUM_PROXIES']))"
    out = subprocess.run([sys.executable, "-c", code], env={**env, "DJANGO_SETTINGS_MODULE": "lotse.settings"},
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == repr(expected)
