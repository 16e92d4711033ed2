from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CurationConfig(AppConfig):
    name = "curation"
    verbose_name = _("Pflege und Prüfung")

    def ready(self):
        from curation import rules  # noqa: F401  (registers the role and object permissions)
