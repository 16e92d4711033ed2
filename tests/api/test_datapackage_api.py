"""GET /api/hsds/datapackage.zip: the HSDS tabular data package of the published directory
(issue 20), rebuilt when a contact changes, with the licence in the Link header."""

import io
import zipfile

from django.utils import translation

from directory.models import Contact
from importers.datapackage import package_build


def test_the_package_is_served_as_a_zip_with_the_licence(client, contacts):
    response = client.get("/api/hsds/datapackage.zip", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="lotse-hsds-datapackage.zip"'
    assert response["Link"].startswith('<https://creativecommons.org/licenses/by/4.0/>; rel="license"')
    with translation.override("de"):
        assert response.content == package_build()
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert names[:3] == ["datapackage.json", "organizations.csv", "programs.csv"]


def test_a_changed_contact_changes_the_package(client, contacts):
    first = client.get("/api/hsds/datapackage.zip").content
    assert client.get("/api/hsds/datapackage.zip").content == first
    munich = contacts["munich"]
    munich.name = "Opferberatung München (neu)"
    munich.save()
    changed = client.get("/api/hsds/datapackage.zip").content
    services = zipfile.ZipFile(io.BytesIO(changed)).read("services.csv").decode()
    assert "Opferberatung München (neu)" in services
    Contact.objects.filter(pk=munich.pk).update(active=False)  # a bulk write that leaves updated_at alone
    assert str(munich.uuid) not in zipfile.ZipFile(io.BytesIO(client.get("/api/hsds/datapackage.zip").content)).read("services.csv").decode()
