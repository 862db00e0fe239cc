"""The signage shop in Chromium on a phone: a member orders two signs, pays through the
fake mobile-money wallet (a real HTTP server speaking CinetPay's protocol), finds the
order in Paramètres › Mes achats and downloads its invoice; staff prepare and ship it and
the member is told by e-mail at each step."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from monquartier.shop.models import Invoice, Order, OrderState
from tests.browser.sign_in import log_in_with_code
from tests.browser.test_account_journeys import log_in
from tests.shop import conftest as shop_fixtures

# The shop's fixtures (tests/shop/conftest.py), for this directory's tests too.
provider, sign, zone = shop_fixtures.provider, shop_fixtures.sign, shop_fixtures.zone

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_member_orders_two_signs_pays_with_the_wallet_and_staff_ship_them(
    context,
    axe,
    live_server,
    settings,
    provider,
    riviera,
    yao,
    mariam,
    sign,
    zone,
):
    settings.SITE_URL = live_server.url
    page = context.new_page()
    log_in(page, yao.email)
    page.goto("/boutique/")
    axe(page)
    page.get_by_role("link", name="Grand panneau").click()
    expect(page.get_by_text("Personnalisé : « Riviera 2 »")).to_be_visible()
    page.get_by_label("Quantité").fill("2")
    page.get_by_role("button", name="Ajouter au panier").click()
    expect(page.get_by_text("Votre panier : 2 articles")).to_be_visible()  # htmx, same page
    axe(page)
    page.get_by_role("link", name="Voir le panier").click()
    expect(page.get_by_text("25000 F CFA").first).to_be_visible()
    page.get_by_role("link", name="Commander").click()
    # Bad input first: nothing saved, the page says what is missing.
    page.get_by_label("Téléphone à appeler pour la livraison").fill("12")
    page.get_by_role("button", name="Valider la commande").click()
    expect(page.get_by_text("Indiquez le quartier.")).to_be_visible()
    assert not Order.objects.exists()
    axe(page)
    page.get_by_label("Commune").select_option(label="Cocody")
    page.get_by_label("Quartier").fill("Riviera 2")
    page.get_by_label("Point de repère").fill("Derrière la pharmacie, portail bleu")
    page.get_by_label("Téléphone à appeler pour la livraison").fill("07 07 12 34 56")
    page.get_by_role("button", name="Valider la commande").click()
    expect(page.get_by_text("En attente de paiement")).to_be_visible()
    axe(page)

    page.get_by_role("button", name="Payer 26500 F CFA par mobile money").click()
    axe(page)
    page.get_by_role("link", name="Continuer vers le paiement").click()
    expect(page.get_by_role("heading", name="Faux portefeuille mobile money")).to_be_visible()
    assert page.url.startswith(provider.public_url)
    page.get_by_label("Wave").check()
    page.get_by_role("button", name="Approuver le paiement").click()
    expect(page.get_by_text("il a répondu 200")).to_be_visible()
    page.get_by_role("link", name="Retourner sur le site du marchand").click()
    expect(page.get_by_text("Paiement reçu : merci !")).to_be_visible()
    expect(page.locator("#order-state")).to_have_text("Payée")
    order = Order.objects.get()
    assert order.state == OrderState.PAID and order.total == 26500
    assert any(message.to == [yao.email] and "payée" in message.subject for message in mail.outbox)

    page.goto("/parametres/")
    page.get_by_role("link", name="Mes achats").click()
    axe(page)
    page.get_by_role("link", name=order.number).click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger la facture").click()
    invoice = Invoice.objects.get()
    assert download.value.suggested_filename == f"facture-{invoice.number}.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    mail.outbox.clear()
    staff = context.browser.new_context(base_url=live_server.url, locale="fr-FR").new_page()
    log_in_with_code(staff, mariam.email)
    staff.goto("/equipe/boutique/")
    staff.get_by_role("link", name=order.number).click()
    staff.get_by_role("button", name="Commencer la préparation").click()
    staff.get_by_role("button", name="Marquer expédiée").click()
    expect(staff.get_by_text("le client est prévenu").first).to_be_visible()
    assert Order.objects.get().state == OrderState.SHIPPED
    subjects = [message.subject for message in mail.outbox if message.to == [yao.email]]
    assert any("en préparation" in subject for subject in subjects)
    assert any("expédiée" in subject for subject in subjects)
    staff.context.close()
