"""Voice alerts in Chromium on a phone: a member turns on the calls in the notification
settings, and a référent registers a neighbour who will be called; both pages pass axe."""

import pytest
from playwright.sync_api import expect

from monquartier.accounts.models import User
from tests import factories
from tests.browser.test_account_journeys import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_member_chooses_to_be_called_for_alerts(page, axe):
    referent = factories.make_user("Awa", "Koné", email="awa.kone@exemple.ci")
    community = factories.make_community(referent, name="Riviera 2")
    factories.add_member(
        community, first_name="Yao", last_name="Kouassi", email="yao.kouassi@exemple.ci"
    )
    log_in(page, "yao.kouassi@exemple.ci")
    page.goto("/parametres/notifications/")
    choice = page.get_by_label("Recevoir les alertes par appel vocal")
    expect(choice).not_to_be_checked()
    axe(page)
    choice.check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Vos choix de notification sont enregistrés.")).to_be_visible()
    expect(page.get_by_label("Recevoir les alertes par appel vocal")).to_be_checked()
    assert User.objects.get(email="yao.kouassi@exemple.ci").alert_voice is True


def test_a_referent_registers_a_neighbour_who_will_be_called(page, axe):
    referent = factories.make_user("Awa", "Koné", email="awa.kone@exemple.ci")
    community = factories.make_community(referent, name="Riviera 2")
    factories.age_community(community, days=30)
    log_in(page, "awa.kone@exemple.ci")
    page.goto(f"/c/{community.pk}/inscrire-un-voisin/")
    expect(page.get_by_label("Recevoir aussi les alertes par appel vocal")).to_be_visible()
    axe(page)
