from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self):
        from api.throttles import check_rates

        # A mistyped rate in the environment must stop the start, not disable throttling.
        check_rates()
