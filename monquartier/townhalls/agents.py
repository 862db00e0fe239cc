"""Town-hall agents: invitations by e-mail, the account an invitation creates, removal.

Staff invite a town hall's first agents from the admin; an agent allowed to manage
agents invites and removes the others from the console. The invitation's link carries a
random token (only its hash is stored) and lets its holder create the agent's account
with a password; the log-in then asks them to set up their second factor, like staff.
"""

import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from monquartier.accounts.models import User
from monquartier.core import flood
from monquartier.outbox.rendering import render_email
from monquartier.outbox.tasks import send_email
from monquartier.townhalls.models import Agent, AgentInvitation, TownHall, hash_token

INVITATION_DAYS = 7


def may_manage(actor: User, town_hall: TownHall) -> bool:
    if actor.is_staff:
        return True
    return Agent.objects.filter(user=actor, town_hall=town_hall, can_manage_agents=True).exists()


def _require_manager(actor: User, town_hall: TownHall) -> None:
    if not may_manage(actor, town_hall):
        raise PermissionDenied(_("Vous ne pouvez pas gérer les agents de cette mairie."))


@transaction.atomic
def invite_agent(
    actor: User, town_hall: TownHall, email: str, *, can_manage_agents: bool = False
) -> AgentInvitation:
    _require_manager(actor, town_hall)
    email = User.objects.normalize_email((email or "").strip()).lower()
    if not email:
        raise ValidationError({"email": _("Indiquez l'adresse e-mail de l'agent.")})
    if User.objects.filter(email__iexact=email).exists():
        # An agent's account is never a resident's: a resident who works at the town
        # hall is invited at their work address.
        raise ValidationError(
            {
                "email": _(
                    "Un compte MonQuartier utilise déjà cette adresse : invitez l'agent à "
                    "son adresse professionnelle."
                )
            }
        )
    flood.check_flood(
        AgentInvitation.objects.filter(invited_by=actor),
        "agent_invitation",
        _(
            "Vous avez envoyé trop d'invitations aujourd'hui (%(count)s au plus) : réessayez demain."
        ),
    )
    token = secrets.token_urlsafe(32)
    invitation = AgentInvitation.objects.create(
        town_hall=town_hall,
        email=email,
        can_manage_agents=can_manage_agents,
        token_hash=hash_token(token),
        invited_by=actor,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    rendered = render_email(
        "townhalls/email/invitation",
        {
            "town_hall": town_hall,
            "link": settings.SITE_URL + reverse("townhalls:invitation", args=[token]),
            "days": INVITATION_DAYS,
        },
        settings.LANGUAGE_CODE,
    )
    send_email.enqueue(to=[email], subject=rendered.subject, body=rendered.text, html=rendered.html)
    return invitation


def open_invitation(token: str) -> AgentInvitation | None:
    if not token or len(token) > 100:
        return None
    invitation = (
        AgentInvitation.objects.select_related("town_hall")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if invitation is None or not invitation.is_open or not invitation.town_hall.is_partner:
        return None
    return invitation


@transaction.atomic
def accept_invitation(token: str, *, first_name: str, last_name: str, password: str) -> User:
    invitation = open_invitation(token)
    if invitation is None:
        raise ValidationError(_("Cette invitation n'est plus valable : demandez-en une nouvelle."))
    invitation = AgentInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(_("Cette invitation a déjà servi."))
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(_("Un compte utilise déjà cette adresse."))
    first_name, last_name = (first_name or "").strip(), (last_name or "").strip()
    errors: dict[str, str | list[str]] = {}
    if not first_name:
        errors["first_name"] = _("Indiquez votre prénom.")
    if not last_name:
        errors["last_name"] = _("Indiquez votre nom.")
    user = User(
        email=invitation.email,
        first_name=first_name[:60],
        last_name=last_name[:60],
        is_town_hall_agent=True,
    )
    try:
        validate_password(password, user)
    except ValidationError as error:
        errors["password"] = error.messages
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    Agent.objects.create(
        user=user,
        town_hall=invitation.town_hall,
        can_manage_agents=invitation.can_manage_agents,
        invited_by=invitation.invited_by,
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return user


@transaction.atomic
def remove_agent(actor: User, agent: Agent) -> None:
    """The account is closed to log-ins (kept for the history it left: alerts seen)."""
    _require_manager(actor, agent.town_hall)
    if agent.user_id == actor.pk:
        raise ValidationError(_("Vous ne pouvez pas vous retirer vous-même."))
    user = agent.user
    user.is_active = False
    user.save(update_fields=["is_active"])
    agent.delete()


def cancel_invitation(actor: User, invitation: AgentInvitation) -> None:
    _require_manager(actor, invitation.town_hall)
    if invitation.accepted_at is None and invitation.cancelled_at is None:
        invitation.cancelled_at = timezone.now()
        invitation.save(update_fields=["cancelled_at"])
