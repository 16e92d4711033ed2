import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from importers.export import BINARY, FORMATS, contacts_export


class Command(BaseCommand):
    help = ("Export contacts in the canonical import format (re-importing it changes nothing), or the published "
            "contacts as an HSDS 3.0 tabular data package (--format hsds-datapackage -o lotse-hsds.zip).")

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument("--source", help="only this source's contacts")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args, format="csv", source=None, output=None, **options):
        try:
            data = contacts_export(fmt=format, source_slug=source)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if output:
            Path(output).write_bytes(data)
            self.stderr.write(f"{len(data):,} bytes → {output}")
        elif format in BINARY:
            raise CommandError(f"an {format} export is a binary file: use -o, e.g. -o contacts.{'zip' if format == 'hsds-datapackage' else format}")
        else:
            sys.stdout.buffer.write(data) if self.stdout._out is sys.stdout else self.stdout.write(data.decode(), ending="")
