from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "monquartier.moderation"
    label = "moderation"
    verbose_name = _("Modération")

    def ready(self) -> None:
        # Django's place for wiring an app into the apps below it: notifications learn
        # here what its events say (notifications/events.py).
        from monquartier.accounts import exports
        from monquartier.moderation import events
        from monquartier.moderation import exports as my_data
        from monquartier.notifications.events import register

        register(events.texts)
        exports.register("reports_made", my_data.reports_made)
