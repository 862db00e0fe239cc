from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "monquartier.alerts"
    label = "alerts"
    verbose_name = _("Alertes")

    def ready(self) -> None:
        # Django's place for wiring an app into the apps below it: moderation learns here
        # how to reach this app's content (moderation/content.py), the outbox how to send
        # an alert (outbox/sources.py) and where SMS received go (outbox/signals.py).
        from monquartier.accounts import exports
        from monquartier.accounts.signals import closed_accounts_expiring
        from monquartier.alerts import (
            events,
            holds,
            jobs,
            outbox,
            pagecache,
            reporting,
            retention,
            sms_intake,
        )
        from monquartier.alerts import exports as my_data
        from monquartier.notifications import events as notification_events
        from monquartier.outbox import sources
        from monquartier.outbox.signals import sms_received

        reporting.register()
        exports.register("alerts_sent", my_data.alerts_sent)
        jobs.register()
        holds.register()
        notification_events.register(events.texts)
        closed_accounts_expiring.connect(
            retention.erase_closed_accounts, dispatch_uid="alerts_erase_closed_accounts"
        )
        sources.register(outbox.SOURCE)
        sms_received.connect(sms_intake.on_sms_received, dispatch_uid="alerts_sms_intake")
        pagecache.connect()
