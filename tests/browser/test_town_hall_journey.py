"""A partner town hall's day, in Chromium on a phone: the agent logs in with the code,
sees the commune's communities on the map, receives a resident's alert and marks it seen
(the sender sees it), then warns two communities of a water cut, which a member reads on
their home page and in their e-mail."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from monquartier.alerts import services as alert_services
from monquartier.townhalls.models import Announcement
from tests import factories
from tests.browser.test_account_journeys import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in_as_agent(page, email: str) -> None:
    page.goto("/compte/login/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(factories.PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Code").fill(factories.totp_code())
    page.get_by_role("button", name="Connexion").click()
    page.get_by_role("heading", name="Mairie de Cocody", level=1).wait_for()


def test_an_agent_receives_an_alert_marks_it_seen_and_warns_two_communities(
    context, axe, live_server, riviera, riviera3, awa, yao, aya, aicha
):
    agent = context.new_page()
    _log_in_as_agent(agent, aicha.email)
    expect(agent.locator("#console-map")).to_be_visible()
    expect(agent.get_by_role("link", name=riviera.name).first).to_be_visible()
    axe(agent)

    alert = alert_services.send_alert(
        yao, category="suspicious", text="Un homme essaie les portails de la rue 12."
    )
    to_agent = [message for message in mail.outbox if message.to == [aicha.email]]
    assert to_agent and "Yao Kouassi" in to_agent[0].body
    agent.get_by_role("link", name="Alertes de la commune").click()
    item = agent.get_by_role("link", name="Un homme essaie les portails de la rue 12.")
    expect(item).to_be_visible()
    axe(agent)
    item.click()
    expect(agent.get_by_text("Yao Kouassi")).to_be_visible()
    agent.get_by_role("button", name="Vu par la mairie").click()
    expect(agent.get_by_text("Vu par la mairie le")).to_be_visible()
    axe(agent)

    sender = context.browser.new_context(base_url=live_server.url, locale="fr-FR").new_page()
    log_in(sender, yao.email)
    sender.goto(f"/alertes/{alert.pk}/")
    expect(sender.get_by_text("Vu par la mairie le")).to_be_visible()

    mail.outbox.clear()
    agent.goto("/mairie/annonces/nouvelle/")
    agent.get_by_label("Catégorie").select_option(label="Coupure d'eau")
    agent.get_by_label("Texte").fill("Coupure d'eau demain de 8 h à 14 h, rue des Jardins.")
    agent.get_by_label(riviera.name).check()
    agent.get_by_label(riviera3.name).check()
    agent.get_by_role("button", name="Voir qui le recevra").click()
    expect(agent.get_by_role("button", name="Confirmer l'envoi")).to_be_visible()
    axe(agent)
    agent.get_by_role("button", name="Confirmer l'envoi").click()
    agent.get_by_text("Coupure d'eau demain de 8 h à 14 h").first.wait_for()
    announcement = Announcement.objects.get()
    assert set(announcement.communities.all()) == {riviera, riviera3}

    sender.goto("/")
    expect(
        sender.get_by_text("Coupure d'eau demain de 8 h à 14 h, rue des Jardins.")
    ).to_be_visible()
    expect(sender.get_by_text("Mairie de Cocody").first).to_be_visible()
    to_yao = [message for message in mail.outbox if message.to == [yao.email]]
    assert to_yao and "Coupure d'eau demain" in to_yao[0].body
    assert any(message.to == [aya.email] for message in mail.outbox)
