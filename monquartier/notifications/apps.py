from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "monquartier.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from monquartier.notifications import jobs, outbox
        from monquartier.outbox import sources

        jobs.register()
        sources.register(outbox.NOTIFICATION)
        sources.register(outbox.DIGEST)
