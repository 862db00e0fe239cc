import datetime
from datetime import timedelta

from django.core import mail
from django.utils import timezone

from monquartier.communities import jobs as community_jobs
from monquartier.communities.models import Membership
from monquartier.notifications import jobs
from monquartier.notifications.models import Digest, Notification, NotificationKind
from monquartier.notifications.services import notify
from monquartier.outbox import jobs as outbox_jobs
from monquartier.outbox import scheduler
from monquartier.outbox.models import ScheduledRun


def test_the_digest_groups_everything_since_the_last_one(awa, run_tasks):
    notify([awa], kind=NotificationKind.MOVEMENT, event="arrival", member="Fatou Cissé")
    notify([awa], kind=NotificationKind.BIRTHDAY, event="birthday", member="Yao Kouassi")
    assert jobs.daily_digest("2026-11-23") == "1 digests"
    run_tasks()
    (message,) = mail.outbox
    assert "2 nouvelles" in message.subject
    assert "Fatou Cissé" in message.body and "Yao Kouassi" in message.body
    assert message.body.count("/l/") >= 2


def test_never_two_digests_for_the_same_day(awa, run_tasks):
    notify([awa], kind=NotificationKind.MOVEMENT, event="arrival", member="Fatou Cissé")
    jobs.daily_digest("2026-11-23")
    notify([awa], kind=NotificationKind.MOVEMENT, event="departure", member="Drissa Soro")
    jobs.daily_digest("2026-11-23")
    run_tasks()
    assert len(mail.outbox) == 1
    assert Digest.objects.count() == 1
    # The later one waits for the next day's digest.
    jobs.daily_digest("2026-11-24")
    run_tasks()
    assert len(mail.outbox) == 2 and "Drissa Soro" in mail.outbox[1].body


def test_a_missed_day_catches_up_in_the_next_digest(awa, run_tasks):
    notify([awa], kind=NotificationKind.MOVEMENT, event="arrival", member="Fatou Cissé")
    notify([awa], kind=NotificationKind.MOVEMENT, event="arrival", member="Ange Ehui")
    # Nothing ran on the 23rd; the 24th carries both.
    jobs.daily_digest("2026-11-24")
    run_tasks()
    assert "Fatou Cissé" in mail.outbox[0].body and "Ange Ehui" in mail.outbox[0].body
    assert not Notification.objects.filter(digest__isnull=True, for_digest=True).exists()


def test_the_scheduler_enqueues_each_job_once_per_period(db, run_tasks):
    morning = datetime.datetime(2026, 11, 23, 7, 30, tzinfo=datetime.UTC)
    first = scheduler.tick(morning)
    assert "daily_digest@2026-11-23" in first and "sweep@2026-11-23T07:30" in first
    assert "birthdays@2026-11-23" not in first  # 08:00
    assert scheduler.tick(morning) == []
    # Started late (11:00): the jobs of the morning catch up, once.
    late = scheduler.tick(morning.replace(hour=11))
    assert "birthdays@2026-11-23" in late and "join_reminders@2026-11-23" in late
    assert "daily_digest@2026-11-23" not in late
    assert ScheduledRun.objects.filter(job="daily_digest").count() == 1
    assert run_tasks() == len(first) + len(late)


def test_the_scheduler_command_runs_once(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    assert "enqueued sweep@" in out.getvalue()


def test_referents_are_reminded_daily_and_staff_get_requests_after_15_days(
    riviera, awa, salif, mariam
):
    Membership.objects.filter(user=salif).update(requested_at=timezone.now() - timedelta(days=2))
    assert community_jobs.join_reminders("2026-11-23") == "1 communities reminded"
    assert Notification.objects.filter(recipient=awa, event="join_reminder", data__count=1).exists()
    assert community_jobs.escalate_join_requests("2026-11-23") == "0 requests escalated"
    Membership.objects.filter(user=salif).update(requested_at=timezone.now() - timedelta(days=16))
    assert community_jobs.escalate_join_requests("2026-11-23") == "1 requests escalated"
    assert Notification.objects.filter(recipient=mariam, event="join_escalated").exists()
    assert community_jobs.escalate_join_requests("2026-11-24") == "0 requests escalated"
    # Escalated requests are the team's now: no more daily reminders about them.
    assert community_jobs.join_reminders("2026-11-24") == "0 communities reminded"


def test_birthdays_are_told_to_the_community_on_the_day(riviera, awa, yao, issa):
    from monquartier.accounts.models import Profile

    Profile.objects.filter(user=yao).update(birth_date=datetime.date(1985, 3, 14))
    assert community_jobs.birthdays("2026-03-13") == "0 birthday notifications"
    assert community_jobs.birthdays("2026-03-14") == "1 birthday notifications"
    notification = Notification.objects.get(event="birthday")
    assert (notification.recipient, notification.data["member"]) == (awa, "Yao Kouassi")


def test_a_29_february_birthday_is_told_on_the_28th_in_common_years(riviera, awa, yao):
    from monquartier.accounts.models import Profile

    Profile.objects.filter(user=yao).update(birth_date=datetime.date(1988, 2, 29))
    assert community_jobs.birthdays("2027-02-28") == "1 birthday notifications"


def test_birthdays_can_be_turned_off(riviera, awa, yao):
    from monquartier.accounts.models import Profile
    from monquartier.notifications import preferences
    from monquartier.notifications.models import Mode

    preferences.save_preferences(awa, {NotificationKind.BIRTHDAY: Mode.OFF}, alert_sms=True)
    Profile.objects.filter(user=yao).update(birth_date=datetime.date(1985, 3, 14))
    assert community_jobs.birthdays("2026-03-14") == "0 birthday notifications"


def test_the_sweep_requeues_dead_tasks(db):
    from django_tasks_db.models import DBTaskResult

    row = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {"channel": "email"}},
        task_path="monquartier.outbox.tasks.deliver",
        backend_name="default",
        run_after=timezone.now(),
        status="RUNNING",
        started_at=timezone.now() - timedelta(minutes=20),
    )
    fresh = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {"channel": "sms"}},
        task_path="monquartier.outbox.tasks.deliver",
        backend_name="default",
        run_after=timezone.now(),
        status="RUNNING",
        started_at=timezone.now() - timedelta(minutes=1),
    )
    assert outbox_jobs.requeue_dead_tasks() == 1
    row.refresh_from_db()
    fresh.refresh_from_db()
    assert (row.status, fresh.status) == ("READY", "RUNNING")
