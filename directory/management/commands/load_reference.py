from django.core.management.base import BaseCommand

from directory.reference import reference_load


class Command(BaseCommand):
    help = "Load states, districts, postcodes, places and taxonomies from fixtures/reference/ (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="reload even if the files are unchanged")

    def handle(self, *args, force=False, **options):
        for line in reference_load(force=force).lines():
            self.stdout.write(line)
