"""The notification engine against real components: PostgreSQL with several worker
processes, a real SMTP server, the SMS provider's HTTP API (a local fake speaking it).

The worker tests need PostgreSQL (SKIP LOCKED, a real second connection): they run in
CI, and locally when DATABASE_URL points to PostgreSQL."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import psycopg
import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from monquartier.alerts import services
from monquartier.outbox import jobs
from monquartier.outbox.models import Delivery, DeliveryStatus
from tests import factories
from tests.fakes.sms_providers import FakeAfricasTalking
from tests.fakes.smtp import SMTPSink

postgres_only = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL (DATABASE_URL)",
)


def community_of(size: int):
    referent = factories.make_user("Awa", "Koné", email="awa.kone@exemple.ci")
    community = factories.make_community(referent)
    for index in range(size):
        factories.add_member(
            community,
            first_name=f"Voisin{index}",
            last_name="Test",
            email=f"voisin{index}@exemple.ci",
        )
    return referent, community


def worker_environment(sink: SMTPSink, sms: FakeAfricasTalking) -> dict:
    database = connection.settings_dict
    environ = {
        key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    environ.update(
        DATABASE_URL=f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        DJANGO_SETTINGS_MODULE="monquartier.settings",
        DEBUG="0",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(sink.port),
        SMS_BACKEND="monquartier.outbox.sms.AfricasTalkingSMSBackend",
        AFRICASTALKING_API_URL=sms.api_url,
        AFRICASTALKING_USERNAME=sms.credentials["username"],
        AFRICASTALKING_API_KEY=sms.credentials["api_key"],
        ALERT_SMS_DELAY_SECONDS="0",
    )
    return environ


def start_worker(environ: dict, *, batch: bool = True) -> subprocess.Popen:
    command = [
        sys.executable,
        str(settings.BASE_DIR / "manage.py"),
        "db_worker",
        "--interval",
        "0.1",
        "--no-startup-delay",
    ]
    if batch:
        command.append("--batch")
    return subprocess.Popen(command, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait(process: subprocess.Popen, seconds: float = 120) -> None:
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert process.returncode == 0, process.stderr.read().decode()[-2000:]


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    settings.ALERT_SMS_DELAY_SECONDS = 0


def check_everything_went_once(alert, sink: SMTPSink, sms: FakeAfricasTalking) -> None:
    deliveries = Delivery.objects.filter(alert=alert)
    emails = deliveries.filter(channel="email")
    texts = deliveries.filter(channel="sms")
    assert set(deliveries.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    # One row per recipient and channel…
    assert emails.count() == emails.values("user").distinct().count()
    assert texts.count() == texts.values("user").distinct().count()
    # …and each handed over exactly once.
    received = sink.message_ids()
    assert len(received) == len(set(received)) == emails.count()
    numbers = [message.to for message in sms.received]
    assert len(numbers) == len(set(numbers)) == texts.count()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_queue_send_each_delivery_once(database_tasks):
    referent, _community = community_of(150)
    with SMTPSink() as sink, FakeAfricasTalking() as sms:
        alert = services.send_alert(
            referent, category="burglary", text="Cambriolage en cours au lot 12"
        )
        environ = worker_environment(sink, sms)
        workers = [start_worker(environ) for _ in range(2)]
        for worker in workers:
            wait(worker)
        # A batch worker stops when the queue is empty: a last pass for tasks woken late.
        wait(start_worker(environ))
        check_everything_went_once(alert, sink, sms)
        assert Delivery.objects.filter(alert=alert).count() == 300


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_the_middle_of_a_fan_out_loses_and_repeats_nothing(database_tasks):
    referent, _community = community_of(120)
    with SMTPSink() as sink, FakeAfricasTalking() as sms:
        alert = services.send_alert(referent, category="fire", text="Incendie dans la cour commune")
        database = connection.settings_dict
        # Hold the alert's row: the fan-out writes every delivery, then blocks on its last
        # statement, inside its transaction. The worker is killed right there.
        params = {
            "host": database["HOST"],
            "port": database["PORT"],
            "user": database["USER"],
            "dbname": database["NAME"],
        }
        with (
            psycopg.connect(**params) as blocker,
            psycopg.connect(**params, autocommit=True) as observer,
        ):
            # NO KEY UPDATE: the deliveries' foreign keys may still point to the row.
            blocker.execute(
                "SELECT id FROM alerts_alert WHERE id = %s FOR NO KEY UPDATE", [alert.pk]
            )
            worker = start_worker(worker_environment(sink, sms), batch=False)
            deadline = time.monotonic() + 60
            # (pg_stat_activity is read from its own autocommit connection: inside one
            # transaction PostgreSQL would keep serving the same snapshot.)
            while time.monotonic() < deadline:
                waiting = observer.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE \"alerts_alert\"%%'"
                ).fetchone()[0]
                if waiting:
                    break
                time.sleep(0.05)
            else:
                worker.kill()
                pytest.fail(
                    "the fan-out never reached its last statement: "
                    + worker.stderr.read().decode()[-1500:]
                )
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
            blocker.rollback()
        # Killed: its transaction rolled back, its task is left RUNNING.
        assert Delivery.objects.filter(alert=alert).count() == 0
        assert DBTaskResult.objects.filter(status="RUNNING").count() == 1
        assert sink.message_ids() == []
        # The sweep gives the dead worker's task back; a new worker finishes the job.
        assert jobs.requeue_dead_tasks(older_than=timedelta(0)) == 1
        environ = worker_environment(sink, sms)
        wait(start_worker(environ))
        wait(start_worker(environ))
        check_everything_went_once(alert, sink, sms)


@pytest.mark.django_db
def test_an_smtp_server_down_then_back(settings, riviera, awa, yao, run_tasks):
    sink = SMTPSink()  # not started yet: its port refuses connections
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", sink.port, 2
    alert = services.send_alert(awa, category="theft", text="Vol de moto devant la pharmacie")
    run_tasks()
    delivery = Delivery.objects.get(alert=alert, channel="email")
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.QUEUED, 1)
    assert "SMTP" in delivery.last_error
    with (
        sink,
        time_machine.travel(timezone.now() + timedelta(seconds=30), tick=True),
    ):
        jobs.sweep("test")
        run_tasks()
        assert sink.message_ids() == [f"<delivery-{delivery.pk}@monquartier.ci>"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)


@pytest.mark.django_db
def test_the_sms_gateway_answering_500_then_timing_out_then_working(
    settings, riviera, awa, yao, run_tasks
):
    with FakeAfricasTalking() as sms:
        settings.SMS_BACKEND = "monquartier.outbox.sms.AfricasTalkingSMSBackend"
        settings.AFRICASTALKING_API_URL = sms.api_url
        settings.AFRICASTALKING_USERNAME = sms.credentials["username"]
        settings.AFRICASTALKING_API_KEY = sms.credentials["api_key"]
        settings.SMS_BACKEND_OPTIONS = {"timeout": (1, 1)}
        settings.ALERT_SMS_DELAY_SECONDS = 0
        sms.fail_next(status=500, count=1)
        sms.timeout_next(count=1, seconds=2)
        alert = services.send_alert(awa, category="assault", text="Agression à l'arrêt de bus")
        elapsed = 0
        for pause in (0, 25, 70):
            elapsed += pause
            with time_machine.travel(timezone.now() + timedelta(seconds=elapsed), tick=True):
                jobs.sweep("test")
                run_tasks()
        delivery = Delivery.objects.get(alert=alert, channel="sms")
        assert (delivery.status, delivery.attempts, delivery.last_error) == (
            DeliveryStatus.SENT,
            3,
            "",
        )
        assert [message.to for message in sms.received] == [str(yao.mobile)]


@pytest.mark.django_db
def test_an_invalid_number_is_marked_permanent(settings, riviera, awa, yao, run_tasks):
    with FakeAfricasTalking() as sms:
        settings.SMS_BACKEND = "monquartier.outbox.sms.AfricasTalkingSMSBackend"
        settings.AFRICASTALKING_API_URL = sms.api_url
        settings.AFRICASTALKING_USERNAME = sms.credentials["username"]
        settings.AFRICASTALKING_API_KEY = sms.credentials["api_key"]
        settings.ALERT_SMS_DELAY_SECONDS = 0
        sms.reject_numbers({str(yao.mobile)})
        alert = services.send_alert(awa, category="other", text="Coupure d'eau toute la journée")
        run_tasks()
        delivery = Delivery.objects.get(alert=alert, channel="sms")
        assert delivery.status == DeliveryStatus.FAILED
        with time_machine.travel(timezone.now() + timedelta(hours=3), tick=True):
            jobs.sweep("test")
            run_tasks()
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
