"""Waking the senders, and the counted SMS sent outside the alert outbox."""

from collections.abc import Iterable, Mapping
from datetime import datetime

from django.db import transaction
from django_tasks_db.backend import DatabaseBackend

from monquartier.outbox import wakes
from monquartier.outbox.models import Channel, TextMessage
from monquartier.outbox.sender import BATCH_SIZE
from monquartier.outbox.sms.gsm7 import to_gsm7
from monquartier.outbox.tasks import deliver, send_text_message

_SEND_ORDER = (Channel.PUSH, Channel.EMAIL, Channel.SMS, Channel.VOICE)


def wake_senders(
    channels: Iterable[str],
    *,
    at: datetime | None = None,
    copies: int = 1,
    rows: Mapping[str, int] | None = None,
) -> None:
    """Enqueue sender tasks per channel, now or at a given time (the alert SMS). With
    copies > 1, several workers share a big batch (each claims its own rows). With the
    rows written per channel, no more copies than batches of the channel's due queue
    (these rows and those waiting before them, PostgreSQL; elsewhere these rows): a small
    alert on a quiet day fills one or two, and a copy that finds nothing still costs a
    task claimed, run and closed by a worker. Senders already running or queued that will
    see the rows count as copies (outbox/wakes.py)."""
    backend = deliver.get_backend()
    if at is not None and not backend.supports_defer:
        return  # a backend that cannot wait (tests, immediate): the sweep sends them when due
    # Only a database queue can be looked into.
    counted = isinstance(backend, DatabaseBackend) and wakes.coordinated()
    if at is not None and counted:
        at = wakes.rounded_up(at)
    task = deliver.using(run_after=at) if at is not None else deliver
    # Workers take tasks in the order they were written: push first (a phone shows it in
    # seconds), then e-mail, then SMS, then voice calls.
    for channel in sorted(set(channels), key=_SEND_ORDER.index):
        batch = BATCH_SIZE[channel]
        wanted = copies
        if rows is not None and channel in rows:
            wanted = max(1, min(copies, -(-rows[channel] // batch)))
        with transaction.atomic():
            if counted and at is None and wanted < copies:
                # The rows of this wake may be few while the channel's queue is long
                # (a day of many small alerts): the copies follow the queue, counted
                # up to the rows that would fill them all.
                queued = wakes.rows_due(channel, copies * batch)
                wanted = max(wanted, min(copies, -(-queued // batch)))
            if counted:
                wanted -= wakes.senders_that_will_look(
                    channel, wanted, deliver, backend.alias, at=at
                )
            for _copy in range(wanted):
                task.enqueue(channel=channel)


def send_text(to: str, text: str, *, purpose: str, account=None, community=None) -> TextMessage:
    """One SMS outside the alert outbox (a reply, a request for consent), counted in the
    same transaction as the task that sends it: the flood limits count these rows."""
    record = TextMessage.objects.create(
        purpose=purpose, to=to, account=account, community=community
    )
    # Plain GSM-7: one SMS, never the costlier UCS-2.
    send_text_message.enqueue(to=to, text=to_gsm7(text), record_id=record.pk)
    return record
