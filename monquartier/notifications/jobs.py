"""The notifications' periodic job: the daily digest (the scheduler enqueues it at 7:00;
it is safe to run twice for the same day)."""

from datetime import date, time

from monquartier.notifications import digests
from monquartier.outbox import scheduler
from monquartier.outbox.scheduler import Job


def daily_digest(period: str) -> str:
    return f"{digests.make_digests(date.fromisoformat(period))} digests"


def register() -> None:
    scheduler.register(Job("daily_digest", daily_digest, daily_at=time(7, 0)))
