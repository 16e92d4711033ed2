"""The reference data as loaded into the database by `manage.py load_reference`."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory.models import Channel, ContactKind, District, IncidentType, PostalCode, State, TargetGroup

pytestmark = pytest.mark.django_db


def test_it_loads_16_states_with_codes():
    assert State.objects.count() == 16
    by = State.objects.get(code="BY")
    assert (by.iso, by.ags, by.name, by.slug) == ("DE-BY", "09", "Bayern", "bayern")
    assert State.objects.get(code="TH").slug == "thueringen"


def test_it_loads_400_districts_with_distinct_codes():
    assert District.objects.count() == 400
    assert District.objects.values("ags").distinct().count() == 400
    assert District.objects.values("nuts3").distinct().count() == 400


@pytest.mark.parametrize(
    "ags, name, kind, nuts3, state",
    [
        ("09162", "München", "kreisfreie Stadt", "DE212", "BY"),
        ("16051", "Erfurt", "kreisfreie Stadt", "DEG01", "TH"),
        ("03241", "Region Hannover", "Landkreis", "DE929", "NI"),
        ("05334", "Städteregion Aachen", "Kreis", None, "NW"),
        ("10041", "Regionalverband Saarbrücken", "Regionalverband", None, "SL"),
    ],
)
def test_it_knows_district_facts(ags, name, kind, nuts3, state):
    district = District.objects.select_related("state").get(ags=ags)
    assert name in (district.short_name, district.name)
    assert district.kind == kind
    assert district.state.code == state
    if nuts3:
        assert district.nuts3 == nuts3


@pytest.mark.parametrize("code, ags", [("99084", "16051"), ("80331", "09162"), ("10115", "11000")])
def test_it_maps_postcodes_to_districts(code, ags):
    postcode = PostalCode.objects.get(code=code)
    assert postcode.primary_district.ags == ags
    assert ags in set(postcode.districts.values_list("ags", flat=True))


def test_it_loads_about_8300_postcodes_each_in_a_known_district():
    assert 8200 <= PostalCode.objects.count() <= 8400
    assert not PostalCode.objects.filter(districts__isnull=True).exists()
    spanning = [pc for pc in PostalCode.objects.prefetch_related("districts") if pc.districts.count() > 1]
    assert 100 <= len(spanning) <= 200


def test_it_loads_taxonomies_with_stable_slugs_and_both_languages():
    assert IncidentType.objects.count() == 12
    assert ContactKind.objects.count() == 13
    assert TargetGroup.objects.count() == 5
    assert Channel.objects.count() == 7
    threat = IncidentType.objects.get(slug="threat")
    assert (threat.name_de, threat.name_en) == ("Bedrohung", "Threat")
    assert ContactKind.objects.get(slug="police_online").name_de == "Onlinewache"


def test_reloading_unchanged_files_writes_nothing():
    out = StringIO()
    with CaptureQueriesContext(connection) as queries:
        call_command("load_reference", stdout=out)
    assert "geography: unchanged" in out.getvalue()
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []


def test_forced_reload_keeps_ids_stable():
    before = dict(District.objects.values_list("ags", "pk"))
    call_command("load_reference", "--force", stdout=StringIO())
    assert dict(District.objects.values_list("ags", "pk")) == before
    assert District.objects.count() == 400
