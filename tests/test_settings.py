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
