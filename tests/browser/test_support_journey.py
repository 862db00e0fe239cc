"""Identity theft, in Chromium on a phone: a member reports that an account uses her
name, staff act on the ticket, the account is suspended at once (its open session ends,
it leaves the directory) and both people are told by e-mail."""

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from monquartier.accounts.models import User
from monquartier.audit.models import AuditEntry
from monquartier.support.models import Ticket, TicketKind
from tests import factories
from tests.browser.sign_in import log_in_with_code
from tests.browser.test_account_journeys import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_member_reports_an_identity_theft_and_staff_suspend_the_account(
    context, axe, live_server, settings, riviera, awa, yao, mariam
):
    settings.SITE_URL = live_server.url
    fake = factories.add_member(
        riviera, first_name="Awa", last_name="Koné", email="faux.compte@exemple.ci"
    )
    impostor = context.browser.new_context(base_url=live_server.url, locale="fr-FR").new_page()
    log_in(impostor, fake.email)

    member = context.new_page()
    log_in(member, awa.email)
    member.goto(reverse("communities:directory", args=[riviera.pk]))
    card_links = member.get_by_role("link", name="Awa Koné")
    expect(card_links).to_have_count(2)
    card_url = live_server.url + reverse("communities:member", args=[riviera.pk, fake.pk])

    member.get_by_role("link", name="Contact").click()
    axe(member)
    member.get_by_role("link", name="Quelqu'un se fait passer pour moi ou pour un voisin").click()
    # Bad input first: nothing filled, the page says what is missing and saves nothing.
    member.get_by_role("button", name="Envoyer").click()
    expect(member.get_by_text("Ce champ est obligatoire.").first).to_be_visible()
    assert not Ticket.objects.exists()
    member.get_by_label("Le nom ou le pseudonyme affiché par le faux compte").fill("Awa Koné")
    member.get_by_label("La communauté concernée").fill("Riviera 2")
    member.get_by_label("Le lien vers la fiche du faux compte (facultatif)").fill(card_url)
    member.get_by_label("Votre message").fill(
        "Ce compte a pris mon nom et ma photo, et écrit aux voisins."
    )
    axe(member)
    member.get_by_role("button", name="Envoyer").click()
    expect(member.get_by_text("l'équipe vous répond ici et par e-mail")).to_be_visible()
    axe(member)
    ticket = Ticket.objects.get()
    assert ticket.kind == TicketKind.IDENTITY_THEFT and ticket.impersonator == fake
    assert any(message.to == [awa.email] for message in mail.outbox)

    mail.outbox.clear()
    staff = context.browser.new_context(base_url=live_server.url, locale="fr-FR").new_page()
    log_in_with_code(staff, mariam.email)
    staff.goto(reverse("support:staff_queue"))
    staff.get_by_role("link", name=ticket.reference).click()
    expect(staff.get_by_text("faux.compte@exemple.ci")).to_be_visible()
    staff.get_by_label("Motif (gardé dans le journal d'audit)").fill(
        "Photo d'Awa reprise, le référent confirme."
    )
    staff.get_by_role("button", name="Suspendre le compte usurpateur").click()
    expect(staff.get_by_text("Compte suspendu : il ne peut plus se connecter.")).to_be_visible()

    fake.refresh_from_db()
    assert fake.is_suspended and not fake.is_active
    assert AuditEntry.objects.filter(action="account.suspend", member=fake, actor=mariam).exists()
    told = {message.to[0]: message.subject for message in mail.outbox}
    assert "suspendu" in told[awa.email] and "suspendu" in told["faux.compte@exemple.ci"]

    # The impostor's open session is over, and the account leaves the directory.
    impostor.goto("/parametres/")
    expect(impostor.get_by_label("Mot de passe")).to_be_visible()
    member.goto(reverse("communities:directory", args=[riviera.pk]))
    expect(member.get_by_role("link", name="Awa Koné")).to_have_count(1)
    member.goto(reverse("support:my_tickets"))
    member.get_by_role("link", name=f"{ticket.reference} · Quelqu'un se fait passer").click()
    expect(member.get_by_text("Ce compte a pris mon nom et ma photo")).to_be_visible()
    axe(member)
    assert User.objects.get(pk=fake.pk).full_name == "Compte suspendu"
