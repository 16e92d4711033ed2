from django.core.management.base import BaseCommand

from directory.demo import demo_load


class Command(BaseCommand):
    help = "Load the demo contacts from fixtures/demo/contacts.csv (public facts, not yet verified)."

    def handle(self, *args, **options):
        self.stdout.write(f"demo contacts: {demo_load()} loaded")
