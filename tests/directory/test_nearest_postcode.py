"""A point's nearest postcode (a search with near=<lat>,<lng>, e.g. a phone's location):
the gazetteer looks only at the grid cells the search box touches, and must find exactly
the postcode a look at every centre finds, ties included."""

import random

import pytest

from directory.geo import distance_km, gazetteer

pytestmark = pytest.mark.django_db


def nearest_by_scanning_all(lat: float, lng: float):
    """What nearest_postcode gave before the grid: every centre in turn, the first nearest."""
    for box in (0.1, 0.3, 1.0):
        near = [located for located in gazetteer().postcodes.values()
                if abs(located.lat - lat) <= box and abs(located.lng - lng) <= box * 1.6]
        if near:
            return min(near, key=lambda located: distance_km(lat, lng, located.lat, located.lng))
    return None


def test_the_grid_finds_what_a_scan_of_every_centre_finds(reference):
    rng = random.Random(21)
    centres = list(gazetteer().postcodes.values())
    points = [(c.lat, c.lng) for c in rng.sample(centres, 400)]  # on a centre: ties with a shared centre
    points += [(c.lat + rng.uniform(-0.3, 0.3), c.lng + rng.uniform(-0.5, 0.5)) for c in rng.sample(centres, 400)]
    points += [(rng.uniform(47.0, 55.3), rng.uniform(5.5, 15.5)) for _ in range(800)]  # Germany's box, its seas too
    points += [(48.0 + n * 0.1, 10.0 + n * 0.16) for n in range(-5, 6)]  # on the grid's cell edges
    points += [(52.52, 30.0), (40.0, 10.0), (0.0, 0.0)]  # nothing within ~100 km
    found = [gazetteer().nearest_postcode(lat, lng) for lat, lng in points]
    assert found == [nearest_by_scanning_all(lat, lng) for lat, lng in points]
    assert found[-3:] == [None, None, None]
    assert sum(f is not None for f in found) > 1500


def test_a_point_between_two_towns_takes_the_nearer(reference):
    erfurt = gazetteer().postcode("99084")
    assert gazetteer().nearest_postcode(erfurt.lat + 0.001, erfurt.lng - 0.001) == erfurt
