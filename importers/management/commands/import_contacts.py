import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from importers.services import import_run

COUNTS = {
    "created": gettext_noop("%(count)s neu"),
    "updated": gettext_noop("%(count)s geändert"),
    "unchanged": gettext_noop("%(count)s unverändert"),
    "deactivated": gettext_noop("%(count)s deaktiviert"),
    "invalid": gettext_noop("%(count)s fehlerhaft"),
}


class Command(BaseCommand):
    help = "Import contacts from a CSV, XLSX or JSON file into one source (dry run first with --dry-run)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--source", required=True, help="source slug, e.g. weisser-ring; created if new")
        parser.add_argument("--dry-run", action="store_true", help="show the plan, write nothing")
        parser.add_argument("--skip-invalid", action="store_true", help="import the valid rows, report the rest")
        parser.add_argument("--mapping", help='JSON file {"columns": {"their header": "canonical column"}, "values": {"kinds": {"their value": "slug"}}} '
                                 "(the admin exports a source's mapping in this format); added to the source's stored mapping")
        parser.add_argument("--no-deactivate", action="store_true", help="keep contacts that are missing from the file")
        parser.add_argument("--language", choices=[code for code, _name in settings.LANGUAGES],
                            help="language of the messages (default: LANGUAGE_CODE)")

    def handle(self, *args, **options):
        with translation.override(options["language"] or settings.LANGUAGE_CODE):
            self._import(options)

    def _import(self, options):
        path = Path(options["file"])
        try:
            data = path.read_bytes()
            mapping = json.loads(Path(options["mapping"]).read_text(encoding="utf-8-sig")) if options["mapping"] else None
        except (OSError, ValueError, RecursionError) as exc:  # RecursionError: a mapping nested too deeply
            raise CommandError(str(exc)) from None
        with _progress(self.stderr) as progress:
            report = import_run(
                data=data, filename=path.name, source_slug=options["source"], dry_run=options["dry_run"],
                skip_invalid=options["skip_invalid"], mapping=mapping, user=None,
                deactivate=not options["no_deactivate"], via="command", progress=progress,
            )
        self._print(report)
        if not report.ok:
            raise CommandError(_("nichts importiert: %(count)s Fehler") % {"count": len(report.errors)})

    def _print(self, report):
        data = report.as_dict(change_limit=50)
        for change in data["changes"]["created"]:
            self.stdout.write(_("+ Zeile %(row)s: %(name)s") % change)
        for change in data["changes"]["updated"]:
            fields = ", ".join(f"{f}: {old!r} → {new!r}" for f, (old, new) in change["fields"].items())
            self.stdout.write(_("~ Zeile %(row)s: %(name)s (%(fields)s)") % {**change, "fields": fields})
        for change in data["changes"]["deactivated"]:
            self.stdout.write(_("- %(name)s (deaktiviert)") % change)
        for warning in report.warnings[:50]:
            self.stdout.write(_("Hinweis: %(message)s") % {"message": warning.message})
        if report.mapping_stored:
            self.stdout.write(_("Gespeicherte Zuordnung der Quelle angewandt (%(count)s Einträge)") % {"count": report.mapping_stored})
        for error in report.errors:
            self.stderr.write(error.message)
        counts = ", ".join(_(COUNTS[k]) % {"count": n} for k, n in report.counts.items())
        summary = (
            _("%(rows)s Zeilen: %(counts)s (würden in Quelle %(source)s übernommen; Lauf %(run)s)") if report.dry_run or not report.applied
            else _("%(rows)s Zeilen: %(counts)s (in Quelle %(source)s übernommen; Lauf %(run)s)")
        )
        self.stdout.write(summary % {"rows": report.rows, "counts": counts, "source": report.source, "run": report.run_id})


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
