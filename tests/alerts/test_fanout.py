"""Who receives an alert, on which channel, and when."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from monquartier.alerts import fanout, services
from monquartier.communities import services as community_services
from monquartier.communities.models import Membership
from monquartier.moderation import exclusions
from monquartier.outbox.models import Delivery, PushSubscription
from monquartier.townhalls.models import TownHallContact
from tests import factories


def rows(alert):
    return {
        (
            delivery.user.first_name if delivery.user_id else delivery.contact.name,
            delivery.channel,
            delivery.audience,
        )
        for delivery in Delivery.objects.filter(alert=alert).select_related("user", "contact")
    }


def subscribe(user):
    PushSubscription.objects.create(
        user=user, endpoint=f"https://push.example/{user.pk}", p256dh="k", auth="a"
    )


@pytest.fixture
def alert_setup(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def send(awa, **fields):
    fields.setdefault("category", "burglary")
    fields.setdefault("text", "Deux hommes escaladent le mur du lot 12")
    return services.send_alert(awa, **fields)


def test_community_members_get_email_push_and_a_delayed_sms(alert_setup, riviera, awa, yao):
    subscribe(yao)
    alert = send(awa)
    fanout.fan_out_alert(alert)
    assert rows(alert) == {
        ("Yao", "email", "community"),
        ("Yao", "push", "community"),
        ("Yao", "sms", "community"),
    }
    sms = Delivery.objects.get(alert=alert, channel="sms")
    assert sms.due_at == pytest.approx(
        alert.created_at + timedelta(seconds=180), abs=timedelta(seconds=1)
    )
    assert sms.address == str(yao.mobile)
    assert Delivery.objects.get(alert=alert, channel="email").due_at <= timezone.now()


def test_the_sender_receives_nothing(alert_setup, riviera, awa, yao):
    alert = send(awa)
    fanout.fan_out_alert(alert)
    assert not Delivery.objects.filter(alert=alert, user=awa).exists()


def test_pending_left_and_excluded_members_receive_nothing(
    alert_setup, riviera, awa, yao, salif, mariam
):
    left = factories.add_member(riviera, first_name="Drissa", last_name="Soro")
    community_services.leave_community(left)
    excluded = factories.add_member(riviera, first_name="Moussa", last_name="Fofana")
    request = exclusions.request_exclusion(
        awa, Membership.objects.get(user=excluded), "Menaces répétées dans la gazette."
    )
    exclusions.accept_exclusion(mariam, request)
    alert = send(awa)
    fanout.fan_out_alert(alert)
    names = {name for name, _channel, _audience in rows(alert)}
    assert names == {"Yao"}


def test_twinned_members_get_email_only(alert_setup, riviera, awa, yao, aya, twinned):
    subscribe(aya)
    alert = send(awa)
    fanout.fan_out_alert(alert)
    assert {row for row in rows(alert) if row[0] in ("Aya", "Koffi")} == {
        ("Aya", "email", "twinned"),
        ("Koffi", "email", "twinned"),
    }


def test_phone_only_members_get_the_sms_at_once(alert_setup, riviera, awa, sms_outbox):
    neighbour = factories.register_neighbour(awa, riviera, consented=True)
    alert = send(awa)
    fanout.fan_out_alert(alert)
    delivery = Delivery.objects.get(alert=alert, user=neighbour)
    assert (delivery.channel, delivery.address) == ("sms", "+2250707998877")
    assert delivery.due_at <= timezone.now()


def test_the_town_hall_contacts_get_email_and_sms_at_once(alert_setup, riviera, awa):
    TownHallContact.objects.create(
        commune=riviera.commune,
        name="Mairie de Cocody",
        email="securite@mairie-cocody.ci",
        mobile="+2250101010101",
    )
    TownHallContact.objects.create(
        commune=riviera.commune, name="Ancien agent", email="x@mairie.ci", active=False
    )
    TownHallContact.objects.create(
        commune=factories.commune("yopougon"), name="Mairie de Yopougon", email="y@mairie.ci"
    )
    alert = send(awa)
    fanout.fan_out_alert(alert)
    town_hall = {row for row in rows(alert) if row[2] == "townhall"}
    assert town_hall == {
        ("Mairie de Cocody", "email", "townhall"),
        ("Mairie de Cocody", "sms", "townhall"),
    }
    assert (
        Delivery.objects.get(alert=alert, contact__isnull=False, channel="sms").due_at
        <= timezone.now()
    )


def test_no_sms_to_an_unverified_mobile_or_to_a_member_who_turned_it_off(
    alert_setup, riviera, awa, yao
):
    yao.mobile_verified = False
    yao.save()
    other = factories.add_member(riviera, first_name="Ange", last_name="Ehui", alert_sms=False)
    subscribe(other)
    alert = send(awa)
    fanout.fan_out_alert(alert)
    assert not Delivery.objects.filter(alert=alert, channel="sms").exists()
    assert ("Ange", "push", "community") in rows(alert)


def test_fan_out_twice_writes_each_row_once(alert_setup, riviera, awa, yao, aya, twinned):
    alert = send(awa)
    first = fanout.fan_out_alert(alert)
    count = Delivery.objects.filter(alert=alert).count()
    fanout.fan_out_alert(alert)
    assert Delivery.objects.filter(alert=alert).count() == count == first


def test_saving_an_alert_writes_its_fan_out_task_in_the_same_transaction(
    riviera, awa, yao, run_tasks
):
    from django_tasks_db.models import DBTaskResult

    alert = send(awa)
    assert (
        DBTaskResult.objects.filter(task_path="monquartier.alerts.tasks.fan_out_alert").count() == 1
    )
    assert not Delivery.objects.exists()
    run_tasks()
    assert Delivery.objects.filter(alert=alert).exists()
    alert.refresh_from_db()
    assert alert.fanned_out_at is not None


def test_a_community_cannot_be_flooded_with_alerts_by_many_senders(riviera, awa, yao, settings):
    """Each alert may cost one SMS per member: the community's alerts are capped too,
    whoever sends them."""
    from django.core.exceptions import ValidationError

    from monquartier.alerts.models import Alert

    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, "community_alert": (3, 3600)}
    for sender in (awa, awa, yao):
        services.send_alert(sender, category="other", text="Deux hommes rôdent")
    with pytest.raises(ValidationError) as caught:
        services.send_alert(yao, category="other", text="Encore eux")
    assert caught.value.error_dict["text"][0].code == "flood"
    assert Alert.objects.count() == 3


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's planner and its statistics"
)
def test_the_rows_to_wake_for_are_read_by_the_alert_not_by_walking_the_queue(
    alert_setup, riviera, awa, yao
):
    """The statistics of a quiet day see no queued row; on a burst the queue holds
    thousands. The fan-out's question (what is queued for this alert?) must read this
    alert's rows, not walk the queue's index (delivery_due) in search of them."""
    from django.test.utils import CaptureQueriesContext

    rows = (
        "INSERT INTO notifications_delivery (alert_id, user_id, channel, address, audience, "
        "due_at, status, attempts, provider_id, last_error, created_at) "
        "SELECT %s + n / 50, n, 'email', '', 'community', now(), %s, 1, '', '', now() "
        "FROM generate_series(1, 20000) AS n"
    )
    with connection.cursor() as cursor:
        cursor.execute(rows, [10**7, "sent"])  # a quiet day: everything has left
        cursor.execute("ANALYZE notifications_delivery")
        cursor.execute(rows, [2 * 10**7, "queued"])  # then a burst fills the queue
    alert = send(awa)
    with CaptureQueriesContext(connection) as queries:
        fanout.fan_out_alert(alert)
    (asked,) = [q["sql"] for q in queries if 'MIN("notifications_delivery"."due_at")' in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {asked}")
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "delivery_due" not in plan, plan
