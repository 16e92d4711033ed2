"""Drop the kept files of admin previews nobody confirmed within IMPORT_PREVIEW_HOURS.

The admin also does this whenever someone uploads or confirms; run it from a timer (as
`search_index sync`) so that an uploaded contact list is not kept when nobody comes back.
"""

from django.core.management.base import BaseCommand

from importers.services import previews_expire


class Command(BaseCommand):
    help = "Drop the uploaded files of unconfirmed import previews older than IMPORT_PREVIEW_HOURS."

    def handle(self, *args, **options):
        count = previews_expire()
        if options["verbosity"]:
            self.stdout.write(f"{count} expired preview(s) cleared")
