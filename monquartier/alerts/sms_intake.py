"""Alerts and commands received by SMS on the platform's number.

The verified mobile number identifies the member and their community; the text becomes
an alert. Every refusal gets a short reply saying why and creates nothing. A provider
may deliver one message twice: the provider's message id is unique, the second delivery
does nothing. Replies are plain GSM-7 so that each costs one SMS.
"""

import logging
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from monquartier.accounts.models import User
from monquartier.alerts import services
from monquartier.alerts.models import AlertCategory, AlertSource, InboundSMS, InboundStatus
from monquartier.communities.models import Membership, MembershipStatus
from monquartier.notifications.sms.gsm7 import to_gsm7

logger = logging.getLogger(__name__)

FLOOD_WINDOW = timedelta(minutes=10)
FLOOD_LIMIT = 6  # messages from one number in the window; the next ones are dropped

KEYWORDS = {
    "ALERTE": AlertCategory.OTHER,
    "URGENCE": AlertCategory.OTHER,
    "CAMBRIOLAGE": AlertCategory.BURGLARY,
    "VOL": AlertCategory.THEFT,
    "VOLEUR": AlertCategory.THEFT,
    "SUSPECT": AlertCategory.SUSPICIOUS,
    "AGRESSION": AlertCategory.ASSAULT,
    "FEU": AlertCategory.FIRE,
    "INCENDIE": AlertCategory.FIRE,
    "PERDU": AlertCategory.MISSING,
    "DISPARU": AlertCategory.MISSING,
    "DISPARITION": AlertCategory.MISSING,
    "COUPURE": AlertCategory.UTILITY,
}

REPLIES = {
    "unknown": "MonQuartier: ce numero n'est lie a aucun membre. Inscrivez-vous sur le site ou demandez a votre referent. Urgence: 110, 111, 170.",
    "ambiguous": "MonQuartier: ce numero sert a plusieurs comptes. Envoyez l'alerte depuis le site. Urgence: 110, 111, 170.",
    "pending": "MonQuartier: votre adhesion n'est pas encore validee, alerte non envoyee. Urgence: Police 110, 111, 170.",
    "no_community": "MonQuartier: vous n'etes membre d'aucune communaute, alerte non envoyee. Urgence: Police 110, 111, 170.",
    "empty": "MonQuartier: message vide. Ecrivez ALERTE puis ce qui se passe, par exemple: ALERTE deux hommes escaladent le mur du lot 12.",
    "flood": "MonQuartier: trop de messages en peu de temps, les suivants sont ignores pendant 10 minutes. Urgence: 110, 111, 170.",
    "stop": "MonQuartier: vous ne recevrez plus les alertes par SMS. Envoyez START pour les recevoir a nouveau.",
    "start": "MonQuartier: vous recevez de nouveau les alertes par SMS.",
}


def _reply(to: str, text: str) -> None:
    from monquartier.notifications.tasks import send_text_message

    send_text_message.enqueue(to=to, text=to_gsm7(text))


def _parse(text: str) -> tuple[str, str]:
    """(category, description): the first word may name the category."""
    words = text.split(maxsplit=1)
    if words:
        keyword = to_gsm7(words[0]).strip(":!.,").upper()
        if keyword in KEYWORDS:
            return KEYWORDS[keyword], words[1] if len(words) > 1 else ""
    return AlertCategory.OTHER, text


def _identify(sender: str) -> tuple[User | None, str | None]:
    users = list(User.objects.filter(mobile=sender, mobile_verified=True, is_active=True))
    if not users:
        return None, "unknown"
    active = [user for user in users if Membership.objects.active().filter(user=user).exists()]
    if len(active) > 1:
        return None, "ambiguous"
    if active:
        return active[0], None
    if Membership.objects.filter(user__in=users, status=MembershipStatus.PENDING).exists():
        return None, "pending"
    return None, "no_community"


def handle_inbound(provider: str, message) -> InboundSMS | None:
    """Record and act on one inbound SMS; None when it was already handled."""
    try:
        with transaction.atomic():
            record = InboundSMS.objects.create(
                provider=provider,
                provider_message_id=message.provider_message_id,
                sender=message.sender,
                text=message.text[:1600],
                # Our clock, not the provider's: the flood window must not trust theirs.
                received_at=timezone.now(),
                status=InboundStatus.REFUSED,
            )
    except IntegrityError:
        logger.info("Inbound SMS %s/%s already handled", provider, message.provider_message_id)
        return None
    with transaction.atomic():
        outcome, alert = _act(record)
        record.detail = outcome
        record.alert = alert
        record.status = (
            InboundStatus.ALERT
            if alert
            else (InboundStatus.COMMAND if outcome in ("stop", "start") else InboundStatus.REFUSED)
        )
        record.save(update_fields=["detail", "alert", "status"])
    return record


def _act(record: InboundSMS):
    sender = record.sender
    recent = InboundSMS.objects.filter(
        sender=sender, received_at__gte=timezone.now() - FLOOD_WINDOW
    ).exclude(pk=record.pk)
    if recent.count() >= FLOOD_LIMIT:
        # Answer the first dropped message only: a flood must not cost one reply each.
        if not recent.filter(detail="sms_flood").exists():
            _reply(sender, REPLIES["flood"])
        return "sms_flood", None
    text = " ".join(record.text.split())
    command = to_gsm7(text).upper()
    if command in ("STOP", "START"):
        User.objects.filter(mobile=sender).update(alert_sms=command == "START")
        _reply(sender, REPLIES[command.lower()])
        return command.lower(), None
    user, problem = _identify(sender)
    if problem:
        _reply(sender, REPLIES[problem])
        return problem, None
    category, description = _parse(text)
    if not description.strip():
        _reply(sender, REPLIES["empty"])
        return "empty", None
    try:
        alert = services.send_alert(
            user, category=category, text=description, source=AlertSource.SMS
        )
    except (ValidationError, PermissionDenied) as error:
        reason = " ".join(getattr(error, "messages", [str(error)]))
        _reply(sender, f"MonQuartier: alerte non envoyee. {reason}")
        return getattr(error, "code", "refused") or "refused", None
    _reply(
        sender,
        f"MonQuartier: alerte envoyee a la communaute {alert.community.name}. N'intervenez pas. Urgence: 110, 111, 170.",
    )
    return "alert", alert
