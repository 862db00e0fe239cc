from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffopsConfig(AppConfig):
    name = "monquartier.staffops"
    label = "staffops"
    verbose_name = _("Opérations de l'équipe")

    def ready(self) -> None:
        # Django's place for wiring an app into the apps below it: notifications learn
        # here what its events say (notifications/events.py).
        from monquartier.notifications.events import register
        from monquartier.staffops import events

        register(events.texts)
