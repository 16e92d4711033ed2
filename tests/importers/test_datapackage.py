"""The HSDS 3.0 tabular data package (issue 20): the specification's tables, valid for
frictionless; export → import into an empty database → export gives the same tables; the
specification's own example package is read with a note for every field Lotse does not model."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from frictionless import validate

from directory.models import Contact, Organisation, Source
from importers.datapackage import package_build
from tests.importers.conftest import run

pytestmark = pytest.mark.django_db

SPEC = Path(__file__).resolve().parents[3] / "shared" / "reference" / "hsds-3.0"


def unpack(data: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name: archive.read(name) for name in archive.namelist()}


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.fixture
def demo():
    call_command("load_demo", verbosity=0)


def test_package_passes_frictionless_validation(demo, tmp_path):
    zipfile.ZipFile(io.BytesIO(package_build())).extractall(tmp_path)
    report = validate(str(tmp_path / "datapackage.json"))
    problems = [(task.name, error.type, error.message) for task in report.tasks for error in task.errors] + [
        (None, error.type, error.message) for error in report.errors]
    assert problems == [] and report.valid
    assert {task.name: task.stats["rows"] for task in report.tasks if task.stats.get("rows")}.keys() >= {
        "organization", "service", "location", "address", "service_at_location", "phone", "service_area", "schedule",
        "language", "taxonomy", "taxonomy_term", "attribute"}


def test_package_follows_the_specifications_resources(demo):
    files = unpack(package_build())
    ours = json.loads(files["datapackage.json"])
    spec = json.loads((SPEC / "datapackage.json").read_text())
    assert [(r["name"], r["path"], r["schema"]) for r in ours["resources"]] == [
        (r["name"], r["path"], r["schema"]) for r in spec["resources"]]
    assert list(files) == ["datapackage.json", *[r["path"] for r in spec["resources"]]]
    for resource in spec["resources"]:
        header = files[resource["path"]].decode().split("\r\n", 1)[0]
        assert header == ",".join(f["name"] for f in resource["schema"]["fields"])


def test_package_states_licence_and_sources(demo, settings):
    settings.DATA_LICENCE, settings.DATA_LICENCE_URL, settings.DATA_PUBLISHER = (
        "DL-DE-BY-2.0", "https://www.govdata.de/dl-de/by-2-0", "Stiftung Beispiel")
    descriptor = json.loads(unpack(package_build())["datapackage.json"])
    assert descriptor["licenses"] == [{"name": "DL-DE-BY-2.0", "path": "https://www.govdata.de/dl-de/by-2-0"}]
    assert descriptor["contributors"] == [{"title": "Stiftung Beispiel", "role": "publisher"}]
    assert [s["title"] for s in descriptor["sources"]] == [
        "Lotse-Startdatensatz (öffentliche Quellen, ungeprüft)",
        "© GeoNames (geonames.org): postcodes and places", "© Statistisches Bundesamt (Destatis): Gemeindeverzeichnis 04-kreise"]
    assert descriptor["description"].startswith("Data: Stiftung Beispiel, licence DL-DE-BY-2.0")


def test_only_published_contacts_and_no_internal_notes(demo):
    hidden = Contact.objects.filter(notes__gt="").first()
    retired = Contact.objects.exclude(pk=hidden.pk).first()
    Contact.objects.filter(pk=retired.pk).update(active=False)
    files = unpack(package_build())
    services = files["services.csv"].decode()
    assert str(retired.uuid) not in services and str(hidden.uuid) in services
    assert not any(hidden.notes[:40].encode() in data for data in files.values())
    assert services.count("\r\n") - 1 == Contact.objects.filter(active=True).count()


def test_round_trip_into_an_empty_database_gives_the_same_tables(demo):
    first = package_build()
    Contact.objects.all().delete()
    Organisation.objects.all().delete()
    Source.objects.all().delete()
    report = run(first, source="hsds-partner", filename="lotse-hsds.zip")
    assert report.applied and report.errors == [] and report.warnings == []
    assert report.counts["created"] == 162
    again = package_build()
    before, after = unpack(first), unpack(again)
    for name in before:
        if name != "datapackage.json":
            assert after[name] == before[name], name
    assert json.loads(after["datapackage.json"])["resources"] == json.loads(before["datapackage.json"])["resources"]


def test_reimporting_the_same_package_changes_nothing(demo):
    package = package_build()
    run(package, source="hsds-partner", filename="lotse-hsds.zip")
    again = run(package, source="hsds-partner", filename="lotse-hsds.zip", dry_run=True)
    assert again.errors == [] and again.counts == {"created": 0, "updated": 0, "unchanged": 162, "deactivated": 0, "invalid": 0}


def test_export_command_writes_the_package(demo, tmp_path):
    target = tmp_path / "lotse-hsds.zip"
    call_command("export_contacts", "--format", "hsds-datapackage", "-o", str(target), stderr=io.StringIO())
    assert target.read_bytes() == package_build()
    with pytest.raises(CommandError, match="an hsds-datapackage export is a binary file: use -o, e.g. -o contacts.zip"):
        call_command("export_contacts", "--format", "hsds-datapackage", stdout=io.StringIO())


def example_package(**replace: bytes) -> bytes:
    """The specification's example package: its CSVs and (its datapackage.json is a link
    to it) the specification's datapackage.json."""
    files = {"datapackage.json": (SPEC / "datapackage.json").read_bytes()}
    files.update({path.name: path.read_bytes() for path in sorted((SPEC / "examples-csv").glob("*.csv"))})
    files.update(replace)
    return zipped(files)


