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
import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from monquartier.accounts.models import User
from monquartier.accounts.phones import is_ivorian
from monquartier.alerts import acknowledgements, holds, services
from monquartier.alerts.models import (
    AcknowledgementChannel,
    Alert,
    AlertCategory,
    AlertSource,
    InboundSMS,
    InboundStatus,
)
from monquartier.alerts.signals import alert_sms_switched
from monquartier.communities.contacts import referent_contacts
from monquartier.communities.models import Membership, MembershipStatus
from monquartier.core import flood
from monquartier.outbox.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    SMSOptOut,
    TextMessage,
    TextPurpose,
)
from monquartier.outbox.services import send_text
from monquartier.outbox.sms.gsm7 import fit_sms, gsm7_length, to_gsm7

logger = logging.getLogger(__name__)

# One word, accents and case ignored (_command_word), French or English.
COMMANDS = {
    "STOP": "stop",
    "ARRET": "stop",
    "START": "start",
    "REPRENDRE": "start",
    "OUI": "consent",
    "AIDE": "help",
    "HELP": "help",
    "INFO": "info",
    "VU": "seen",
    "SEEN": "seen",
}

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
    "stop": "MonQuartier: vous ne recevrez plus les alertes par SMS. Envoyez REPRENDRE (ou START) pour les recevoir a nouveau.",
    "start": "MonQuartier: vous recevez de nouveau les alertes par SMS.",
    "consent": "MonQuartier: merci. Vous recevrez les alertes de votre quartier par SMS. Pour arreter, envoyez STOP.",
    "help": "MonQuartier: ALERTE et ce qui se passe: alerte au quartier. VU: j'ai vu l'alerte. INFO: mes referents. STOP/REPRENDRE: SMS d'alerte. Urgence 110 111 170",
    "ambiguous_command": "MonQuartier: ce numero sert a plusieurs comptes. Utilisez le site, ou le menu USSD qui demande le compte. Urgence: 110, 111, 170.",
    "seen_none": "MonQuartier: aucune alerte recente a confirmer pour ce numero.",
    "seen": "MonQuartier: merci, l'emetteur et les referents savent que vous avez vu l'alerte %(what)s.",
    "seen_already": "MonQuartier: vous aviez deja dit avoir vu l'alerte %(what)s.",
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
    command = COMMANDS.get(_command_word(text))
    if command in ("stop", "start"):
        changed = set_alert_sms(sender, receive=command == "start")
        if changed or command == "start":
            # STOP is confirmed once: a second STOP costs no SMS to someone who wants none.
            reply(sender, REPLIES[command])
        return command, None
    if command == "help":
        reply(sender, REPLIES["help"])
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
        if command in ("info", "seen") and problem == "ambiguous":
            problem = "ambiguous_command"
        reply(sender, REPLIES[problem])
        return problem, None
    if command == "info":
        reply(sender, info_text(user))
        return command, None
    if command == "seen":
        return _seen(user, sender, reply), None
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


def _command_word(text: str) -> str:
    """The text as a command word: accents, case and surrounding punctuation dropped
    ("Arrêt !" → "ARRET")."""
    bare = "".join(
        char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char)
    )
    return bare.upper().strip(" .!?,;:")


@transaction.atomic
def set_alert_sms(number: str, *, receive: bool) -> bool:
    """STOP or START for a number, at once, for every account that uses it (and for a number
    with no account: a neighbour someone invited is never texted again), and for the apps
    above that text it alerts (alerts/signals.py: a town-hall agent's SMS). Also 5 in the
    USSD menu. True when something changed."""
    changed_above = sum(
        int(switched or 0)
        for _receiver, switched in alert_sms_switched.send(
            sender=set_alert_sms, number=number, receive=receive
        )
    )
    changed = changed_above + (
        User.objects.filter(mobile=number).exclude(alert_sms=receive).update(alert_sms=receive)
    )
    if receive:
        changed += SMSOptOut.objects.filter(number=number).delete()[0]
    else:
        if not SMSOptOut.objects.covers(number):
            SMSOptOut.record(number)
            changed += 1
        # At once: the SMS still waiting for their delay do not leave either.
        Delivery.objects.filter(
            channel=Channel.SMS, status=DeliveryStatus.QUEUED, address=number
        ).update(status=DeliveryStatus.CANCELLED)
    return bool(changed)


def info_text(user) -> str:
    """INFO: the member's community and référents, numbers only where they show them; one SMS."""
    membership = Membership.objects.active_for(user)
    if membership is None:
        return REPLIES["no_community"]
    people = [
        f"{contact.name} {contact.mobile}" if contact.mobile else contact.name
        for contact in referent_contacts(user, membership.community_id)
    ]
    prefix = f"MonQuartier: communaute {membership.community.name}. Referents: "
    body = "; ".join(people) if people else "aucun autre que vous"
    return fit_sms(prefix, body, ".")


def _seen(user, sender: str, reply) -> str:
    alert = acknowledgements.last_alert_received(user)
    if alert is None:
        reply(sender, REPLIES["seen_none"])
        return "seen_none"
    what = to_gsm7(
        f"{alert.get_category_display()} de {timezone.localtime(alert.created_at):%H:%M}"
    )
    created = acknowledgements.acknowledge(user, alert, channel=AcknowledgementChannel.SMS)
    text = REPLIES["seen" if created else "seen_already"] % {"what": what}
    reply(sender, text if gsm7_length(text) <= 160 else fit_sms("", text, ""))
    return "seen"


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
