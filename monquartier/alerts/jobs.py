"""Alerts' periodic job: the SMS received are kept as long as the delivery records
(docs/retention.md); an alert made from one keeps its own text."""

from datetime import time, timedelta

from django.utils import timezone

from monquartier.alerts.models import InboundSMS
from monquartier.outbox import scheduler
from monquartier.outbox.jobs import DELIVERY_RECORDS_DAYS, delete_in_batches
from monquartier.outbox.scheduler import Job


def prune_inbound_sms(period: str) -> str:
    cutoff = timezone.now() - timedelta(days=DELIVERY_RECORDS_DAYS)
    count = delete_in_batches(InboundSMS.objects.filter(received_at__lt=cutoff))
    return f"deleted {count} SMS received"


def register() -> None:
    scheduler.register(Job("prune_inbound_sms", prune_inbound_sms, daily_at=time(3, 20)))
