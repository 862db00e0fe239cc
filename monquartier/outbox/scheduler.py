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
from django_tasks import task

from monquartier.outbox.models import ScheduledRun

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


# Each app registers its jobs from its AppConfig.ready() (outbox/jobs.py,
# notifications/jobs.py, communities/jobs.py): the scheduler knows no app above it.
_JOBS: dict[str, Job] = {}


def register(*jobs: Job) -> None:
    for job in jobs:
        _JOBS[job.name] = job


def _jobs() -> dict[str, Job]:
    return _JOBS


def tick(now: datetime | None = None) -> list[str]:
    """Enqueue what is due; return 'job@period' for each job enqueued."""
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


@task()
def run_periodic_job(*, job: str, period: str) -> str:
    return run_job(job, period)
