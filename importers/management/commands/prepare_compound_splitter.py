from django.core.management.base import BaseCommand, CommandError

from search.german import compound_table_prepare


class Command(BaseCommand):
    help = ("Write the German compound splitter's n-gram table as SQLite (once per machine, ~20 s), "
            "so that the first import or index rebuild does not wait for it.")

    def handle(self, *args, **options):
        try:
            path, built = compound_table_prepare()
        except OSError as exc:
            raise CommandError(f"cannot write the n-gram table: {exc}; set COMPOUND_CACHE_DIR to a writable directory") from None
        self.stdout.write(f"{'written' if built else 'already present'}: {path}")
