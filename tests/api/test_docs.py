"""/api/schema/ and /api/docs/: served by us, no CDN, no inline script or style."""

import re

import pytest
import yaml

pytestmark = pytest.mark.django_db


def test_the_schema_is_openapi_3_and_lists_every_endpoint(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    for path in ("/api/v1/contacts/", "/api/v1/contacts/{key}/", "/api/v1/states/", "/api/v1/districts/",
                 "/api/v1/incident-types/", "/api/v1/kinds/", "/api/v1/imports/", "/api/hsds/services",
                 "/api/hsds/services/{id}", "/api/hsds/organizations", "/api/hsds/taxonomies",
                 "/api/hsds/taxonomy_terms", "/api/hsds/service_at_locations"):
        assert path in schema["paths"], path
    # Imports name the (knox) token scheme: a hashed, expiring token sent as "Token <key>".
    scheme = schema["components"]["securitySchemes"]["knoxApiToken"]
    assert (scheme["in"], scheme["name"]) == ("header", "Authorization") and "Token" in scheme["description"]
    assert {"knoxApiToken": []} in schema["paths"]["/api/v1/imports/"]["post"]["security"]


def test_the_docs_page_loads_only_our_own_assets_under_a_strict_csp(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") or s.startswith("?") for s in sources), sources
    assert "<style" not in html
    assert re.search(r"<script>\s*\S", html) is None  # no inline script body
    assert any("swagger-ui-bundle.js" in s for s in sources)


def test_the_docs_init_script_is_a_separate_file(client):
    response = client.get("/api/docs/", {"script": ""})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in response.content.decode()
