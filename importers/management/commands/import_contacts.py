import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from importers.services import import_run


class Command(BaseCommand):
    help = "Import contacts from a CSV, XLSX or JSON file into one source (dry run first with --dry-run)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--source", required=True, help="source slug, e.g. weisser-ring; created if new")
        parser.add_argument("--dry-run", action="store_true", help="show the plan, write nothing")
        parser.add_argument("--skip-invalid", action="store_true", help="import the valid rows, report the rest")
        parser.add_argument("--mapping", help='JSON file {"their header": "canonical column"}')
        parser.add_argument("--no-deactivate", action="store_true", help="keep contacts that are missing from the file")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            data = path.read_bytes()
            mapping = json.loads(Path(options["mapping"]).read_text(encoding="utf-8-sig")) if options["mapping"] else None
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        with _progress(self.stderr) as progress:
            report = import_run(
                data=data, filename=path.name, source_slug=options["source"], dry_run=options["dry_run"],
                skip_invalid=options["skip_invalid"], mapping=mapping, user=None,
                deactivate=not options["no_deactivate"], via="command", progress=progress,
            )
        self._print(report)
        if not report.ok:
            raise CommandError(f"nothing imported: {len(report.errors)} error(s)")

    def _print(self, report):
        data = report.as_dict(change_limit=50)
        for change in data["changes"]["created"]:
            self.stdout.write(f'+ row {change["row"]}: {change["name"]}')
        for change in data["changes"]["updated"]:
            fields = ", ".join(f"{f}: {old!r} → {new!r}" for f, (old, new) in change["fields"].items())
            self.stdout.write(f'~ row {change["row"]}: {change["name"]} ({fields})')
        for change in data["changes"]["deactivated"]:
            self.stdout.write(f'- {change["name"]} (deactivated)')
        for warning in report.warnings[:50]:
            self.stdout.write(f"warning: {warning.message}")
        for error in report.errors:
            self.stderr.write(error.message)
        counts = ", ".join(f"{n} {k}" for k, n in report.counts.items())
        verb = "would be" if report.dry_run or not report.applied else "were"
        self.stdout.write(f"{report.rows} rows: {counts} ({verb} applied to source {report.source}; run {report.run_id})")


class _progress:
    """A tqdm bar on a terminal for long files; nothing otherwise."""

    def __init__(self, stream):
        self.stream, self.bar = stream, None

    def __enter__(self):
        def tick(n):
            if self.bar is None:
                from tqdm import tqdm

                self.bar = tqdm(unit=" rows", file=sys.stderr, disable=not sys.stderr.isatty(), desc="checking")
            self.bar.update(n)

        return tick

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()
