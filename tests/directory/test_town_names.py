"""Town names as sources write them (issue 15: the starter data set's towns)."""

import pytest

from directory.geo import AmbiguousPlace, gazetteer, town_keys
from importers.geocoders import GazetteerGeocoder

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name, state, district", [
    ("Halle (Saale)", "ST", "15002"), ("St. Wendel", "", "10046"), ("Mühlheim am Main", "HE", "06438"),
    ("Kiel", "", "01002"), ("Hamburg", "", "02000"),  # nearly all their places are in one district
    ("Frankfurt am Main", "", "06412"),  # a name GeoNames holds as written is taken as written
])
def test_a_town_is_found_as_sources_write_it(reference, name, state, district):
    assert gazetteer().town(name, state_code=state or None).district == district
    assert GazetteerGeocoder().geocode({"city": name, "state": state}).raw["district"] == district


def test_a_name_split_between_districts_stays_ambiguous(reference):
    with pytest.raises(AmbiguousPlace):  # 14 of its 16 places: not nearly all
        gazetteer().town("Münster")
    with pytest.raises(AmbiguousPlace):  # six villages, none with most of the places
        gazetteer().town("Hausen")


def test_the_keys_go_from_exact_to_loose():
    assert town_keys("Halle (Saale)") == ["halle saale", "halle"]
    assert town_keys("St. Wendel") == ["st wendel", "sankt wendel"]
    assert town_keys("Weil am Rhein") == ["weil am rhein", "weil"]
