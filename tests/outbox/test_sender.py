"""The outbox senders: batches, retries with backoff, permanent failures, cancellations."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone

from monquartier.alerts import outbox as alert_outbox
from monquartier.alerts import services
from monquartier.outbox.models import Delivery, DeliveryStatus
from monquartier.outbox.sms import BaseSMSBackend, SMSError, SMSSent
from monquartier.outbox.sms import dev as sms_dev


class ScriptedSMSBackend(BaseSMSBackend):
    """Answers each batch with the next scripted outcome ("ok", "transient", "permanent")."""

    script: list[str] = []
    calls: list[list] = []

    def send_messages(self, messages):
        self.calls.append(list(messages))
        outcome = self.script.pop(0) if self.script else "ok"
        if outcome == "ok":
            sms_dev.outbox.extend(messages)
            return [
                SMSSent(message=message, provider_id=f"p-{message.reference}")
                for message in messages
            ]
        return [
            SMSError(outcome, permanent=outcome == "permanent", message=message)
            for message in messages
        ]


@pytest.fixture
def scripted_sms(settings):
    settings.SMS_BACKEND = "tests.outbox.test_sender.ScriptedSMSBackend"
    ScriptedSMSBackend.script = []
    ScriptedSMSBackend.calls = []
    return ScriptedSMSBackend


def launch(awa):
    return services.send_alert(
        awa, category="theft", text="On vient de voler une moto devant la pharmacie"
    )


def later(seconds):
    return time_machine.travel(timezone.now() + timedelta(seconds=seconds), tick=True)


def test_an_alert_email_reaches_each_member_with_a_personal_link(riviera, awa, yao, run_tasks):
    alert = launch(awa)
    run_tasks()
    (message,) = mail.outbox
    assert message.to == [yao.email]
    assert "moto devant la pharmacie" in message.body and "Awa Koné" in message.body
    assert "ALERTE Vol" in message.subject
    assert re.search(r"http://localhost:8000/l/[^/\s]+/", message.body)
    html = message.alternatives[0][0]
    assert "/l/" in html and "lien.invalid" not in html and "lien.invalid" not in message.body
    assert Delivery.objects.get(alert=alert, channel="email").status == DeliveryStatus.SENT


def test_the_sms_goes_after_the_delay_to_those_who_did_not_read(
    riviera, awa, yao, run_tasks, sms_outbox
):
    alert = launch(awa)
    run_tasks()
    assert sms_outbox == []
    with later(181):
        run_tasks()
    (sms,) = sms_outbox
    assert sms.to == str(yao.mobile)
    assert sms.text.startswith("ALERTE Vol - Riviera 2: ")
    # é is in the GSM-7 alphabet: the name stays as written.
    assert sms.text.endswith(
        f"(Awa Koné) http://localhost:8000/a/{alert.pk} N'intervenez pas: 110/111/170 Répondez VU"
    )
    assert len(sms.text) <= 160
    assert Delivery.objects.get(alert=alert, channel="sms").status == DeliveryStatus.SENT


def test_reading_the_alert_within_the_delay_cancels_the_sms(
    riviera, awa, yao, run_tasks, sms_outbox
):
    alert = launch(awa)
    run_tasks()
    with later(60):
        services.mark_read(alert, yao)
    with later(181):
        run_tasks()
    assert sms_outbox == []
    assert Delivery.objects.get(alert=alert, channel="sms").status == DeliveryStatus.CANCELLED


def test_a_transient_failure_is_retried_with_backoff_then_sent(
    riviera, awa, yao, run_tasks, scripted_sms, sms_outbox
):
    scripted_sms.script = ["transient", "transient"]
    alert = launch(awa)
    with later(181):
        run_tasks()
        delivery = Delivery.objects.get(alert=alert, channel="sms")
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.QUEUED, 1)
        first_retry = delivery.due_at
    assert first_retry > timezone.now() + timedelta(seconds=181 + 10)
    # The sweep (every minute) wakes a sender for rows that came due.
    from monquartier.outbox import jobs

    for seconds in (181 + 25, 181 + 25 + 65):
        with later(seconds):
            jobs.sweep("test")
            run_tasks()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 3)
    assert len(sms_outbox) == 1
    assert delivery.provider_id == f"p-{delivery.pk}"


def test_a_permanent_failure_is_never_retried(riviera, awa, yao, run_tasks, scripted_sms):
    scripted_sms.script = ["permanent"]
    alert = launch(awa)
    with later(181):
        run_tasks()
    delivery = Delivery.objects.get(alert=alert, channel="sms")
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.FAILED, "permanent")
    with later(7200):
        from monquartier.outbox import jobs

        jobs.sweep("test")
        run_tasks()
    assert len(scripted_sms.calls) == 1


def test_retries_stop_after_the_last_backoff(riviera, awa, yao, run_tasks, scripted_sms):
    from monquartier.outbox import jobs
    from monquartier.outbox.sender import BACKOFF

    scripted_sms.script = ["transient"] * 20
    alert = launch(awa)
    elapsed = 181
    with later(elapsed):
        run_tasks()
    for pause in BACKOFF:
        elapsed += pause + 1
        with later(elapsed):
            jobs.sweep("test")
            run_tasks()
    delivery = Delivery.objects.get(alert=alert, channel="sms")
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == len(BACKOFF) + 1


def test_a_hidden_alert_stops_what_has_not_left(riviera, awa, yao, mariam, run_tasks, sms_outbox):
    alert = launch(awa)
    run_tasks()
    services.hide_alert(mariam, alert, "Fausse alerte, signalée par les voisins.")
    with later(181):
        run_tasks()
    assert sms_outbox == []
    assert Delivery.objects.get(alert=alert, channel="sms").status == DeliveryStatus.CANCELLED


def test_abandoned_rows_go_back_to_the_queue(riviera, awa, yao, run_tasks):
    from monquartier.alerts import fanout
    from monquartier.outbox import jobs

    alert = launch(awa)
    fanout.fan_out_alert(alert)
    Delivery.objects.filter(alert=alert, channel="email").update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now()
    )
    with later(200):
        jobs.sweep("test")
        run_tasks()
    assert Delivery.objects.get(alert=alert, channel="email").status == DeliveryStatus.SENT
    assert len(mail.outbox) == 1


@pytest.fixture
def correction(riviera, awa, yao, settings):
    settings.ALERT_SMS_DELAY_SECONDS = 0  # the SMS leaves with the e-mail
    original = launch(awa)
    mail.outbox.clear()
    sms_dev.outbox.clear()
    return services.send_alert(
        awa, category="theft", text="Fausse alerte : la moto était à son voisin.", corrects=original
    )


def test_a_correction_goes_out_as_a_correction_by_email_sms_and_push(correction, sms_outbox):
    (message,) = mail.outbox
    assert message.subject == "CORRECTION Vol – Riviera 2"
    assert "ALERTE" not in message.subject + message.body
    assert message.body.startswith("CORRECTION Vol – Riviera 2\nElle corrige l'alerte envoyée le")
    assert "CORRECTION Vol" in message.alternatives[0][0]
    (sms,) = sms_outbox
    assert sms.text.startswith("CORRECTION Vol - Riviera 2: Fausse alerte")
    assert len(sms.text) <= 160
    payload = alert_outbox.alert_push_payload(correction, "fr")
    assert payload["title"] == "Correction · Vol"


def test_a_correction_sent_after_its_original_was_hidden_says_the_original_was_withdrawn(
    riviera, awa, yao, mariam
):
    original = launch(awa)
    services.hide_alert(mariam, original, "Accusation sans fondement")
    mail.outbox.clear()

    services.send_alert(awa, category="theft", text="Je retire mon alerte.", corrects=original)

    (message,) = mail.outbox
    assert "L'alerte d'origine a été retirée par l'équipe MonQuartier." in message.body
    assert "moto devant la pharmacie" not in message.body + message.alternatives[0][0]


def _queries_to_send(channel: str, alert) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from monquartier.alerts import fanout
    from monquartier.outbox import sender

    fanout.fan_out_alert(alert)
    claimed = sender.claim(channel, 100)
    assert claimed
    with CaptureQueriesContext(connection) as queries:
        sender.send_claimed(channel, claimed)
    ids = [delivery.pk for delivery in claimed]
    assert not Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.SENDING).exists()
    return len(queries)


@pytest.mark.parametrize("channel", ["email", "push"])
def test_a_batch_costs_the_same_queries_whatever_its_members(riviera, awa, yao, channel, run_tasks):
    """The senders load only the member's columns the sources read (Source.member_fields):
    one left out would cost a query per row, which this would show."""
    from monquartier.outbox.models import PushSubscription

    def subscribe(user):
        PushSubscription.objects.create(
            user=user, endpoint=f"https://push.exemple.ci/{user.pk}", p256dh="k", auth="a"
        )

    subscribe(yao)
    one = _queries_to_send(channel, launch(awa))
    from tests import factories

    for first_name in ("Adjoua", "Koffi", "Fatou"):
        member = factories.add_member(riviera, first_name=first_name, language="en")
        subscribe(member)
    four = services.send_alert(yao, category="theft", text="Une autre moto, rue des jardins")
    assert _queries_to_send(channel, four) == one


def test_a_row_whose_member_alert_or_contact_is_gone_is_cancelled_not_sent(
    riviera, awa, yao, run_tasks, sms_outbox
):
    # The outbox keeps no foreign-key constraint (the fan-out's speed): a deletion that
    # races a fan-out can leave a row pointing at nothing. The sender drops such rows.
    from monquartier.alerts import fanout
    from monquartier.outbox import sender
    from monquartier.townhalls.models import TownHallContact

    gone, removed = (
        TownHallContact.objects.create(commune=riviera.commune, name=name, email=email)
        for name, email in (("Mairie", "securite@mairie.ci"), ("Ancien", "ancien@mairie.ci"))
    )
    alert = launch(awa)
    other = services.send_alert(yao, category="theft", text="Un vélo a disparu au carrefour")
    # The database's task backend (run_tasks): the senders the fan-out wakes wait.
    fanout.fan_out_alert(alert)
    fanout.fan_out_alert(other)
    Delivery.objects.filter(alert=alert, user=yao, channel="email").update(user_id=10**9)
    Delivery.objects.filter(alert=alert, contact=gone).update(contact_id=10**9)
    Delivery.objects.filter(alert=other).update(alert_id=10**9 + 1)
    removed_pk = removed.pk
    assert Delivery.objects.filter(contact_id=removed_pk).exists()
    removed.delete()  # through the ORM, its rows go with it, as they always did
    assert not Delivery.objects.filter(contact_id=removed_pk).exists()
    sender.deliver("email")
    with later(181):
        sender.deliver("sms")
    assert mail.outbox == []
    assert [sms.to for sms in sms_outbox] == [str(yao.mobile)]
    cancelled = Delivery.objects.filter(status=DeliveryStatus.CANCELLED)
    assert set(cancelled.values_list("user_id", "contact_id", "alert_id", "channel")) == {
        (10**9, None, alert.pk, "email"),
        (None, 10**9, alert.pk, "email"),
        (None, gone.pk, 10**9 + 1, "email"),
        *((awa.pk, None, 10**9 + 1, channel) for channel in ("email", "sms")),
    }
    assert Delivery.objects.exclude(status=DeliveryStatus.CANCELLED).get().channel == "sms"


def _alert_to_six(riviera, awa, run_tasks, **fields):
    from monquartier.alerts import fanout
    from tests import factories

    for first_name in ("Adjoua", "Koffi", "Fatou", "Moussa"):
        factories.add_member(riviera, first_name=first_name)
    alert = services.send_alert(awa, category="theft", text="Une moto volée au marché", **fields)
    fanout.fan_out_alert(alert)  # the database's task backend: the senders wait
    return alert


def test_a_sender_keeps_its_alert_over_its_batches_but_reads_its_hiding_again(
    riviera, awa, yao, run_tasks, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from monquartier.outbox import sender
    from monquartier.outbox.transports import EmailTransport

    alert = _alert_to_six(riviera, awa, run_tasks)
    emails = Delivery.objects.filter(alert=alert, channel="email")
    assert emails.count() == 5
    monkeypatch.setitem(sender.BATCH_SIZE, "email", 2)
    batches: list[list[str]] = []
    send = EmailTransport.send

    def send_then_hide(transport, batch):
        outcomes = send(transport, batch)
        if not batches:
            # Staff hide it while this sender runs, and before hide_alert cancels the
            # queued rows (those a sender has claimed by then stay with it).
            type(alert).objects.filter(pk=alert.pk).update(hidden_at=timezone.now())
        batches.append([email.to for email in batch])
        return outcomes

    monkeypatch.setattr(EmailTransport, "send", send_then_hide)
    with CaptureQueriesContext(connection) as queries:
        sender.deliver("email")
    # The first batch fetched the alert with its community; the two others read its
    # hiding alone, and saw it.
    alerts = [q["sql"] for q in queries if q["sql"].startswith('SELECT "alerts_alert"."id"')]
    assert ['"communities_community"' in sql for sql in alerts] == [True, False, False]
    assert len(batches) == 1 and len(mail.outbox) == 2
    assert emails.filter(status=DeliveryStatus.SENT).count() == 2
    assert emails.filter(status=DeliveryStatus.CANCELLED).count() == 3


def test_a_correction_kept_by_its_sender_learns_that_its_original_was_withdrawn(
    riviera, awa, yao, mariam, run_tasks, monkeypatch
):
    from monquartier.outbox import sender
    from monquartier.outbox.transports import EmailTransport

    original = launch(awa)
    correction = _alert_to_six(riviera, awa, run_tasks, corrects=original)
    mail.outbox.clear()
    monkeypatch.setitem(sender.BATCH_SIZE, "email", 2)
    send = EmailTransport.send
    sent: list[int] = []

    def send_then_hide_the_original(transport, batch):
        outcomes = send(transport, batch)
        if not sent:
            services.hide_alert(mariam, original, "Accusation sans fondement")
        sent.append(len(batch))
        return outcomes

    monkeypatch.setattr(EmailTransport, "send", send_then_hide_the_original)
    sender.deliver("email")
    assert Delivery.objects.filter(alert=correction, status=DeliveryStatus.SENT).count() == 5
    withdrawn = ["L'alerte d'origine a été retirée" in message.body for message in mail.outbox]
    assert withdrawn == [False, False, True, True, True]


def _as_loaded(delivery) -> tuple:
    """A claimed row as the senders read it: its columns, its member's loaded columns,
    and which of the member's are deferred (one read would cost a query)."""
    own = {field.attname: getattr(delivery, field.attname) for field in Delivery._meta.fields}
    user = delivery.user
    if user is None:
        return own, None, None
    deferred = user.get_deferred_fields()
    loaded = {
        field.attname: getattr(user, field.attname)
        for field in type(user)._meta.concrete_fields
        if field.attname not in deferred
    }
    return own, loaded, deferred


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL claims and loads in one statement"
)
@pytest.mark.parametrize("channel", ["email", "push"])
def test_the_one_statement_claim_gives_the_rows_the_orm_would_load(
    riviera, awa, yao, channel, run_tasks
):
    """On PostgreSQL a claim returns its rows with their members (sender._Claimed): the
    very instances the ORM's select_related load gives, a deleted member as None."""
    from monquartier.alerts import fanout
    from monquartier.outbox import sender
    from monquartier.outbox.models import PushSubscription
    from tests import factories

    for first_name in ("Adjoua", "Koffi"):
        member = factories.add_member(riviera, first_name=first_name, language="en")
        PushSubscription.objects.create(
            user=member, endpoint=f"https://push.exemple.ci/{member.pk}", p256dh="k", auth="a"
        )
    fanout.fan_out_alert(launch(awa))
    Delivery.objects.filter(channel=channel, user=yao).update(user_id=10**9)

    claimed = sender.claim(channel, 100)

    assert len(claimed) >= 2
    assert [d.pk for d in claimed] == sorted(d.pk for d in claimed)
    assert {d.status for d in claimed} == {DeliveryStatus.SENDING}
    assert any(d.user_id == 10**9 and d.user is None for d in claimed) == (channel == "email")
    loaded = sender._load([d.pk for d in claimed])
    assert [_as_loaded(d) for d in claimed] == [_as_loaded(d) for d in loaded]
    assert all(d.user.language for d in claimed if d.user is not None)
    assert not claimed[0]._state.adding and claimed[0]._state.db == "default"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL claims and loads in one statement"
)
def test_the_one_statement_claim_converts_columns_as_their_fields_do(
    riviera, awa, yao, run_tasks, monkeypatch
):
    """A field that converts what the database returns (from_db_value) gets the same
    value through the claim as through the ORM."""
    from monquartier.alerts import fanout
    from monquartier.outbox import sender

    fanout.fan_out_alert(launch(awa))
    address = Delivery._meta.get_field("address")
    monkeypatch.setattr(
        address, "from_db_value", lambda value, expression, connection: f"<{value}>", raising=False
    )
    monkeypatch.setattr(sender._Claimed, "_built", None)

    (claimed,) = sender.claim("email", 100)

    assert claimed.address == f"<{yao.email}>"
    assert _as_loaded(claimed) == _as_loaded(sender._load([claimed.pk])[0])


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's planner and its statistics"
)
def test_a_claim_reads_the_queue_in_order_and_stops_at_its_batch(db):
    """The statistics of a quiet day see no queued row; on a burst the queue holds
    thousands. A claim must take the first rows of the queue's index in the claim's
    order, not read every due row of the channel to sort them."""
    from monquartier.outbox import sender

    rows = (
        "INSERT INTO notifications_delivery (alert_id, user_id, channel, address, audience, "
        "due_at, status, attempts, provider_id, last_error, created_at) "
        "SELECT %s + n / 50, n, 'email', '', 'community', now() - (n %% 7) * interval '1 s', "
        "%s, 1, '', '', now() FROM generate_series(1, 20000) AS n"
    )
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(rows, [10**7, "sent"])  # a quiet day: everything has left
        cursor.execute("ANALYZE notifications_delivery")
        cursor.execute(rows, [2 * 10**7, "queued"])  # then a burst fills the queue
        cursor.execute(
            f"EXPLAIN {sender._Claimed.get().sql}",
            [DeliveryStatus.SENDING, now, DeliveryStatus.QUEUED, "email", now, 100],
        )
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "delivery_due" in plan, plan
    assert not [line for line in plan.splitlines() if "Sort Key" in line and "due_at" in line]
    first = Delivery.objects.filter(status=DeliveryStatus.QUEUED).order_by("due_at", "id")
    expected = list(first.values_list("id", flat=True)[:100])
    assert [delivery.pk for delivery in sender.claim("email", 100)] == sorted(expected)
