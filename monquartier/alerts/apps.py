from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "monquartier.alerts"
    label = "alerts"
    verbose_name = _("Alertes")

    def ready(self) -> None:
        # Django's place for wiring an app into the apps below it: moderation learns here
        # how to reach this app's content (moderation/content.py).
        from monquartier.alerts import reporting

        reporting.register()
