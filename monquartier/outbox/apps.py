from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "monquartier.outbox"
    label = "outbox"
    verbose_name = _("Boîte d'envoi")

    def ready(self) -> None:
        from monquartier.outbox import jobs

        jobs.register()