# Every field of the example that holds a value Lotse does not keep, named once.
UNSUPPORTED = [
    "organizations.alternate_name", "organizations.email", "organizations.tax_status", "organizations.tax_id",
    "organizations.year_incorporated", "organizations.legal_status", "organizations.logo", "organizations.uri",
    "organizations.parent_organization_id",
    "services.program_id", "services.alternate_name", "services.interpretation_services", "services.application_process",
    "services.fees_description", "services.wait_time", "services.fees", "services.accreditations",
    "services.eligibility_description", "services.minimum_age", "services.maximum_age", "services.assurer_email",
    "services.licenses", "services.alert", "services.last_modified",
    "service_at_location.description",
    "locations.url", "locations.name", "locations.alternate_name", "locations.description", "locations.transportation",
    "locations.external_identifier", "locations.external_identifier_type",
    "phones.location_id", "phones.organization_id", "phones.contact_id", "phones.service_at_location_id", "phones.extension",
    "addresses.attention", "addresses.address_2", "addresses.region",
    "schedules.location_id", "schedules.service_at_location_id", "schedules.valid_from", "schedules.valid_to",
    "schedules.dtstart", "schedules.timezone", "schedules.until", "schedules.count", "schedules.wkst", "schedules.interval",
    "schedules.byweekno", "schedules.bymonthday", "schedules.byyearday", "schedules.description", "schedules.schedule_link",
    "schedules.attending_type", "schedules.notes",
    "service_areas.name", "service_areas.description", "service_areas.uri",
    "languages.location_id", "languages.phone_id", "languages.note",
]
NOT_KEPT = [f"{field}: 1 value(s) not taken over; Lotse does not keep this field" for field in UNSUPPORTED]
TABLES = [f"{name}.csv: 1 row(s) not taken over; Lotse does not keep this table" for name in (
    "programs", "contacts", "funding", "required_documents", "accessibility", "metadata", "meta_table_descriptions",
    "cost_options", "organization_identifiers")]


def test_the_specifications_example_names_each_field_lotse_does_not_model_and_what_stops_it():
    report = run(example_package(), source="hsds-example", filename="example.zip")
    assert not report.ok and not report.applied and not Contact.objects.exists()
    assert [w.message for w in report.warnings] == [
        *NOT_KEPT, *TABLES,
        "taxonomies: name not taken over; Lotse reads only its own taxonomies",
        'service_areas: "geojson" extent is not a coverage Lotse knows; Lotse reads extent_type country (DE), '
        "ISO 3166-2 (DE-BY) and AGS (09162)",
        'addresses.address_type "postal" not taken over (Community Counselling); Lotse keeps the address of the location',
        "attributes: 1 row(s) for link_id f28dd44b-0c4d-479f-8e90-4c52219a8b3c not taken over; Lotse reads attributes of services",
    ]
    assert [e.message for e in report.errors] == [
        'row 2, column "attributes (lotse-contact-kinds)": is required',
        'row 2, column "service_areas": is required',
        'row 2, column "locations.latitude": "100, 101" is not a point in Germany',
    ]


