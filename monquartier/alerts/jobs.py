"""Alerts' periodic jobs: the SMS received are kept as long as the delivery records
(docs/retention.md; an alert made from one keeps its own text); every minute, the
escalation of the alerts nobody acknowledged (alerts/escalation.py)."""

from datetime import time, timedelta

from django.utils import timezone

from monquartier.alerts import escalation
from monquartier.alerts.models import InboundSMS
from monquartier.outbox import scheduler
from monquartier.outbox.jobs import DELIVERY_RECORDS_DAYS, delete_in_batches
from monquartier.outbox.scheduler import Job


def prune_inbound_sms(period: str) -> str:
    cutoff = timezone.now() - timedelta(days=DELIVERY_RECORDS_DAYS)
    count = delete_in_batches(InboundSMS.objects.filter(received_at__lt=cutoff))
    return f"deleted {count} SMS received"


def escalate_alerts(period: str) -> str:
    """Every minute: the alerts nobody acknowledged in time go one step further."""
    return f"{escalation.escalate_due()} escalation steps"


def register() -> None:
    scheduler.register(
        Job("prune_inbound_sms", prune_inbound_sms, daily_at=time(3, 20)),
        Job("escalate_alerts", escalate_alerts, every_minute=True),
    )
