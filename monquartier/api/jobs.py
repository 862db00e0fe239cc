"""The API's periodic job: the idempotency keys are forgotten after a day; an app repeats
a lost request within minutes, not days."""

from datetime import time, timedelta

from django.utils import timezone

from monquartier.api.models import IdempotentRequest
from monquartier.outbox import scheduler
from monquartier.outbox.jobs import delete_in_batches
from monquartier.outbox.scheduler import Job

IDEMPOTENCY_KEYS_KEPT = timedelta(hours=24)


def prune_idempotency_keys(period: str) -> str:
    cutoff = timezone.now() - IDEMPOTENCY_KEYS_KEPT
    count = delete_in_batches(IdempotentRequest.objects.filter(created_at__lt=cutoff))
    return f"deleted {count} idempotency keys"


def register() -> None:
    scheduler.register(Job("prune_idempotency_keys", prune_idempotency_keys, daily_at=time(3, 40)))
