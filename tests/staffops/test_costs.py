"""The staff's cost pages: an alert's SMS by provider, and a month's totals per community
and per town hall, from the costs recorded on each SMS and call."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from monquartier.alerts import services as alerts
from monquartier.outbox.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    TextMessage,
    TextPurpose,
    VoiceCall,
)
from monquartier.staffops.costs import alert_costs, month_report
from monquartier.townhalls.models import Announcement
from tests.factories import log_in, make_community, make_user

NOW = datetime(2026, 12, 15, 10, 0, tzinfo=UTC)


def sent_sms(cost, *, provider="orange", when=NOW, status=DeliveryStatus.SENT, **carried):
    return Delivery.objects.create(
        channel=Channel.SMS,
        address="+2250707000000",
        status=status,
        sent_at=when,
        sms_provider=provider,
        cost=None if cost is None else Decimal(cost),
        **carried,
    )


@pytest.fixture
def month(riviera, riviera3, awa, cocody_town_hall):
    """December in Riviera 2 (Cocody, partner town hall) and Riviera 3; one SMS in November."""
    with time_machine.travel(NOW, tick=False):
        first = alerts.send_alert(awa, category="theft", text="Deux hommes au portail")
        Delivery.objects.filter(alert=first, channel=Channel.SMS).update(
            status=DeliveryStatus.DELIVERED, sent_at=NOW, sms_provider="orange", cost=Decimal(12)
        )
        sent_sms("15", provider="africastalking", alert=first, audience="town_hall")
        sent_sms(None, provider="dev", alert=first)
        sent_sms("12", alert=first, when=NOW - timedelta(days=30))  # November
        TextMessage.objects.create(
            purpose=TextPurpose.REPLY,
            to="+2250505000000",
            community=riviera,
            provider="africastalking",
            cost=Decimal(15),
        )
        VoiceCall.objects.create(
            session_id="s-1", to="+2250101000000", community=riviera, cost=Decimal(50)
        )
        koffi_alert = alerts.send_alert(
            riviera3.memberships.get().user, category="fire", text="Fumée derrière le marché"
        )
        sent_sms("20", alert=koffi_alert, provider="orange")
        announcement = Announcement.objects.create(
            town_hall=cocody_town_hall, urgent=True, category="works", text="Coupure d'eau"
        )
        sent_sms("18", provider="africastalking", announcement=announcement)
    return first, koffi_alert


def test_the_month_totals_per_community_and_town_hall(month, riviera, riviera3, cocody_town_hall):
    first, koffi_alert = month
    expected_riviera = Delivery.objects.filter(
        alert=first, channel=Channel.SMS, sent_at=NOW
    ).count()
    report = month_report(NOW.date())
    lines = {line.label: line.totals for line in report.communities}
    # Yao's SMS (12), the town hall's contact (15), one unpriced, the reply (15), the call (50).
    assert lines["Riviera 2"].sms == expected_riviera + 1
    assert lines["Riviera 2"].sms_cost == Decimal("42")
    assert lines["Riviera 2"].unpriced == 1
    assert (lines["Riviera 2"].calls, lines["Riviera 2"].calls_cost) == (1, Decimal("50"))
    assert lines["Riviera 2"].cost == Decimal("92")
    assert lines["Riviera 3"].sms_cost == Decimal("20")
    (town_hall,) = report.town_halls
    assert town_hall.label == cocody_town_hall.name
    # Both communities are in Cocody, plus the town hall's own announcement.
    assert riviera3.commune_id == cocody_town_hall.commune_id
    assert town_hall.totals.cost == Decimal("92") + Decimal("20") + Decimal("18")
    assert report.total.cost == town_hall.totals.cost
    assert [line.object_id for line in report.alerts] == [first.pk, koffi_alert.pk]
    # November has only its own SMS.
    november = month_report((NOW - timedelta(days=30)).date())
    assert november.total.sms == 1 and november.total.sms_cost == Decimal("12")


def test_an_alerts_costs_by_provider(month):
    first, _ = month
    costs = alert_costs(first)
    by_provider = {line.provider: line for line in costs.providers}
    assert by_provider["africastalking"].cost == Decimal("15")
    assert by_provider["orange"].cost == Decimal("24")  # December's and November's
    assert by_provider["orange"].delivered == by_provider["orange"].sms - 1
    assert costs.total.unpriced == 1
    assert costs.total.sms_cost == Decimal("39")


def test_staff_see_the_pages_and_members_do_not(
    client, month, awa, mariam, django_assert_max_num_queries
):
    first, _ = month
    report_url = reverse("staffops:sms_costs") + "?mois=2026-12"
    alert_url = reverse("staffops:alert_costs", args=[first.pk])
    log_in(client, awa)
    assert client.get(report_url).status_code == 302
    assert client.get(alert_url).status_code == 302
    log_in(client, mariam)
    with django_assert_max_num_queries(16):
        page = client.get(report_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Riviera 2" in html and "Mairie de Cocody" in html and "130" in html
    assert alert_url in html
    page = client.get(alert_url)
    assert page.status_code == 200 and "africastalking" in page.content.decode()
    assert client.get(reverse("staffops:alert_costs", args=[999999])).status_code == 404


@pytest.mark.parametrize("value", ["2026-13", "12-2026", "x" * 500, "1999-01", "2026-1"])
def test_a_bad_month_is_answered_with_a_message(client, mariam, value):
    log_in(client, mariam)
    page = client.get(reverse("staffops:sms_costs"), {"mois": value})
    assert page.status_code == 200
    assert "Mois inconnu" in page.content.decode()


def test_an_empty_month_says_so(client, mariam, db):
    make_community(make_user("Ama", "Yeboué"), name="Vide")
    log_in(client, mariam)
    page = client.get(reverse("staffops:sms_costs"), {"mois": "2026-01"})
    assert "Rien ce mois-ci." in page.content.decode()


def test_an_alert_is_found_by_its_number(client, month, mariam):
    first, _ = month
    log_in(client, mariam)
    url = reverse("staffops:sms_costs")
    assert client.get(url, {"alerte": f" #{first.pk}"}).url == reverse(
        "staffops:alert_costs", args=[first.pk]
    )
    for value in ["999999", "abc", "9" * 400, ""]:
        page = client.get(url, {"alerte": value})
        assert page.status_code == 200
        assert "Aucune alerte ne porte ce numéro." in page.content.decode()


def test_ussd_sessions_are_counted_beside_sms_and_calls(
    client, riviera, riviera3, mariam, cocody_town_hall, settings
):
    from monquartier.ussd.models import UssdSession

    settings.USSD_SESSION_PRICE = 10
    expires = NOW + timedelta(minutes=5)
    for index, (community, when) in enumerate(
        [
            (riviera, NOW),
            (riviera, NOW),
            (riviera3, NOW),
            (None, NOW),  # a number of no member: in the total only
            (riviera, NOW - timedelta(days=30)),  # November
        ]
    ):
        UssdSession.objects.create(
            session_id=f"s{index}",
            phone="+2250707000001",
            community=community,
            created_at=when,
            expires_at=expires,
        )
    report = month_report(NOW.date())
    lines = {line.label: line.totals for line in report.communities}
    assert (lines["Riviera 2"].ussd, lines["Riviera 2"].ussd_cost) == (2, Decimal("20"))
    assert lines["Riviera 2"].cost == Decimal("20")
    assert lines["Riviera 3"].ussd == 1
    assert report.town_halls[0].totals.ussd == 3
    assert (report.total.ussd, report.total.cost) == (4, Decimal("40"))
    log_in(client, mariam)
    html = client.get(reverse("staffops:sms_costs"), {"mois": "2026-12"}).content.decode()
    assert "Sessions USSD" in html and "4 sessions USSD pour 40 F" in html


def test_the_admin_index_links_to_the_cost_pages(client, mariam):
    log_in(client, mariam)
    page = client.get(reverse("admin:index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="staff-pages"' in html and reverse("staffops:sms_costs") in html
    assert reverse("support:staff_queue") in html
