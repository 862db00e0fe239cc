"""The verification e-mail and SMS leave the request: the page only writes a task row,
and the worker (manage.py db_worker) sends them."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tests.accounts.test_signup import signup_data


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }


def run_worker():
    call_command("db_worker", batch=True, interval=0, startup_delay=False, verbosity=0)


# The worker closes its database connection when it stops, as it does in production:
# that needs a real transaction per statement, not the test's wrapping transaction.
@pytest.mark.django_db(transaction=True)
def test_sign_up_queues_the_email_and_the_sms_and_the_worker_sends_them(
    client, database_tasks, sms_outbox
):
    response = client.post(reverse("account_signup"), signup_data())
    assert response.status_code == 302
    queued = DBTaskResult.objects.order_by("enqueued_at")
    assert [task.task_path for task in queued] == [
        "monquartier.outbox.tasks.send_email",
        "monquartier.outbox.tasks.send_text_message",
    ]
    assert {task.status for task in queued} == {"READY"}
    assert mail.outbox == [] and sms_outbox == []

    run_worker()
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert mail.outbox[0].to == ["adjoua.konan@exemple.ci"]
    assert [message.to for message in sms_outbox] == ["+2250707123456"]


@pytest.mark.django_db
def test_a_failed_signup_queues_nothing(client, database_tasks):
    client.post(reverse("account_signup"), signup_data(phone="123"))
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db
def test_senders_get_no_more_copies_than_the_rows_fill_batches(database_tasks):
    """An alert of 57 members wakes one push sender, not ALERT_SENDER_TASKS of them: a
    copy that finds nothing still costs the workers a task; a big one keeps its copies."""
    from monquartier.outbox.models import Channel
    from monquartier.outbox.sender import BATCH_SIZE
    from monquartier.outbox.services import wake_senders

    def copies(channel):
        return sum(
            1
            for task in DBTaskResult.objects.filter(task_path="monquartier.outbox.tasks.deliver")
            if task.args_kwargs["kwargs"]["channel"] == channel
        )

    wake_senders(
        [Channel.PUSH, Channel.EMAIL],
        copies=3,
        rows={Channel.PUSH: 56, Channel.EMAIL: BATCH_SIZE[Channel.EMAIL] + 13},
    )
    assert copies(Channel.PUSH) == 1 and copies(Channel.EMAIL) == 2
    DBTaskResult.objects.all().delete()
    wake_senders([Channel.EMAIL], copies=3, rows={Channel.EMAIL: 6000})
    assert copies(Channel.EMAIL) == 3
    DBTaskResult.objects.all().delete()
    wake_senders([Channel.SMS], copies=3)  # rows not told: every copy
    assert copies(Channel.SMS) == 3
