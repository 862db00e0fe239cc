from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UssdConfig(AppConfig):
    name = "monquartier.ussd"
    label = "ussd"
    verbose_name = _("Menu USSD")

    def ready(self) -> None:
        from monquartier.notifications.events import register as register_events
        from monquartier.ussd import events, jobs

        register_events(events.texts)
        jobs.register()
