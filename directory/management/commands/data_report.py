from django.core.management.base import BaseCommand

from directory.reports import network_report, report_lines


class Command(BaseCommand):
    help = "Print the data report: core kinds per state, gaps, contacts without incident information, http URLs, old sources."

    def handle(self, *args, **options):
        for line in report_lines(network_report()):
            self.stdout.write(line)
