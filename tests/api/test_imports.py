"""POST/GET /api/v1/imports/: administrators only, token auth, size limit, never CORS."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from directory.models import Contact
from importers.models import ImportRun
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db

GOOD = (
    "source_id;name;kinds;incident_types;scope;states;phone\n"
    "A1;Beratungsstelle Erfurt;victim_support;threat;state;TH;0361 123456\n"
).encode("utf-8")
BAD = "source_id;name;kinds;scope\nA1;Stelle;no_such_kind;national\n".encode("utf-8")


def upload(data=GOOD, name="partner.csv", **fields):
    return {"file": SimpleUploadedFile(name, data, content_type="text/csv"), "source": "api-partner", **fields}


def submit(client, data=GOOD, headers=None, name="partner.csv", **fields):
    """POST an upload: 202 at once with the run's status URL; the run as that URL shows it
    (the tests' task backend has done it by then, tests/conftest.py)."""
    response = client.post("/api/v1/imports/", upload(data, name=name, **fields), format="multipart", **(headers or {}))
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "queued" and response["Location"] == body["status_url"]
    assert body["status_url"].endswith(f"/api/v1/imports/{body['id']}/")
    return client.get(body["status_url"]).json()


def test_no_token_is_a_401_error_body(client):
    response = client.post("/api/v1/imports/", upload(), format="multipart")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"
    assert client.get("/api/v1/imports/").status_code == 401


def test_a_wrong_token_is_a_401(db):
    response = token_client("0" * 40).post("/api/v1/imports/", upload(), format="multipart")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_token_without_the_permission_is_a_403(bob):
    _, key = bob
    response = token_client(key).post("/api/v1/imports/", upload(), format="multipart")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "permission_denied" and "importers.add_importrun" in error["message"]
    assert token_client(key).get("/api/v1/imports/").status_code == 403
    assert not ImportRun.objects.exists()


def test_a_dry_run_reports_and_writes_nothing(alice):
    _, key = alice
    run = submit(token_client(key))
    assert run["status"] == "previewed"
    report = run["report"]
    assert report["dry_run"] is True and report["applied"] is False
    assert report["counts"]["created"] == 1
    assert not Contact.objects.filter(name="Beratungsstelle Erfurt").exists()


def test_a_real_import_creates_and_is_recorded_in_the_history(alice):
    user, key = alice
    client = token_client(key)
    assert submit(client, dry_run="false")["status"] == "applied"
    assert Contact.objects.filter(name="Beratungsstelle Erfurt", source__slug="api-partner").exists()
    history = client.get("/api/v1/imports/").json()
    assert history["count"] == 1
    run = history["results"][0]
    assert run["user"] == "alice" and run["via"] == "api" and run["status"] == "applied" and run["created"] == 1
    detail = client.get(f"/api/v1/imports/{run['id']}/").json()
    assert detail["report"]["counts"]["created"] == 1


def test_a_refused_file_is_a_rejected_run_with_the_report(alice):
    _, key = alice
    run = submit(token_client(key), BAD, dry_run="false")
    assert run["status"] == "rejected"
    assert "no_such_kind" in run["report"]["errors"][0]["message"]
    assert run["report"]["errors"][0]["row"] == 2 and run["errors"] == run["report"]["errors"]
    assert not Contact.objects.filter(name="Stelle").exists()


def test_a_wrong_source_name_or_mapping_is_refused_before_queueing(alice):
    _, key = alice
    client = token_client(key)
    response = client.post("/api/v1/imports/", {**upload(), "source": "Weißer Ring"}, format="multipart")
    assert response.status_code == 400 and response.json()["error"]["field"] == "source"
    response = client.post("/api/v1/imports/", upload(mapping='{"Name": "nonsense"}'), format="multipart")
    assert response.status_code == 400 and response.json()["error"]["field"] == "mapping"
    assert not ImportRun.objects.exists()


def test_the_api_reports_in_english_whatever_language_the_client_prefers(alice):
    # The admin and the command speak German first; API clients get one language.
    _, key = alice
    client = token_client(key)
    run = submit(client, BAD, dry_run="false", headers={"HTTP_ACCEPT_LANGUAGE": "de"})
    message = run["report"]["errors"][0]["message"]
    assert message.startswith('row 2, column "') and "Zeile" not in message


def test_a_missing_file_or_source_names_the_field(alice):
    _, key = alice
    client = token_client(key)
    response = client.post("/api/v1/imports/", {"source": "x"}, format="multipart")
    assert response.status_code == 400 and response.json()["error"]["field"] == "file"
    response = client.post("/api/v1/imports/", {"file": SimpleUploadedFile("a.csv", GOOD)}, format="multipart")
    assert response.status_code == 400 and response.json()["error"]["field"] == "source"
    response = client.post("/api/v1/imports/", upload(dry_run="maybe"), format="multipart")
    assert response.status_code == 400 and response.json()["error"]["field"] == "dry_run"


def test_an_oversized_upload_is_a_413(alice, settings):
    settings.IMPORT_MAX_BYTES = 1000
    _, key = alice
    client = token_client(key)
    # Small enough to pass the Content-Length gate, too big for the file limit.
    response = client.post("/api/v1/imports/", upload(GOOD + b"x" * 2000), format="multipart")
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "file_too_large" and "the limit is 1,000 bytes" in error["message"]
    # Far too big: refused from Content-Length before the body is read.
    response = client.post("/api/v1/imports/", upload(GOOD * 10000), format="multipart")
    assert response.status_code == 413
    assert not ImportRun.objects.exists()


def test_imports_are_never_cors_enabled(alice):
    _, key = alice
    client = token_client(key)
    response = client.post("/api/v1/imports/", upload(), format="multipart", HTTP_ORIGIN="https://partner.example")
    assert response.status_code == 202
    assert "Access-Control-Allow-Origin" not in response
    response = client.get("/api/v1/imports/", HTTP_ORIGIN="https://partner.example")
    assert "Access-Control-Allow-Origin" not in response
    preflight = client.options(
        "/api/v1/imports/", HTTP_ORIGIN="https://partner.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert "Access-Control-Allow-Origin" not in preflight


@pytest.mark.parametrize("data, name", [(b"[" * 100_000 + b"]" * 100_000, "deep.json"),
                                        (b'"' + b"x" * 200_000 + b'",kinds\r\na,b\r\n', "wide.csv")])
def test_a_file_that_broke_the_reader_is_a_rejected_run_not_a_crash(alice, data, name):
    # Issue 17: deeply nested JSON raised RecursionError, a first CSV field over 128 KB
    # csv.Error, both outside the reader's error handling. The file is read by the import
    # worker: the run ends rejected with a message, nothing is written.
    _, key = alice
    run = submit(token_client(key), data, name=name, dry_run="false")
    assert run["status"] == "rejected", run
    assert run["report"]["errors"] and run["report"]["errors"][0]["message"]
    assert not Contact.objects.exists()


def test_a_deeply_nested_mapping_is_a_400(alice):
    _, key = alice
    mapping = "[" * 100_000 + "]" * 100_000
    response = token_client(key).post("/api/v1/imports/", upload(mapping=mapping), format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "mapping"
