"""One sender per channel is enough: how a wake knows that a sender already queued or
running will see its rows, and enqueues no other (PostgreSQL).

A sender (sender.deliver) holds a shared advisory lock of its channel while it runs
(`Running`), and it ends only after a last claim, made under the wake lock, has found
nothing (`Running.last_claim`). A wake (services.wake_senders) takes the wake lock, which
it keeps until its transaction commits, and counts the senders of the channel that will
claim after that commit (`senders_that_will_look`):

- those running: whatever each is doing (sending a batch, or about to end), its last
  claim waits for the wake lock, hence for the wake's rows to be committed;
- those queued and due: the wake locks their task rows (FOR UPDATE SKIP LOCKED), so that
  no worker can start one before the commit.

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
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django_tasks.base import Task, TaskResultStatus
from django_tasks_db.models import DBTaskResult

from monquartier.outbox.models import Channel

logger = logging.getLogger(__name__)

# Advisory lock keys (two int4): ours, then what it locks. The wake lock is one for every
# channel: wakes that take it for several channels never wait for each other in a cycle.
_NAMESPACE = 0x4D510001
_WAKE_LOCK = 0
_CHANNEL_LOCKS: dict[str, int] = {
    Channel.EMAIL: 1,
    Channel.SMS: 2,
    Channel.PUSH: 3,
    Channel.VOICE: 4,
}

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


def _take_wake_lock() -> None:
    # Until the end of the transaction.
    _execute("SELECT pg_advisory_xact_lock(%s, %s)", [_NAMESPACE, _WAKE_LOCK])


class Running:
    """A sender's hold on its channel, from its start to its last claim."""

    def __init__(self, channel: str) -> None:
        self.key = _CHANNEL_LOCKS[channel]
        self.held = False

    def __enter__(self) -> "Running":
        if _running_counted():
            _execute("SELECT pg_advisory_lock_shared(%s, %s)", [_NAMESPACE, self.key])
            self.held = True
        return self

    def last_claim(self, claim: Callable[[], list[int]]) -> list[int]:
        """Claim once more, under the wake lock: a wake that counted this sender has
        committed its rows by then. With nothing claimed, let go of the channel before
        the wake lock is released (the next wake counts this sender no more)."""
        if not self.held:
            return []
        with transaction.atomic():
            _take_wake_lock()
            ids = claim()
            if not ids:
                self._release()
        return ids

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
    _take_wake_lock()
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


def rounded_up(at: datetime) -> datetime:
    """Delayed wakes meet on whole seconds: the alerts of one second share one delayed
    sender, whose rows then wait at most a second more (the alert SMS waits minutes)."""
    if at.microsecond:
        return at.replace(microsecond=0) + timedelta(seconds=1)
    return at
