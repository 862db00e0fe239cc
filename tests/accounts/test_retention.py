"""Retention (docs/retention.md): what closed accounts leave is erased after 30 days, the
delivery records and SMS after 90; the rest is kept."""

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.utils import timezone

from monquartier.accounts import jobs as account_jobs
from monquartier.accounts import retention, services
from monquartier.accounts.models import DataExport, User
from monquartier.alerts import jobs as alert_jobs
from monquartier.alerts import services as alerts
from monquartier.alerts.models import Alert, AlertRead, InboundSMS
from monquartier.gazette.models import Post
from monquartier.notifications.models import (
    Mode,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from monquartier.notifications.services import notify
from monquartier.outbox import jobs as outbox_jobs
from monquartier.outbox import scheduler
from monquartier.outbox.models import Channel, Delivery, PushSubscription, TextMessage
from tests import factories


def traces_of(user: User) -> None:
    """Everything the erasure deletes, for one person."""
    PushSubscription.objects.create(
        user=user, endpoint=f"https://push.example/{user.pk}", p256dh="k", auth="a"
    )
    notify([user], kind=NotificationKind.MOVEMENT, event="arrival", member="Fatou Cissé")
    NotificationPreference.objects.create(user=user, kind=NotificationKind.MOVEMENT, mode=Mode.OFF)
    Delivery.objects.create(user=user, channel=Channel.SMS, address=str(user.mobile))
    TextMessage.objects.create(purpose="reply", to=str(user.mobile), account=user)
    DataExport.objects.create(user=user)
    alert = Alert.objects.filter(sender__isnull=False).first()
    AlertRead.objects.create(alert=alert, user=user)


def close_days_ago(user: User, days: int) -> None:
    services.close_account(user)
    User.objects.filter(pk=user.pk).update(closed_at=timezone.now() - timedelta(days=days))


def counts(user: User) -> dict[str, int]:
    return {
        "push": PushSubscription.objects.filter(user=user).count(),
        "notifications": Notification.objects.filter(recipient=user).count(),
        "preferences": NotificationPreference.objects.filter(user=user).count(),
        "deliveries": Delivery.objects.filter(user=user).count(),
        "texts": TextMessage.objects.filter(account=user).count(),
        "exports": DataExport.objects.filter(user=user).count(),
        "reads": AlertRead.objects.filter(user=user).count(),
        "second_factor": Authenticator.objects.filter(user=user).count(),
    }


@pytest.fixture
def community_life(riviera, awa, yao):
    alerts.send_alert(yao, category="theft", text="Vol de moto devant la pharmacie")
    factories.make_post(yao, title="Cours de maths", text="Pour les CM2.")
    return riviera


def test_a_closed_accounts_traces_go_after_30_days_and_its_posts_stay(community_life, yao, awa):
    mariam = factories.make_user("Mariam", "Bamba", is_staff=True)  # with a second factor
    for person in (yao, awa, mariam):
        traces_of(person)
    close_days_ago(yao, 31)
    close_days_ago(mariam, 31)
    before = counts(awa)

    assert retention.erase_closed_account_traces() == 2

    assert set(counts(yao).values()) == {0}
    assert counts(mariam)["second_factor"] == 0
    assert TextMessage.objects.filter(account__isnull=True).count() == 2  # counted, anonymous
    yao.refresh_from_db()
    assert yao.traces_erased_at is not None
    # What Yao published stays, signed "former member".
    assert Alert.objects.filter(sender=yao).exists()
    assert Post.objects.filter(author=yao).exists()
    # An open account keeps everything.
    assert counts(awa) == before
    # Nothing more the next day.
    assert retention.erase_closed_account_traces() == 0


def test_an_account_closed_29_days_ago_keeps_its_traces(community_life, yao):
    traces_of(yao)
    close_days_ago(yao, 29)
    before = counts(yao)
    assert retention.erase_closed_account_traces() == 0
    assert counts(yao) == before and before["deliveries"] == 1


def test_erasure_goes_in_bounded_batches(db, monkeypatch):
    people = [factories.make_user(first_name=f"Voisin{index}") for index in range(5)]
    for person in people:
        close_days_ago(person, 40)
    monkeypatch.setattr(retention, "BATCH", 2)
    monkeypatch.setattr(retention, "MAX_BATCHES", 2)
    assert retention.erase_closed_account_traces() == 4
    assert retention.erase_closed_account_traces() == 1
    assert account_jobs.erase_closed_accounts("2026-12-01") == "erased what 0 closed accounts left"


def test_delivery_records_and_sms_go_after_90_days(db, awa, monkeypatch):
    old = timezone.now() - timedelta(days=91)
    recent = timezone.now() - timedelta(days=89)
    for when in (old, recent):
        Delivery.objects.create(user=awa, channel=Channel.EMAIL, address=awa.email, created_at=when)
        TextMessage.objects.create(purpose="reply", to="+2250700000001", created_at=when)
        InboundSMS.objects.create(
            provider="dev",
            provider_message_id=str(when),
            sender="+2250700000001",
            text="ALERTE vol",
            status="refused",
            received_at=when,
        )
    monkeypatch.setattr(outbox_jobs, "PRUNE_BATCH", 1)  # several batches
    outbox_jobs.prune_delivery_records("2026-12-01")
    alert_jobs.prune_inbound_sms("2026-12-01")
    assert list(Delivery.objects.values_list("created_at", flat=True)) == [recent]
    assert list(TextMessage.objects.values_list("created_at", flat=True)) == [recent]
    assert list(InboundSMS.objects.values_list("received_at", flat=True)) == [recent]


def test_a_night_prunes_at_most_its_cap_and_the_next_night_goes_on(db, awa, settings, monkeypatch):
    old = timezone.now() - timedelta(days=91)
    for _ in range(5):
        Delivery.objects.create(user=awa, channel=Channel.EMAIL, address=awa.email, created_at=old)
    monkeypatch.setattr(outbox_jobs, "PRUNE_BATCH", 2)
    settings.OUTBOX_PRUNE_MAX_ROWS = 3  # two batches of two
    assert "deleted 4 delivery records" in outbox_jobs.prune_delivery_records("2026-12-01")
    assert "deleted 1 delivery records" in outbox_jobs.prune_delivery_records("2026-12-02")


def test_the_retention_jobs_are_scheduled_daily():
    jobs = scheduler._jobs()
    for name in ("erase_closed_accounts", "prune_delivery_records", "prune_inbound_sms"):
        assert jobs[name].daily_at is not None, name
