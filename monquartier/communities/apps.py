from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    name = "monquartier.communities"
    label = "communities"
    verbose_name = _("Communautés")

    def ready(self):
        from monquartier.communities import jobs, receivers, signals  # noqa: F401

        jobs.register()
