"""One sender per channel (outbox/wakes.py): a wake enqueues no task when a sender already
queued or running will see its rows, and never loses rows to a sender about to end
(PostgreSQL: advisory locks; each sender and wake here has its own connection)."""

import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from monquartier.alerts import fanout, services
from monquartier.outbox import sender, wakes
from monquartier.outbox.models import Channel, Delivery, DeliveryStatus
from monquartier.outbox.services import wake_senders
from monquartier.outbox.tasks import deliver

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs advisory locks"),
]

DELIVER = "monquartier.outbox.tasks.deliver"


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }


def email_senders_queued() -> int:
    return sum(
        1
        for task in DBTaskResult.objects.filter(task_path=DELIVER, status="READY")
        if task.args_kwargs["kwargs"]["channel"] == Channel.EMAIL
    )


def alert_of(awa):
    # Written with its fan-out task, not yet fanned out: the test fans it out itself.
    alert = services.send_alert(awa, category="theft", text="Deux motos volées rue 12")
    DBTaskResult.objects.all().delete()
    return alert


class PausedSender:
    """sender.deliver on a thread of its own, stopped after its first claim that found
    nothing (it holds its channel, as a sender about to end does) until `go_on`."""

    def __init__(self, monkeypatch, channel: str) -> None:
        self.at_the_end = threading.Event()
        self.go_on = threading.Event()
        self.handled: int | None = None
        claim = sender.claim

        def pausing_claim(channel: str, limit: int) -> list:
            claimed = claim(channel, limit)
            if not claimed and not self.at_the_end.is_set():
                self.at_the_end.set()
                self.go_on.wait(10)
            return claimed

        monkeypatch.setattr(sender, "claim", pausing_claim)
        self.thread = threading.Thread(target=self._run, args=(channel,))

    def _run(self, channel: str) -> None:
        try:
            self.handled, _more = sender.deliver(channel)
        finally:
            connections.close_all()

    def __enter__(self) -> "PausedSender":
        self.thread.start()
        assert self.at_the_end.wait(10)
        return self

    def __exit__(self, *exc_info) -> None:
        self.go_on.set()
        self.thread.join(20)
        assert not self.thread.is_alive()


def test_a_wake_enqueues_a_sender_when_none_runs(riviera, awa, yao, database_tasks):
    fanout.fan_out_alert(alert_of(awa))
    assert email_senders_queued() == 1


def test_a_queued_sender_is_enough(riviera, awa, yao, database_tasks):
    wake_senders([Channel.EMAIL])
    fanout.fan_out_alert(alert_of(awa))
    assert email_senders_queued() == 1


def test_a_sender_about_to_end_sends_the_rows_of_a_wake_that_counted_it(
    riviera, awa, yao, database_tasks, monkeypatch
):
    """The sender's claim found nothing; the alert's rows are written and the wake sees
    the sender still running, so it enqueues nothing. The sender's last claim waits for
    the wake's commit, and takes the rows."""
    alert = alert_of(awa)
    with PausedSender(monkeypatch, Channel.EMAIL) as paused, transaction.atomic():
        fanout.fan_out_alert(alert)
        assert email_senders_queued() == 0
        paused.go_on.set()
        time.sleep(0.3)  # the sender now waits for this transaction
        assert paused.thread.is_alive()
    assert paused.handled == 1
    assert Delivery.objects.get(alert=alert, channel=Channel.EMAIL).status == DeliveryStatus.SENT
    assert [message.to for message in mail.outbox] == [[yao.email]]


def test_a_wake_after_a_sender_ended_enqueues_one(riviera, awa, yao, database_tasks, monkeypatch):
    alert = alert_of(awa)
    with PausedSender(monkeypatch, Channel.EMAIL) as paused:
        paused.go_on.set()
        paused.thread.join(10)
        assert paused.handled == 0
        fanout.fan_out_alert(alert)
    assert email_senders_queued() == 1


def test_a_sender_whose_connection_died_is_counted_no_more(riviera, awa, yao, database_tasks):
    """A worker that dies takes its lock with its connection: the next wake enqueues."""
    held, closed = threading.Event(), threading.Event()

    def dying_sender() -> None:
        running = wakes.Running(Channel.EMAIL).__enter__()
        assert running.held
        held.set()
        closed.wait(10)
        connections.close_all()  # never released: the connection goes

    thread = threading.Thread(target=dying_sender)
    thread.start()
    assert held.wait(10)
    wake_senders([Channel.EMAIL])
    assert email_senders_queued() == 0  # counted while its connection lives
    closed.set()
    thread.join(10)
    for _poll in range(50):  # the server ends the dead connection's backend meanwhile
        with transaction.atomic():
            if wakes.senders_that_will_look(Channel.EMAIL, 1, deliver, "default") == 0:
                break
        time.sleep(0.1)
    fanout.fan_out_alert(alert_of(awa))
    assert email_senders_queued() == 1


