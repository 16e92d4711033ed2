"""Logs hold no search parameters: a search reveals where an official lives."""

import logging

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/search/?near=99084&incident=threat", "/api/v1/search/?near=99084", "/search/?near=0000"])
def test_no_log_record_carries_the_query(client, caplog, path):
    with caplog.at_level(logging.DEBUG):
        client.get(path)
    assert any(r.name == "lotse.access" for r in caplog.records), "the access log line is missing"
    for record in caplog.records:
        assert "99084" not in record.getMessage() and "0000" not in record.getMessage(), record.getMessage()


def test_the_development_servers_request_line_goes_nowhere(capsys):
    # runserver logs '"GET /search/?near=… HTTP/1.1" 200' on django.server; with an empty
    # handler list Python's last-resort handler would print it to stderr.
    logging.getLogger("django.server").warning('"GET /search/?near=99084 HTTP/1.1" 400 1234')
    assert "99084" not in capsys.readouterr().err
