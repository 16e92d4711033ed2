from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PagesConfig(AppConfig):
    """The public pages: start, results, contact and landing pages, on top of the directory,
    the search library and the importers (arrows point down: DESIGN.md, issue 18)."""

    name = "pages"
    verbose_name = _("Seiten")
