from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "monquartier.api"
    label = "api"
    verbose_name = _("API des applications")

    def ready(self) -> None:
        from monquartier.api import jobs

        jobs.register()
