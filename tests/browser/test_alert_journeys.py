import re

import pytest
from playwright.sync_api import expect

from monquartier.alerts import services
from monquartier.alerts.models import Alert
from monquartier.moderation.models import Report
from monquartier.outbox.models import Delivery, DeliveryStatus
from tests.browser.test_account_journeys import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_launch_an_alert_a_neighbour_sees_it_and_opening_it_cancels_the_sms(
    context, axe, riviera, awa, yao, live_server
):
    page = context.new_page()
    log_in(page, "awa.kone@exemple.ci")
    page.get_by_role("link", name="Alertes", exact=True).click()
    axe(page)
    page.get_by_role("link", name="Lancer une alerte").click()
    expect(page.get_by_role("link", name="110")).to_be_visible()
    axe(page)
    page.get_by_label("Personne ou véhicule suspect").check()
    page.get_by_label("Décrivez en quelques mots").fill(
        "Deux hommes escaladent le mur du lot 12, une moto noire les attend."
    )
    page.get_by_text("Indiquer le lieu sur la carte").click()
    page.locator("#pin-map").tap()
    page.get_by_role("button", name="Envoyer l'alerte").click()
    page.get_by_text("Alerte envoyée à la communauté").wait_for()
    axe(page)
    alert = Alert.objects.get()
    assert alert.latitude is not None and alert.sender == awa
    # The sender follows the delivery.
    expect(page.locator("#alert-progress")).to_be_visible()
    sms = Delivery.objects.get(alert=alert, user=yao, channel="sms")
    assert sms.status == DeliveryStatus.QUEUED

    neighbour = context.browser.new_context(base_url=live_server.url, locale="fr-FR").new_page()
    log_in(neighbour, "yao.kouassi@exemple.ci")
    neighbour.get_by_role("link", name="Alertes", exact=True).click()
    item = neighbour.locator(".alert-item.is-unread")
    expect(item).to_contain_text("escaladent le mur du lot 12")
    expect(item).to_contain_text("Awa Koné")
    item.get_by_role("link").click()
    expect(neighbour.get_by_role("heading", level=1)).to_contain_text("escaladent le mur")
    axe(neighbour)
    sms.refresh_from_db()
    assert sms.status == DeliveryStatus.CANCELLED
    neighbour.go_back()
    neighbour.reload()
    expect(neighbour.locator(".alert-item.is-unread")).to_have_count(0)


NO_HORIZONTAL_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def test_the_sender_watches_the_delivery_progress_until_it_is_settled_without_reloading(
    page, axe, riviera, awa, yao, settings, run_tasks
):
    settings.ALERT_SMS_DELAY_SECONDS = 0  # every channel settles as soon as the senders run
    log_in(page, "awa.kone@exemple.ci")
    page.goto("/alertes/lancer/")
    page.get_by_label("Incendie").check()
    page.get_by_label("Décrivez en quelques mots").fill("Fumée noire derrière le lot 40.")
    page.get_by_role("button", name="Envoyer l'alerte").click()
    progress = page.locator("#alert-progress")
    # The worker has not run yet: nobody is counted, and the page says it is still going.
    expect(progress).to_contain_text("destinataires sont en cours de calcul")
    email_row = progress.get_by_role("row", name="E-mail")
    expect(email_row).to_have_text(re.compile(r"E-mail\s*0\s*0\s*0"))
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    axe(page)
    page.evaluate("() => { window.notReloaded = true; }")

    run_tasks()  # fan-out, then the e-mail and the SMS to Yao

    expect(progress).to_contain_text("Envoi terminé", timeout=15_000)
    expect(email_row).to_have_text(re.compile(r"E-mail\s*1\s*0\s*0"))
    expect(progress.get_by_role("row", name="SMS")).to_have_text(re.compile(r"SMS\s*1\s*0\s*0"))
    assert page.evaluate("() => window.notReloaded === true")
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    # Settled: the refreshing stops.
    assert progress.get_attribute("hx-trigger") is None


def test_a_neighbour_reads_a_correction_as_a_correction_and_reports_the_alert(
    page, axe, riviera, awa, yao
):
    original = services.send_alert(
        awa, category="suspicious", text="Un homme en noir rôde autour des voitures."
    )
    services.send_alert(
        awa, category="suspicious", text="C'était le gardien du lot 12.", corrects=original
    )
    log_in(page, "yao.kouassi@exemple.ci")
    page.get_by_role("link", name="Alertes", exact=True).click()
    correction = page.locator(".alert-item").filter(has_text="le gardien du lot 12")
    expect(correction).to_contain_text("Correction · Personne ou véhicule suspect")
    expect(correction).to_contain_text("Corrige l'alerte : Un homme en noir")
    axe(page)
    correction.get_by_role("link").click()
    expect(page).to_have_title(re.compile("^Correction : Personne ou véhicule suspect"))
    expect(page.locator(".notice")).to_contain_text("Corrige l'alerte :")
    page.get_by_role("link", name="Un homme en noir rôde").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Un homme en noir")
    expect(page.locator(".notice")).to_contain_text("le gardien du lot 12")

    page.get_by_role("link", name="Signaler", exact=True).click()
    # The report form's page, loaded before axe reads it (a click only starts the visit).
    page.get_by_label("Fausse alerte ou alerte abusive").wait_for()
    axe(page)
    page.get_by_label("Fausse alerte ou alerte abusive").check()
    page.get_by_role("button", name="Envoyer le signalement").click()
    expect(page.get_by_text("l'équipe MonQuartier examine votre signalement")).to_be_visible()
    report = Report.objects.get()
    assert (report.kind, report.object_id, report.reporter) == ("alert", original.pk, yao)
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
