"""Identity theft: staff suspend the impersonating account from the ticket, then close
or restore it; the real person and the account's holder are told."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from monquartier.accounts.models import User
from monquartier.audit.models import AuditEntry
from monquartier.notifications.models import Notification, NotificationKind
from monquartier.notifications.services import notify
from monquartier.outbox.models import Channel, Delivery, DeliveryStatus
from monquartier.support import services
from monquartier.support.models import EmailPurpose, Ticket, TicketKind, TicketStatus
from tests import factories

REASON = "Photo et nom d'Awa repris, confirmé par le référent."


@pytest.fixture
def fake_awa(riviera):
    """An account in Riviera 2 using Awa's name."""
    return factories.add_member(
        riviera, first_name="Awa", last_name="Koné", email="faux.compte@exemple.ci"
    )


@pytest.fixture
def theft_ticket(awa, riviera, fake_awa, settings):
    link = settings.SITE_URL + reverse("communities:member", args=[riviera.pk, fake_awa.pk])
    return services.open_ticket(
        awa,
        kind=TicketKind.IDENTITY_THEFT,
        body="Un compte utilise mon nom et ma photo dans Riviera 2.",
        facts={
            "impersonated_name": "Awa Koné",
            "community_name": "Riviera 2",
            "profile_link": link,
        },
    )


def _suspend(staff_client, ticket, account=""):
    return staff_client.post(
        reverse("support:staff_account", args=[ticket.pk, "suspendre"]),
        {"account": account, "reason": REASON},
    )


def test_staff_suspend_the_impersonator_and_both_people_are_told(
    staff_client, mariam, awa, fake_awa, theft_ticket, run_tasks
):
    run_tasks()
    mail.outbox.clear()
    page = staff_client.get(
        reverse("support:staff_ticket", args=[theft_ticket.pk])
    ).content.decode()
    assert "faux.compte@exemple.ci" in page  # the link named the suspected account
    response = _suspend(staff_client, theft_ticket)
    assert response.status_code == 302
    fake_awa.refresh_from_db()
    assert fake_awa.is_suspended and not fake_awa.is_active
    run_tasks()
    to = {message.to[0]: message for message in mail.outbox}
    assert set(to) == {"awa.kone@exemple.ci", "faux.compte@exemple.ci"}
    assert "suspendu" in to["awa.kone@exemple.ci"].subject
    assert "suspendu" in to["faux.compte@exemple.ci"].subject
    # The holder of the account is not greeted by the name it stole.
    assert "Bonjour Awa" not in to["faux.compte@exemple.ci"].body
    entry = AuditEntry.objects.get(action="account.suspend")
    assert entry.actor == mariam and entry.member == fake_awa and entry.reason == REASON
    theft_ticket.refresh_from_db()
    assert theft_ticket.impersonator == fake_awa and theft_ticket.status == TicketStatus.OPEN