def test_the_example_imports_once_it_says_where_in_germany_and_what_kind_of_help():
    """The same package with the three things Lotse needs (a coverage it knows, a kind of
    contact from its taxonomy, a point in Germany): imported, with the same notes."""
    spec_csv = lambda name: (SPEC / "examples-csv" / name).read_text()
    service = "ac148810-d857-441c-9679-408f346de14b"
    from directory import hsds

    kind = hsds.term_id("lotse-contact-kinds", "psychological")
    package = example_package(**{
        "service_areas.csv": spec_csv("service_areas.csv").replace(",extent,geojson,", ",DE,country,").encode(),
        "attributes.csv": (spec_csv("attributes.csv") + f"d2b7a9c4-1f3e-4f6a-9b8c-0e1d2c3b4a59,{service},{kind},service,service,\n").encode(),
        "locations.csv": spec_csv("locations.csv").replace(",100,101,", ",50.9778,11.0287,").encode(),
    })
    report = run(package, source="hsds-example", filename="example.zip")
    assert report.applied and report.errors == []
    assert 'service_areas: "geojson" extent is not a coverage Lotse knows' not in " ".join(w.message for w in report.warnings)
    assert {w.message for w in report.warnings} >= set(NOT_KEPT) - {
        f"service_areas.{field}: 1 value(s) not taken over; Lotse does not keep this field" for field in ("name", "description")} | set(TABLES)
    contact = Contact.objects.get(uuid=service)
    assert (contact.name, contact.scope, [k.slug for k in contact.kinds.all()]) == ("Community Counselling", "national", ["psychological"])
    assert (contact.organisation.name, str(contact.organisation.uuid), contact.organisation.website) == (
        "Example Organization Inc.", "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610", "http://example.com")
    assert (contact.opening_hours, contact.languages, contact.email) == ("Th,Fr 10:00-18:00", ["ur"], "email@example.com")
    assert [phone.number for phone in contact.phones.all()] == ["+441234234567"]
    assert (contact.lat, contact.lng, contact.website, contact.external_id) == (50.9778, 11.0287, "http://example.com/counselling", service)


@pytest.mark.parametrize("files, message", [
    ({"datapackage.json": b"{not json", "services.csv": b"id\n"},
     "datapackage.json is not a data package descriptor (JSON with a list of resources, each with name and path)"),
    ({"datapackage.json": json.dumps({"resources": [{"name": "organization", "path": "organizations.csv"}]}).encode(),
      "organizations.csv": b"id\n"},
     "the data package has no resource service (services.csv); Lotse reads HSDS 3.0 packages"),
    ({"datapackage.json": json.dumps({"resources": [{"name": "service", "path": "services.csv"}]}).encode()},
     'the resource service names the file "services.csv", which is missing from the zip archive'),
    ({"datapackage.json": json.dumps({"resources": [{"name": "service", "path": "services.csv"}]}).encode(),
      "services.csv": "id,name\n1,Stelle\n".encode("utf-16")},
     "services.csv cannot be read (UnicodeDecodeError); HSDS tables are CSV in UTF-8"),
])
def test_a_broken_package_is_refused_with_a_clear_message(files, message):
    report = run(zipped(files), source="hsds-example", filename="package.zip")
    assert [e.message for e in report.errors] == [message]
    assert not Contact.objects.exists() and not Source.objects.filter(slug="hsds-example").exists()


def test_a_package_in_a_folder_is_read_too(demo):
    files = unpack(package_build())
    report = run(zipped({f"lotse/{name}": data for name, data in files.items()}), source="hsds-partner", dry_run=True,
                 filename="package.zip")
    assert report.errors == [] and report.counts["created"] == 162
