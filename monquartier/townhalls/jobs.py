"""The town halls' periodic job: the dashboard's daily aggregate (townhalls/stats.py)."""

from monquartier.outbox import scheduler
from monquartier.outbox.scheduler import Job
from monquartier.townhalls import stats


def register() -> None:
    scheduler.register(Job("dashboard_stats", stats.update, every_minute=True))
