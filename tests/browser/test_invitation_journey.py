"""A member invites a neighbour by e-mail; the neighbour opens the link, signs up, pins
their home and asks to join: the request is for the community they were invited to."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from monquartier.communities.models import Membership, MembershipStatus
from monquartier.invitations.models import Invitation, InvitedSignup
from tests.browser.test_account_journeys import PASSWORD, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_member_invites_a_neighbour_by_email_who_signs_up_and_asks_to_join(
    context, axe, yao, riviera, sms_outbox, live_server, settings
):
    settings.SITE_URL = live_server.url  # the link in the e-mail leads to this server
    page = context.new_page()
    log_in(page, "yao.kouassi@exemple.ci")
    page.get_by_role("link", name="Inviter").first.click()
    page.get_by_role("heading", name="Inviter des voisins").wait_for()
    axe(page)
    page.get_by_label("Son adresse e-mail").fill("adjoua.konan@exemple.ci")
    page.get_by_label("Un mot de votre part (facultatif)").fill("Viens, on s'organise ensemble !")
    page.get_by_role("button", name="Envoyer l'e-mail").click()
    page.get_by_text("L'invitation part par e-mail à adjoua.konan@exemple.ci.").wait_for()
    invitation = Invitation.objects.get(channel="email")
    (message,) = mail.outbox
    assert message.to == ["adjoua.konan@exemple.ci"]
    assert "Viens, on s'organise ensemble !" in message.body
    link = re.search(r"http://[^\s/]+/invitation/[A-Z0-9]{8}/", message.body).group(0)
    assert invitation.code in link
    page.get_by_role("link", name="Mes invitations et qui les a acceptées").click()
    # The e-mail, and his share link (made when the page showed it).
    expect(
        page.get_by_text("Personne ne s'est encore inscrit par cette invitation.")
    ).to_have_count(2)
    axe(page)

    # The neighbour, on their own phone.
    neighbour = context.browser.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        geolocation={"latitude": 5.3601, "longitude": -3.9598},
        permissions=["geolocation"],
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
    ).new_page()
    neighbour.goto(link)
    neighbour.get_by_role(
        "heading", name=re.compile("Un voisin vous invite dans la communauté « Riviera 2 »")
    ).wait_for()
    axe(neighbour)
    assert "Kouassi" not in neighbour.content() and "Yao" not in neighbour.content()
    neighbour.get_by_role("link", name="Créer mon compte").click()
    neighbour.get_by_label("Prénom").fill("Adjoua")
    neighbour.get_by_label("Nom", exact=True).fill("Konan")
    neighbour.get_by_label("Adresse e-mail").fill("adjoua.konan@exemple.ci")
    neighbour.get_by_label("Téléphone mobile").fill("07 07 12 34 56")
    neighbour.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    neighbour.get_by_label("Mot de passe (confirmation)").fill(PASSWORD)
    neighbour.get_by_label("charte").check()
    neighbour.get_by_role("button", name="Créer mon compte").click()
    neighbour.get_by_label("Code").fill(re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1))
    neighbour.get_by_role("button", name="Valider le code").click()
    neighbour.get_by_role("heading", name="Bonjour Adjoua").wait_for()
    signup = InvitedSignup.objects.get()
    assert signup.invitation == invitation and signup.user.first_name == "Adjoua"

    neighbour.get_by_role("link", name="Indiquer mon adresse").click()
    neighbour.get_by_label("Commune").select_option(label="Cocody")
    neighbour.get_by_label("Quartier").fill("Riviera 2")
    neighbour.get_by_role("button", name="Utiliser ma position").click()
    expect(neighbour.locator("[name=latitude]")).to_have_value("5.360100")
    neighbour.get_by_role("button", name="Enregistrer mon adresse").click()
    neighbour.get_by_role("link", name="Rejoindre mon quartier").click()
    expect(neighbour.get_by_text("Un voisin vous a invité dans cette communauté.")).to_be_visible()
    axe(neighbour)
    neighbour.get_by_role("button", name="Demander à rejoindre").click()
    neighbour.get_by_text("Votre demande est envoyée aux référents de « Riviera 2 »").wait_for()
    membership = Membership.objects.get(user=signup.user)
    assert (membership.community, membership.status) == (riviera, MembershipStatus.PENDING)

    # Yao sees that a neighbour came through his invitation, not who (not yet a member).
    page.reload()
    expect(page.get_by_text("Un voisin — a demandé à la rejoindre")).to_be_visible()
    assert "Adjoua" not in page.content()
    neighbour.context.close()


def test_the_referent_finds_the_space_and_its_kit(context, axe, awa, riviera):
    page = context.new_page()
    log_in(page, "awa.kone@exemple.ci")
    page.goto(f"/c/{riviera.pk}/")
    page.get_by_role("link", name="Rôle et outils").click()
    page.get_by_role("heading", name="Rôle et outils du référent").wait_for()
    axe(page)
    with page.expect_response(re.compile(r"/referent/kit/affiche\.pdf$")) as poster:
        page.evaluate("url => fetch(url)", f"/c/{riviera.pk}/referent/kit/affiche.pdf")
    assert poster.value.headers["content-type"] == "application/pdf"
