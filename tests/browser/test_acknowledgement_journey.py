"""A neighbour says "J'ai vu"; the sender sees who and how many (axe-clean pages)."""

import pytest
from playwright.sync_api import expect

from monquartier.alerts import services
from monquartier.alerts.models import AlertAcknowledgement
from tests.browser.test_account_journeys import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_neighbour_says_i_saw_it_and_the_sender_sees_who(
    context, axe, riviera, awa, yao, live_server
):
    alert = services.send_alert(
        awa, category="suspicious", text="Une moto sans plaque tourne devant l'école"
    )
    neighbour = context.new_page()
    log_in(neighbour, "yao.kouassi@exemple.ci")
    neighbour.goto(f"/alertes/{alert.pk}/")
    expect(neighbour.get_by_text("0 voisin a vu cette alerte.")).to_be_visible()
    axe(neighbour)
    neighbour.get_by_role("button", name="J'ai vu").click()
    expect(neighbour.get_by_text("Vous avez dit l'avoir vue.")).to_be_visible()
    expect(neighbour.get_by_text("1 voisin a vu cette alerte.")).to_be_visible()
    expect(neighbour.get_by_role("button", name="J'ai vu")).to_have_count(0)
    axe(neighbour)
    assert AlertAcknowledgement.objects.get().user == yao

    sender = context.browser.new_context(base_url=live_server.url, locale="fr-FR").new_page()
    log_in(sender, "awa.kone@exemple.ci")
    sender.goto(f"/alertes/{alert.pk}/")
    expect(sender.locator(".seen-names")).to_contain_text("Yao Kouassi")
    expect(sender.get_by_role("button", name="J'ai vu")).to_have_count(0)
    axe(sender)
