from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "monquartier.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from monquartier.accounts import exports
        from monquartier.accounts.signals import closed_accounts_expiring
        from monquartier.notifications import exports as my_data
        from monquartier.notifications import jobs, outbox, retention
        from monquartier.outbox import sources

        jobs.register()
        exports.register("notification_preferences", my_data.preferences)
        exports.register("notifications_last_90_days", my_data.notifications)
        closed_accounts_expiring.connect(
            retention.erase_closed_accounts, dispatch_uid="notifications_erase_closed_accounts"
        )
        sources.register(outbox.NOTIFICATION)
        sources.register(outbox.DIGEST)