def test_delayed_wakes_of_one_second_share_one_sender(database_tasks):
    """The alert SMS of alerts sent in the same second wait for one task, started on the
    next whole second (after every one of them is due)."""
    from datetime import timedelta

    from django.utils import timezone

    due = timezone.now().replace(microsecond=100_000) + timedelta(minutes=3)
    wake_senders([Channel.SMS], at=due)
    wake_senders([Channel.SMS], at=due + timedelta(milliseconds=500))
    wake_senders([Channel.SMS], at=due + timedelta(seconds=1))
    starts = sorted(
        task.run_after
        for task in DBTaskResult.objects.filter(task_path=DELIVER)
        if task.args_kwargs["kwargs"]["channel"] == Channel.SMS
    )
    second = due.replace(microsecond=0) + timedelta(seconds=1)
    assert starts == [second, second + timedelta(seconds=1)]


def test_behind_a_pooler_only_queued_senders_count(
    riviera, awa, yao, database_tasks, monkeypatch, settings
):
    """PgBouncer in transaction mode: no session lock (it would stay with a server
    connection that serves others), so a running sender is not counted and a wake
    enqueues; a queued one still counts."""
    settings.DATABASE_BEHIND_POOLER = True
    alert = alert_of(awa)
    with PausedSender(monkeypatch, Channel.EMAIL) as paused:
        fanout.fan_out_alert(alert)
        assert email_senders_queued() == 1
        wake_senders([Channel.EMAIL])
        assert email_senders_queued() == 1
    # It had claimed before the rows were written, and ended: the queued task sends them.
    assert paused.handled == 0
    assert Delivery.objects.get(alert=alert, channel=Channel.EMAIL).status == DeliveryStatus.QUEUED


def test_two_wakes_never_wait_for_each_other(database_tasks):
    """A wake keeps the wake lock until it commits, shared: another wake (a web request
    that notifies, say) goes on meanwhile, whatever else their transactions lock."""
    woken, done = threading.Event(), threading.Event()

    def first_wake() -> None:
        try:
            with transaction.atomic():
                wake_senders([Channel.EMAIL, Channel.PUSH])
                woken.set()
                done.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=first_wake)
    thread.start()
    assert woken.wait(10)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            wake_senders([Channel.PUSH, Channel.EMAIL])
    finally:
        done.set()
        thread.join(10)
    assert email_senders_queued() == 2  # neither saw the other's uncommitted task


def test_a_sender_that_waits_too_long_for_wakes_hands_over_to_a_fresh_task(database_tasks):
    outcome: dict = {}

    def sender_with_little_time() -> None:
        try:
            outcome["result"] = sender.deliver(Channel.EMAIL, max_seconds=0.3)
        finally:
            connections.close_all()

    with transaction.atomic():
        wake_senders([Channel.EMAIL])  # holds the wake lock until this block ends
        thread = threading.Thread(target=sender_with_little_time)
        thread.start()
        thread.join(10)
    assert outcome["result"] == (0, True)  # tasks.deliver then enqueues the next one


def test_a_small_wake_behind_a_long_queue_gets_every_copy(riviera, awa, yao, database_tasks):
    """A day of many small alerts: each wake's rows fill one batch, but the channel's
    queue is long, so its copies follow the queue (the peak day drained with one sender
    per channel and a core idle). Rows due later, or sent, are not counted."""
    batch = sender.BATCH_SIZE[Channel.EMAIL]
    later = timezone.now() + timedelta(minutes=5)
    Delivery.objects.bulk_create(
        [Delivery(channel=Channel.EMAIL, address=f"n{k}@exemple.ci") for k in range(batch + 1)]
        + [
            Delivery(channel=Channel.EMAIL, address=f"l{k}@exemple.ci", due_at=later)
            for k in range(3 * batch)
        ]
        + [
            Delivery(channel=Channel.EMAIL, address=f"s{k}@exemple.ci", status=DeliveryStatus.SENT)
            for k in range(3 * batch)
        ]
    )
    assert wakes.rows_due(Channel.EMAIL, 10 * batch) == batch + 1
    assert wakes.rows_due(Channel.EMAIL, 7) == 7
    wake_senders([Channel.EMAIL], copies=3, rows={Channel.EMAIL: 1})
    assert email_senders_queued() == 2  # the queue fills two batches
    Delivery.objects.bulk_create(
        [Delivery(channel=Channel.EMAIL, address=f"m{k}@exemple.ci") for k in range(batch)]
    )
    wake_senders([Channel.EMAIL], copies=3, rows={Channel.EMAIL: 1})
    assert email_senders_queued() == 3  # the two queued count; one more
    wake_senders([Channel.EMAIL], copies=3, rows={Channel.EMAIL: 1})
    assert email_senders_queued() == 3
