from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "monquartier.messaging"
    label = "messaging"
    verbose_name = _("Messagerie")

    def ready(self) -> None:
        # Django's place for wiring an app into the apps below it: moderation learns here
        # how to reach this app's content (moderation/content.py) and notifications what
        # its events say (notifications/events.py).
        from monquartier.accounts import exports
        from monquartier.messaging import events, pagecache, reporting
        from monquartier.messaging import exports as my_data
        from monquartier.notifications.events import register

        reporting.register()
        register(events.texts)
        exports.register("conversations", my_data.conversations)
        pagecache.connect()
