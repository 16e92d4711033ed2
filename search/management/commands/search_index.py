"""`manage.py search_index rebuild|status|sync` (thin: search/indexing.py does the work)."""

from django.core.management.base import BaseCommand, CommandError

from search.client import MeiliError, MeiliUnavailable
from search.indexing import index_rebuild, index_status, index_sync


class Command(BaseCommand):
    help = "Rebuild the search index atomically, compare it with the database, or repair drift."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild", "status", "sync"])

    def handle(self, *args, action, **options):
        try:
            if action == "rebuild":
                report = index_rebuild()
                self.stdout.write(
                    f"rebuilt {report.index}: {report.documents} documents in {report.seconds} s, swapped in; "
                    f"{report.repaired} changed during the build and repaired"
                )
            elif action == "status":
                status = index_status()
                for line in status.lines():
                    self.stdout.write(line)
                if not status.in_sync:
                    raise CommandError("index and database differ")
            else:
                before, report = index_sync()
                fixed = len(before.missing) + len(before.stale) + len(before.extra)
                self.stdout.write(
                    f"index {before.index}: {before.database} active contacts; {fixed} drifted, "
                    f"{report.upserted} pushed, {report.deleted} removed"
                    + (f", settings updated ({', '.join(before.settings_drift)})" if before.settings_drift else "")
                )
                if report.failed or report.unavailable:
                    raise CommandError("; ".join(report.failed + ([report.unavailable] if report.unavailable else [])))
        except (MeiliUnavailable, MeiliError) as exc:
            raise CommandError(str(exc)) from exc
