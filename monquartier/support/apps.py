from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "monquartier.support"
    label = "support"
    verbose_name = _("Assistance")

    def ready(self) -> None:
        # Django's place for wiring an app into the apps below it: the outbox learns here
        # how to send the desk's e-mails, notifications what its events say; communities' escalations and moderation's
        # exclusion requests open tickets (receivers.py).
        from monquartier.notifications.events import register
        from monquartier.outbox import sources
        from monquartier.support import events, outbox, receivers  # noqa: F401

        sources.register(outbox.SOURCE)
        register(events.texts)
