"""Geocode the addresses imports queued for the online geocoder (IMPORT_GEOCODER=nominatim).

Run it from a timer (as `search_index sync`): imports never ask the online service inside a
request; they place rows by the offline gazetteer and queue the addresses (importers/geocoders.py).
"""

from django.core.management.base import BaseCommand, CommandError

from importers.geocoders import addresses_geocode
from importers.models import GeocodePending


class Command(BaseCommand):
    help = "Ask the online geocoder for the queued addresses (one request per IMPORT_GEOCODER_MIN_DELAY) and move the contacts."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="at most this many addresses in this run")

    def handle(self, *args, limit=None, **options):
        report = addresses_geocode(limit=limit)
        if options["verbosity"]:
            self.stdout.write(f"{report.asked} asked, {report.found} found, {report.moved} contacts moved, "
                              f"{GeocodePending.objects.count()} still queued")
        if report.failed:
            raise CommandError(f"geocoding stopped: {report.failed}")
