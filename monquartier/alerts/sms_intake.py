"""Alerts and commands received by SMS on the platform's number.

The verified mobile number identifies the member and their community; the text becomes
an alert. Every refusal gets a short reply saying why and creates nothing. A provider
may deliver one message twice: the provider's message id is unique, the second delivery
does nothing. Replies are plain GSM-7 so that each costs one SMS, and each is counted
(notifications.TextMessage).

Replies cost us, so they are rationed: one webhook body gets at most one reply per
number (the last one), a number gets a few a day ("sms_reply"), a number that belongs
to nobody at most one a day ("sms_reply_unknown"), and none if it is not Ivorian.
"""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from monquartier.accounts.models import User
from monquartier.accounts.phones import is_ivorian
from monquartier.alerts import holds, services
from monquartier.alerts.models import (
    Alert,
    AlertCategory,
    AlertSource,
    InboundSMS,
    InboundStatus,
)
from monquartier.communities.models import Membership, MembershipStatus
from monquartier.core import flood
from monquartier.outbox.models import SMSOptOut, TextMessage, TextPurpose
from monquartier.outbox.services import send_text
from monquartier.outbox.sms.gsm7 import to_gsm7

logger = logging.getLogger(__name__)

COMMANDS = {"STOP": "stop", "START": "start", "OUI": "consent"}

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
    "consent": "MonQuartier: merci. Vous recevrez les alertes de votre quartier par SMS. Pour arreter, envoyez STOP.",
}


class _Replies:
    """The replies a webhook body asks for, sent together at the end: at most one per
    number, whatever the number of messages in the body."""

    def __init__(self):
        self.texts: dict[str, str] = {}

    def add(self, to: str, text: str) -> None:
        replies = TextMessage.objects.filter(to=to, purpose=TextPurpose.REPLY)
        if flood.is_flooded(replies, "sms_reply"):
            return  # the message is still handled; only the reply (its cost) is spared
        if _is_stranger(to) and not _may_answer_stranger(to):
            return
        self.texts[to] = text

    def send(self) -> None:
        with transaction.atomic():
            for to, text in self.texts.items():
                send_text(to, text, purpose=TextPurpose.REPLY)


def _is_stranger(number: str) -> bool:
    return not User.objects.filter(mobile=number, is_active=True).exists()


def _may_answer_stranger(number: str) -> bool:
    # Anyone can make a number text us; a reply to a foreign number costs the most and
    # would make us an SMS relay towards any country.
    if not is_ivorian(number):
        return False
    replies = TextMessage.objects.filter(to=number, purpose=TextPurpose.REPLY)
    return not flood.is_flooded(replies, "sms_reply_unknown")


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
    active = [user for user in users if Membership.objects.active_of(user).exists()]
    if len(active) > 1:
        return None, "ambiguous"
    if active:
        return active[0], None
    if Membership.objects.filter(user__in=users, status=MembershipStatus.PENDING).exists():
        return None, "pending"
    return None, "no_community"


def handle_inbound(provider: str, messages) -> list[InboundSMS]:
    """Record and act on the SMS of one webhook body; those already handled are skipped."""
    replies = _Replies()
    records = [_handle_one(provider, message, replies) for message in messages]
    replies.send()
    return [record for record in records if record is not None]


def on_sms_received(sender, *, provider: str, messages, **kwargs) -> None:
    """The outbox's webhook received SMS (outbox/signals.py)."""
    handle_inbound(provider, messages)


def _handle_one(provider: str, message, replies: _Replies) -> InboundSMS | None:
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
        outcome, alert = _act(record, replies.add)
        record.detail = outcome
        record.alert = alert
        record.status = (
            InboundStatus.ALERT
            if alert
            else (InboundStatus.COMMAND if outcome in COMMANDS.values() else InboundStatus.REFUSED)
        )
        record.save(update_fields=["detail", "alert", "status"])
    return record


def _pending_consent(sender: str):
    """Neighbours a référent registered with this number who have not said yes yet."""
    return User.objects.filter(
        mobile=sender,
        mobile_verified=False,
        is_active=True,
        memberships__status=MembershipStatus.ACTIVE,
        memberships__registered_by__isnull=False,
    )


def _act(record: InboundSMS, reply) -> tuple[str, Alert | None]:
    sender = record.sender
    recent = InboundSMS.objects.filter(sender=sender).exclude(pk=record.pk)
    if flood.is_flooded(recent, "sms_inbound", field="received_at"):
        # Answer the first dropped message only: a flood must not cost one reply each.
        if (
            not flood.recent(recent, "sms_inbound", field="received_at")
            .filter(detail="sms_flood")
            .exists()
        ):
            reply(sender, REPLIES["flood"])
        return "sms_flood", None
    text = " ".join(record.text.split())
    command = COMMANDS.get(to_gsm7(text).upper().strip(" .!"))
    if command in ("stop", "start"):
        User.objects.filter(mobile=sender).update(alert_sms=command == "start")
        # Also for a number with no account (a neighbour someone invited): never again.
        if command == "stop":
            SMSOptOut.record(sender)
        else:
            SMSOptOut.lift(sender)
        reply(sender, REPLIES[command])
        return command, None
    if command == "consent" and _pending_consent(sender).exists():
        # The neighbour's yes is what verifies the number the référent gave us: from now
        # on it receives the alerts by SMS.
        User.objects.filter(pk__in=_pending_consent(sender).values("pk")).update(
            mobile_verified=True, alert_sms=True
        )
        reply(sender, REPLIES["consent"])
        return command, None
    user, problem = _identify(sender)
    if problem:
        reply(sender, REPLIES[problem])
        return problem, None
    category, description = _parse(text)
    if not description.strip():
        reply(sender, REPLIES["empty"])
        return "empty", None
    try:
        alert = services.hold_or_send(
            user, category=category, text=description, source=AlertSource.SMS
        )
    except (ValidationError, PermissionDenied) as error:
        reason = " ".join(getattr(error, "messages", [str(error)]))
        reply(sender, f"MonQuartier: alerte non envoyee. {reason}")
        return _refusal_code(error), None
    if alert.is_held:
        reply(sender, holds.held_message(alert))
        return "alert_held", alert
    reply(
        sender,
        f"MonQuartier: alerte envoyee a la communaute {alert.community.name}. N'intervenez pas. Urgence: 110, 111, 170.",
    )
    return "alert", alert


def _refusal_code(error: ValidationError | PermissionDenied) -> str:
    """What the inbound SMS row records: the code of the first problem, whether
    send_alert tied it to a field (the text, the flood limit) or to the whole alert."""
    if not isinstance(error, ValidationError):
        return "refused"
    if hasattr(error, "error_dict"):
        problems = [problem for field in error.error_dict.values() for problem in field]
    else:
        problems = error.error_list
    return (problems[0].code if problems else None) or "refused"
