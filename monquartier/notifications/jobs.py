"""The outbox's periodic jobs (the scheduler enqueues them; communities register theirs
in communities/jobs.py). Each takes its period ("2026-11-23" or "2026-11-23T07:01") and
is safe to run twice for the same period."""

from datetime import date, time, timedelta

from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from monquartier.notifications import digests, scheduler, sender
from monquartier.notifications.models import DevOutboxMessage, ScheduledRun
from monquartier.notifications.scheduler import Job

# A task RUNNING this long belongs to a dead worker: ours all finish within a minute.
TASK_LEASE = timedelta(minutes=15)


def requeue_dead_tasks(older_than: timedelta = TASK_LEASE) -> int:
    cutoff = timezone.now() - older_than
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=cutoff
    ).update(status=TaskResultStatus.READY, started_at=None)


def sweep(period: str) -> str:
    deliveries = sender.requeue_abandoned()
    tasks = requeue_dead_tasks()
    sender.wake_for_due()
    return f"{deliveries} deliveries and {tasks} tasks re-queued"


def daily_digest(period: str) -> str:
    return f"{digests.make_digests(date.fromisoformat(period))} digests"


def prune(period: str) -> str:
    now = timezone.now()
    tasks, _ = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED],
        finished_at__lt=now - timedelta(days=14),
    ).delete()
    runs, _ = ScheduledRun.objects.filter(enqueued_at__lt=now - timedelta(days=30)).delete()
    outbox, _ = DevOutboxMessage.objects.filter(created_at__lt=now - timedelta(days=30)).delete()
    return f"pruned {tasks} task results, {runs} scheduler rows, {outbox} dev outbox messages"


def register() -> None:
    scheduler.register(
        Job("sweep", sweep, every_minute=True),
        Job("daily_digest", daily_digest, daily_at=time(7, 0)),
        Job("prune", prune, daily_at=time(3, 0)),
    )
