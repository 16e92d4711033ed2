from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuidanceConfig(AppConfig):
    """First steps per incident and state, linked to the contacts that help (issue 16).

    The model, selectors, loader and API sit beside the directory (they read its terms and
    contacts); `guidance.views` (the guide and evidence-log pages) sits on top with the
    other public pages, whose result cards it reuses.
    """

    name = "guidance"
    verbose_name = _("Erste Schritte")

    def ready(self):
        from guidance import signals

        signals.connect()
