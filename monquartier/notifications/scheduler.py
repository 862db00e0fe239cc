"""The scheduler: enqueues each periodic job once per period.

`manage.py run_scheduler` calls `tick()` every few seconds. A job's period is a string
(the minute, the day); inserting the ScheduledRun row and enqueueing the task happen in
one transaction, and the row's unique key (job, period) makes a second scheduler or a
restart enqueue nothing twice. A daily job whose hour has passed with no run today is
run at the next tick: a missed run catches up.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time

from django.db import IntegrityError, transaction
from django.utils import timezone

from monquartier.notifications.models import ScheduledRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    function: Callable[[str], object]
    every_minute: bool = False
    daily_at: time | None = None

    def period(self, now: datetime) -> str | None:
        local = timezone.localtime(now)
        if self.every_minute:
            return local.strftime("%Y-%m-%dT%H:%M")
        if self.daily_at is not None and local.time() >= self.daily_at:
            return local.date().isoformat()
        return None


def _jobs() -> dict[str, Job]:
    from monquartier.notifications import jobs

    return {
        job.name: job
        for job in (
            Job("sweep", jobs.sweep, every_minute=True),
            Job("daily_digest", jobs.daily_digest, daily_at=time(7, 0)),
            Job("birthdays", jobs.birthdays, daily_at=time(8, 0)),
            Job("join_reminders", jobs.join_reminders, daily_at=time(9, 0)),
            Job("escalate_join_requests", jobs.escalate_join_requests, daily_at=time(9, 30)),
            Job("prune", jobs.prune, daily_at=time(3, 0)),
        )
    }


def tick(now: datetime | None = None) -> list[str]:
    """Enqueue what is due; return 'job@period' for each job enqueued."""
    from monquartier.notifications.tasks import run_periodic_job

    now = now or timezone.now()
    enqueued = []
    for job in _jobs().values():
        period = job.period(now)
        if period is None:
            continue
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(job=job.name, period=period)
                run_periodic_job.enqueue(job=job.name, period=period)
        except IntegrityError:
            continue  # already enqueued for this period
        enqueued.append(f"{job.name}@{period}")
    return enqueued


def run_job(name: str, period: str) -> str:
    job = _jobs()[name]
    result = job.function(period)
    logger.info("Periodic job %s@%s: %s", name, period, result)
    return str(result)