def test_a_suspended_account_can_no_longer_log_in_and_its_session_ends(
    staff_client, fake_awa, theft_ticket
):
    session = Client()
    factories.log_in(session, fake_awa)
    assert session.get(reverse("accounts:settings")).status_code == 200
    _suspend(staff_client, theft_ticket)
    # The open session is over: the next page asks to log in.
    response = session.get(reverse("accounts:settings"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    fresh = Client()
    fresh.post(
        reverse("account_login"),
        {"login": "faux.compte@exemple.ci", "password": factories.PASSWORD},
    )
    assert fresh.get(reverse("accounts:settings")).status_code == 302
    assert not fresh.login(email="faux.compte@exemple.ci", password=factories.PASSWORD)


def test_a_suspended_account_is_shown_nowhere_and_receives_nothing(
    client, staff_client, awa, yao, riviera, fake_awa, theft_ticket
):
    waiting = Delivery.objects.create(
        user=fake_awa, channel=Channel.EMAIL, address="faux.compte@exemple.ci"
    )
    _suspend(staff_client, theft_ticket)
    waiting.refresh_from_db()
    assert waiting.status == DeliveryStatus.CANCELLED
    fake_awa.refresh_from_db()
    assert fake_awa.full_name == fake_awa.public_name == "Compte suspendu"
    factories.log_in(client, yao)
    directory = client.get(reverse("communities:directory", args=[riviera.pk])).content.decode()
    assert "faux.compte" not in directory and directory.count("Koné") == 1  # the real Awa
    card = client.get(reverse("communities:member", args=[riviera.pk, fake_awa.pk]))
    assert card.status_code == 404
    assert notify([fake_awa], kind=NotificationKind.PLATFORM, event="x") == []
    assert not Notification.objects.filter(recipient=fake_awa).exists()


def test_staff_close_a_confirmed_impersonator(
    staff_client, mariam, fake_awa, theft_ticket, run_tasks
):
    _suspend(staff_client, theft_ticket)
    run_tasks()
    mail.outbox.clear()
    response = staff_client.post(
        reverse("support:staff_account", args=[theft_ticket.pk, "fermer"]), {"reason": REASON}
    )
    assert response.status_code == 302
    fake_awa.refresh_from_db()
    assert fake_awa.is_closed and fake_awa.email is None and fake_awa.first_name == ""
    assert not fake_awa.memberships.filter(status="active").exists()
    run_tasks()
    (message,) = mail.outbox
    assert message.to == ["faux.compte@exemple.ci"] and "fermé" in message.subject
    theft_ticket.refresh_from_db()
    assert theft_ticket.status == TicketStatus.RESOLVED
    assert AuditEntry.objects.filter(action="account.close", member=fake_awa, actor=mariam).exists()


def test_staff_restore_a_wrongly_suspended_account(
    client, staff_client, fake_awa, theft_ticket, run_tasks
):
    _suspend(staff_client, theft_ticket)
    response = staff_client.post(
        reverse("support:staff_account", args=[theft_ticket.pk, "retablir"]),
        {"reason": "Homonyme, vérifié."},
    )
    assert response.status_code == 302
    fake_awa.refresh_from_db()
    assert fake_awa.is_active and not fake_awa.is_suspended and fake_awa.full_name == "Awa Koné"
    run_tasks()
    assert any(m.to == ["faux.compte@exemple.ci"] and "rétabli" in m.subject for m in mail.outbox)
    assert AuditEntry.objects.filter(action="account.restore", member=fake_awa).exists()
    assert client.login(email="faux.compte@exemple.ci", password=factories.PASSWORD)


def test_bad_account_actions_are_refused_and_change_nothing(
    staff_client, mariam, awa, fake_awa, theft_ticket
):
    # Nothing to close or restore before a suspension.
    for action in ("fermer", "retablir"):
        response = staff_client.post(
            reverse("support:staff_account", args=[theft_ticket.pk, action]), {"reason": REASON}
        )
        assert response.status_code == 400
    assert _suspend(staff_client, theft_ticket, account="nobody@exemple.ci").status_code == 400
    # Never the requester's own account, nor a staff account.
    assert _suspend(staff_client, theft_ticket, account=awa.email).status_code == 400
    assert _suspend(staff_client, theft_ticket, account=mariam.email).status_code == 400
    assert (
        staff_client.post(
            reverse("support:staff_account", args=[theft_ticket.pk, "suspendre"]), {"reason": ""}
        ).status_code
        == 400
    )
    assert (
        staff_client.post(
            reverse("support:staff_account", args=[theft_ticket.pk, "effacer"]), {"reason": REASON}
        ).status_code
        == 404
    )
    assert User.objects.filter(suspended_at__isnull=False).count() == 0
    assert not AuditEntry.objects.exists()


def test_only_an_identity_theft_ticket_suspends(mariam, awa, fake_awa):
    ticket = services.open_ticket(awa, kind=TicketKind.QUESTION, body="Une simple question, merci.")
    with pytest.raises(ValidationError):
        services.suspend_impersonator(mariam, ticket, fake_awa, REASON)
    fake_awa.refresh_from_db()
    assert fake_awa.is_active


def test_a_visitor_whose_name_is_taken_is_told_too(staff_client, riviera, fake_awa, run_tasks):
    Client().post(
        reverse("support:contact_form", args=[TicketKind.IDENTITY_THEFT]),
        {
            "impersonated_name": "Awa Koné",
            "community_name": "Riviera 2",
            "body": "Quelqu'un utilise mon nom, je n'ai pas de compte.",
            "visitor_name": "Awa Koné",
            "visitor_email": "awa.vraie@exemple.ci",
        },
    )
    ticket = Ticket.objects.get()
    _suspend(staff_client, ticket, account=str(fake_awa.pk))
    run_tasks()
    told = [m for m in mail.outbox if m.to == ["awa.vraie@exemple.ci"]]
    assert [m.subject for m in told][-1].startswith("Le compte qui usurpait")
    assert ticket.emails.filter(purpose=EmailPurpose.IMPERSONATION_STOPPED).exists()


def test_sessions_ended_by_a_suspension_stay_ended_after_a_restore(
    staff_client, fake_awa, theft_ticket
):
    session = Client()
    factories.log_in(session, fake_awa)
    bystander = Client()
    factories.log_in(bystander, factories.make_user("Yves", "Tano"))
    _suspend(staff_client, theft_ticket)
    services.restore_impersonator(
        User.objects.get(email="mariam.bamba@monquartier.ci"), theft_ticket, "Homonyme."
    )
    assert session.get(reverse("accounts:settings")).status_code == 302
    # Other people's sessions are untouched, and the holder logs in again.
    assert bystander.get(reverse("accounts:settings")).status_code == 200
    fresh = Client()
    factories.log_in(fresh, User.objects.get(pk=fake_awa.pk))
    assert fresh.get(reverse("accounts:settings")).status_code == 200
