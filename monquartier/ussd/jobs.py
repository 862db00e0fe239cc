"""The USSD app's periodic job: what a session typed and showed is kept a day after it
expires (enough to answer a late callback clearly); the session itself (number,
community, day: what the caps and the cost pages count) and call-back requests as long
as delivery records."""

from datetime import time, timedelta

from django.utils import timezone

from monquartier.outbox import scheduler
from monquartier.outbox.jobs import DELIVERY_RECORDS_DAYS, delete_in_batches
from monquartier.outbox.scheduler import Job
from monquartier.ussd.models import CallbackRequest, UssdSession


def prune_ussd(period: str) -> str:
    now = timezone.now()
    UssdSession.objects.filter(expires_at__lt=now - timedelta(days=1)).exclude(
        state={}, last_text="", last_screen=""
    ).update(user=None, state={}, last_text="", last_screen="")
    sessions = delete_in_batches(
        UssdSession.objects.filter(created_at__lt=now - timedelta(days=DELIVERY_RECORDS_DAYS))
    )
    requests = delete_in_batches(
        CallbackRequest.objects.filter(created_at__lt=now - timedelta(days=DELIVERY_RECORDS_DAYS))
    )
    return f"deleted {sessions} USSD sessions and {requests} call-back requests"


def register() -> None:
    scheduler.register(Job("prune_ussd", prune_ussd, daily_at=time(3, 40)))
