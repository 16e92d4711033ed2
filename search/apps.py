from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Suche")

    def ready(self):
        from directory.services import contacts_changed
        from search.sync import contacts_queue

        contacts_changed.connect(contacts_queue, dispatch_uid="search_contacts_queue")
