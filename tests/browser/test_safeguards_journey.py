"""The safeguards in a browser: a sender asked to rephrase, and a référent deciding on an
alert held from SMS, from their tools."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from monquartier.alerts import services
from monquartier.alerts.models import Alert, AlertStatus
from tests.browser.test_account_journeys import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_sender_rephrases_and_a_referent_approves_a_held_sms_alert(
    page, axe, riviera, awa, yao
):
    log_in(page, "yao.kouassi@exemple.ci")
    page.goto("/alertes/lancer/")
    page.get_by_label("Vol", exact=True).check()
    text = page.get_by_label("Décrivez en quelques mots")
    text.fill("Un Malien a volé la moto, tous dehors !")
    page.get_by_role("button", name="Envoyer l'alerte").click()
    expect(page.get_by_text("Votre alerte n'est pas partie")).to_be_visible()
    expect(page.get_by_text("nomme un groupe de personnes")).to_be_visible()
    axe(page)
    assert not Alert.objects.exists()
    text.fill("Un homme en boubou bleu a volé la moto, parti vers le marché.")
    page.get_by_role("button", name="Envoyer l'alerte").click()
    page.get_by_text("Alerte envoyée à la communauté").wait_for()

    held = services.hold_or_send(yao, category="theft", text="rassemblez-vous au carrefour")
    page.context.clear_cookies()
    log_in(page, "awa.kone@exemple.ci")
    page.goto(reverse("invitations:referent_space", args=[riviera.pk]))
    page.get_by_role("link", name="Les alertes retenues à vérifier").click()
    card = page.locator("article", has_text="rassemblez-vous au carrefour")
    expect(card).to_contain_text("appelle à se rassembler")
    axe(page)
    card.get_by_role("button", name="Envoyer l'alerte").click()
    expect(page.get_by_text("L'alerte est envoyée à la communauté.")).to_be_visible()
    expect(page.get_by_text("Aucune alerte n'attend de vérification.")).to_be_visible()
    held.refresh_from_db()
    assert held.status == AlertStatus.SENT and held.decided_by == awa
