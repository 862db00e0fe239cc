"""One sender per channel is enough: how a wake knows that a sender already queued or
running will see its rows, and enqueues no other (PostgreSQL).

A sender (sender.deliver) holds a shared advisory lock of its channel while it runs
(`Running`), and it ends only after a last claim, made holding the channel's wake lock
alone, has found nothing (`Running.last_claim`). A wake (services.wake_senders) holds the
wake lock shared until its transaction commits, and counts the senders of the channel
that will claim after that commit (`senders_that_will_look`):

- those running: whatever each is doing (sending a batch, or about to end), its last
  claim cannot take the wake lock alone before the wake's commit, hence sees its rows;
- those queued and due: the wake locks their task rows (FOR UPDATE SKIP LOCKED), so that
  no worker can start one before the commit.

Wakes never wait for each other (the lock is shared), and never for a sender: a sender
tries the lock and, while wakes hold it, claims what is due meanwhile and tries again.

A delayed wake (rows due later: the alert SMS) is rounded up to the second and counts the
tasks queued for that same second; one that starts before the wake commits still waits
for it in its last claim.

A sender that dies lets go of its lock with its connection: it is counted no more. A
sender starting or finishing between two wakes may be missed by them: counting too few
only costs a task. Behind PgBouncer in transaction mode (DATABASE_BEHIND_POOLER) a
session's lock is not to be had: only the queued senders are counted. Elsewhere (SQLite,
a task backend that runs tasks at once) nothing is counted and every wake enqueues, as
before.
"""

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_tasks.base import Task, TaskResultStatus
from django_tasks_db.models import DBTaskResult

from monquartier.outbox.models import Channel, Delivery, DeliveryStatus

T = TypeVar("T")  # what a claim returns

logger = logging.getLogger(__name__)

# Advisory lock keys (two int4): ours, then what it locks: a channel's running senders,
# and its wake lock (the same number plus _WAKE_LOCKS).
_NAMESPACE = 0x4D510001
_CHANNEL_LOCKS: dict[str, int] = {
    Channel.EMAIL: 1,
    Channel.SMS: 2,
    Channel.PUSH: 3,
    Channel.VOICE: 4,
}
_WAKE_LOCKS = 100
# A sender whose last claim finds a wake committing polls this often: it never queues for
# the wake lock, so a wake never waits behind it.
WAKE_POLL_SECONDS = 0.02

# Granted locks of this database (advisory locks are per database; a benchmark or a test
# database on the same server has senders of its own).
_HOLDERS = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND classid = %s AND objid = %s AND objsubid = 2"
)


def coordinated() -> bool:
    return connection.vendor == "postgresql"


def _running_counted() -> bool:
    # Behind a pooler in transaction mode a session's lock would stay with the server
    # connection its transaction used, which goes on to serve other clients: there only
    # the queued senders are counted (docs/operations.md, Scale-out).
    return coordinated() and not settings.DATABASE_BEHIND_POOLER


def _execute(sql: str, parameters: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        return cursor.fetchall()


def _take_wake_lock(channel: str) -> None:
    # Shared and until the end of the transaction: wakes never wait for each other (nor
    # make a cycle with the rest of their transactions); only for a sender's last claim.
    key = _WAKE_LOCKS + _CHANNEL_LOCKS[channel]
    _execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", [_NAMESPACE, key])


def _try_wake_lock_alone(channel: str) -> bool:
    # Exclusive, until the end of the transaction; false while a wake holds it.
    key = _WAKE_LOCKS + _CHANNEL_LOCKS[channel]
    ((taken,),) = _execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [_NAMESPACE, key])
    return bool(taken)


class Running:
    """A sender's hold on its channel, from its start to its last claim."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.key = _CHANNEL_LOCKS[channel]
        self.held = False

    def __enter__(self) -> "Running":
        if _running_counted():
            _execute("SELECT pg_advisory_lock_shared(%s, %s)", [_NAMESPACE, self.key])
            self.held = True
        return self

    def last_claim(self, claim: Callable[[], list[T]], until: float) -> list[T] | None:
        """Claim once more, holding the wake lock alone: a wake that counted this sender
        has committed its rows by then. With nothing claimed, let go of the channel before
        the wake lock is released (the next wake counts this sender no more). While wakes
        hold the lock, claim what is due meanwhile and try again; None when
        time.monotonic() passes `until` first: the caller hands over to a fresh task."""
        if not self.held:
            return []
        while True:
            with transaction.atomic():
                if _try_wake_lock_alone(self.channel):
                    claimed = claim()
                    if not claimed:
                        self._release()
                    return claimed
            claimed = claim()
            if claimed:
                return claimed
            if time.monotonic() > until:
                return None
            time.sleep(WAKE_POLL_SECONDS)

    def _release(self) -> None:
        _execute("SELECT pg_advisory_unlock_shared(%s, %s)", [_NAMESPACE, self.key])
        self.held = False

    def __exit__(self, *exc_info) -> None:
        if self.held:
            try:
                self._release()
            except DatabaseError:
                # The connection is broken: the lock went with it.
                logger.warning("Could not release the sender lock", exc_info=True)


def senders_that_will_look(
    channel: str, wanted: int, task: Task, backend_name: str, *, at: datetime | None = None
) -> int:
    """In the wake's transaction: how many senders of the channel (up to `wanted`) will
    claim after it commits. Takes the wake lock, and locks the queued tasks it counts.
    For rows due at `at` (later), only the tasks queued to start at that very moment
    count: a sender running now may have ended by then."""
    _take_wake_lock(channel)
    running = 0
    if at is None and _running_counted():
        ((running,),) = _execute(_HOLDERS, [_NAMESPACE, _CHANNEL_LOCKS[channel]])
        if running >= wanted:
            return running
    tasks = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY,
        task_path=task.module_path,
        queue_name=task.queue_name,
        backend_name=backend_name,
        args_kwargs__kwargs__channel=channel,
    )
    due = tasks.filter(run_after=at) if at is not None else tasks.ready()
    queued = (
        due.order_by()
        .select_for_update(skip_locked=True)
        .values_list("id", flat=True)[: wanted - running]
    )
    return running + len(list(queued))


def rows_due(channel: str, cap: int) -> int:
    """The channel's rows queued and due now, counted up to `cap` (an index-only walk of
    at most that many entries of the queue's partial index, whatever its length)."""
    due = Delivery.objects.filter(
        status=DeliveryStatus.QUEUED, channel=channel, due_at__lte=timezone.now()
    )
    # A sliced count is a count of a LIMITed subquery.
    return due.order_by()[:cap].count()


def rounded_up(at: datetime) -> datetime:
    """Delayed wakes meet on whole seconds: the alerts of one second share one delayed
    sender, whose rows then wait at most a second more (the alert SMS waits minutes)."""
    if at.microsecond:
        return at.replace(microsecond=0) + timedelta(seconds=1)
    return at
