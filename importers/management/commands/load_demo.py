from django.core.management.base import BaseCommand, CommandError

from importers.demo import demo_load


class Command(BaseCommand):
    help = "Import the demo contacts from fixtures/demo/contacts.csv (public facts, not yet verified) as source lotse-demo."

    def handle(self, *args, **options):
        try:
            report = demo_load()
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        counts = ", ".join(f"{n} {k}" for k, n in report.counts.items() if k != "invalid")
        self.stdout.write(f"demo contacts: {report.rows} rows ({counts})")
