"""Staff read the month's SMS costs, then one alert's, in the admin's frame; both pages
pass axe."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from monquartier.alerts import services as alerts
from monquartier.outbox.models import Channel, Delivery, DeliveryStatus
from tests.browser.sign_in import log_in_with_code

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_read_the_costs_of_the_month_and_of_an_alert(context, axe, mariam, riviera, awa):
    alert = alerts.send_alert(awa, category="theft", text="Deux hommes au portail")
    Delivery.objects.filter(alert=alert, channel=Channel.SMS).update(
        status=DeliveryStatus.DELIVERED,
        sent_at=timezone.now() - timedelta(minutes=1),
        sms_provider="orange",
        cost=Decimal(12),
    )

    staff = context.new_page()
    log_in_with_code(staff, "mariam.bamba@monquartier.ci")

    staff.goto("/equipe/couts/")
    staff.get_by_role("heading", name="Par communauté").wait_for()
    staff.get_by_role("cell", name="Riviera 2").wait_for()
    axe(staff)
    staff.get_by_label("Coût d'une alerte, par son numéro").fill(str(alert.pk))
    staff.get_by_role("button", name="Voir").click()
    staff.get_by_role("cell", name="orange").wait_for()
    assert "1 SMS pour 12 F" in staff.content()
    axe(staff)
