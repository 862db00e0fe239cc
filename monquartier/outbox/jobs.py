"""The outbox's periodic jobs (the scheduler enqueues them; each app registers its own
from its AppConfig.ready()). Each takes its period ("2026-11-23" or "2026-11-23T07:01")
and is safe to run twice for the same period."""

from datetime import time, timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from monquartier.outbox import scheduler, sender
from monquartier.outbox.models import (
    Delivery,
    DevOutboxMessage,
    ScheduledRun,
    TextMessage,
    VoiceCall,
)
from monquartier.outbox.scheduler import Job
from monquartier.outbox.services import wake_senders
from monquartier.outbox.voice import audio, calls

# docs/retention.md: what we sent to whom (addresses, numbers) is kept this long.
DELIVERY_RECORDS_DAYS = 90
PRUNE_BATCH = 5000

# The calls' audio (the alert's words, the sender's name): the signed URLs last two days.
VOICE_AUDIO_KEPT = timedelta(days=3)

# A task RUNNING this long belongs to a dead worker: ours all finish within a minute.
TASK_LEASE = timedelta(minutes=15)


def requeue_dead_tasks(older_than: timedelta = TASK_LEASE) -> int:
    cutoff = timezone.now() - older_than
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=cutoff
    ).update(status=TaskResultStatus.READY, started_at=None)


def sweep(period: str) -> str:
    """Rows and tasks of dead workers back in the queue, and a sender for each channel
    with rows due (e.g. the task that should have sent them was lost with its database)."""
    deliveries = sender.requeue_abandoned()
    tasks = requeue_dead_tasks()
    channels = sender.channels_due()
    if channels:
        wake_senders(channels)
    return f"{deliveries} deliveries and {tasks} tasks re-queued"


def prune(period: str) -> str:
    now = timezone.now()
    tasks, _ = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED],
        finished_at__lt=now - timedelta(days=14),
    ).delete()
    runs, _ = ScheduledRun.objects.filter(enqueued_at__lt=now - timedelta(days=30)).delete()
    outbox, _ = DevOutboxMessage.objects.filter(created_at__lt=now - timedelta(days=30)).delete()
    voice_audio = audio.prune_audio(VOICE_AUDIO_KEPT, now)
    return (
        f"pruned {tasks} task results, {runs} scheduler rows, {outbox} dev outbox messages, "
        f"{voice_audio} voice audio files"
    )


def delete_in_batches(queryset) -> int:
    """Delete the rows of `queryset` a batch of ids at a time: short transactions, no
    lock held on the whole table, bounded memory."""
    deleted = 0
    # OUTBOX_PRUNE_MAX_ROWS a night at most (docs/operations.md: above a day's rows at the
    # country's rate); what is left, the next night deletes.
    for _batch in range(-(-settings.OUTBOX_PRUNE_MAX_ROWS // PRUNE_BATCH)):
        ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:PRUNE_BATCH])
        if not ids:
            break
        count, _ = queryset.model.objects.filter(pk__in=ids).delete()
        deleted += count
    return deleted


def prune_delivery_records(period: str) -> str:
    cutoff = timezone.now() - timedelta(days=DELIVERY_RECORDS_DAYS)
    deliveries = delete_in_batches(Delivery.objects.filter(created_at__lt=cutoff))
    # The flood limits count these for a week at most.
    texts = delete_in_batches(TextMessage.objects.filter(created_at__lt=cutoff))
    # The counted calls hold the number called, like the deliveries.
    voice_calls = delete_in_batches(VoiceCall.objects.filter(created_at__lt=cutoff))
    return (
        f"deleted {deliveries} delivery records, {texts} counted SMS records and "
        f"{voice_calls} counted calls"
    )


def settle_silent_calls(period: str) -> str:
    return f"{calls.settle_silent_calls()} voice calls ended without their callback"


def register() -> None:
    scheduler.register(
        Job("sweep", sweep, every_minute=True),
        Job("settle_silent_calls", settle_silent_calls, every_minute=True),
        Job("prune", prune, daily_at=time(3, 0)),
        Job("prune_delivery_records", prune_delivery_records, daily_at=time(3, 15)),
    )
