from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuidanceConfig(AppConfig):
    """First steps per incident and state, linked to the contacts that help (issue 16).

    Beside the directory, whose terms and contacts it reads: the model, its admin, the
    selectors, the loader and the steps as pages and API show them. Nothing here imports
    the apps on top: the guide and evidence-log pages are in pages/ (with templates here),
    GET /api/v1/guidance/ in api/.
    """

    name = "guidance"
    verbose_name = _("Erste Schritte")

    def ready(self):
        from guidance import signals

        signals.connect()
