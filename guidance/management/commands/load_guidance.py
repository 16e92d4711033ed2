from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from guidance.loader import STEPS_FILE, StepFileError, steps_load


class Command(BaseCommand):
    help = "Load the first steps (fixtures/guidance/steps.json); unchanged steps write nothing, steps edited in the admin are kept."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(STEPS_FILE), help="the steps file (default: %(default)s)")
        parser.add_argument("--overwrite", action="store_true", help="also replace steps edited in the admin since the last load")

    def handle(self, *args, path, overwrite=False, **options):
        try:
            report = steps_load(Path(path), overwrite=overwrite)
        except StepFileError as exc:
            raise CommandError(f"{path}: nothing loaded, {len(exc.problems)} problem(s):\n" + "\n".join(f"  {p}" for p in exc.problems)) from None
        self.stdout.write(
            f"guidance steps: {len(report.created)} new, {len(report.updated)} updated, {len(report.unchanged)} unchanged, "
            f"{len(report.kept)} kept, {len(report.deactivated)} deactivated"
        )
        if report.kept:
            self.stdout.write("  edited in the admin since the last load, kept (--overwrite takes the file's version): " + ", ".join(report.kept))
        if report.deactivated:
            self.stdout.write("  no longer in the file, switched off: " + ", ".join(report.deactivated))
        if report.inactive:
            self.stdout.write("  in the file but switched off: " + ", ".join(report.inactive))
