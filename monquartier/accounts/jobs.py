"""Accounts' periodic job: the retention of closed accounts (docs/retention.md)."""

from datetime import time

from monquartier.accounts.retention import erase_closed_account_traces
from monquartier.outbox import scheduler
from monquartier.outbox.scheduler import Job


def erase_closed_accounts(period: str) -> str:
    return f"erased what {erase_closed_account_traces()} closed accounts left"


def register() -> None:
    scheduler.register(Job("erase_closed_accounts", erase_closed_accounts, daily_at=time(3, 30)))
