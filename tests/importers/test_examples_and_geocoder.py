"""The documented example files import cleanly; the offline gazetteer is a geopy Geocoder."""

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from geopy.geocoders.base import Geocoder

from directory.geo import AmbiguousPlace
from directory.models import PostalCode
from importers.geocoders import GazetteerGeocoder, geocoder_get
from tests.importers.conftest import run

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "import"


@pytest.mark.parametrize("name, created", [("example.csv", 3), ("example.json", 2)])
def test_example_files_import(name, created):
    report = run((EXAMPLES / name).read_bytes(), filename=name, source="examples")
    assert [e.message for e in report.errors] == [] and report.counts["created"] == created


def test_gazetteer_is_the_default_geopy_geocoder():
    geocoder = geocoder_get()
    assert isinstance(geocoder, GazetteerGeocoder) and isinstance(geocoder, Geocoder)
    found = geocoder.geocode({"postalcode": "99084"})
    centre = PostalCode.objects.get(code="99084")
    assert (found.latitude, found.longitude, found.raw["district"]) == (centre.lat, centre.lng, "16051")
    assert geocoder.geocode("99084").raw["district"] == "16051"
    assert geocoder.geocode({"postalcode": "00000"}) is None
    with pytest.raises(AmbiguousPlace):
        geocoder.geocode({"city": "Hausen"})


def test_unknown_geocoder_setting_fails_loudly(settings):
    settings.IMPORT_GEOCODER = "google"
    with pytest.raises(ImproperlyConfigured, match='IMPORT_GEOCODER: "google" is not a geocoder'):
        geocoder_get()
