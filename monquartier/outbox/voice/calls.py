"""A call's life once the provider rings: the XML it asks for, the keys pressed, the end.

Africa's Talking posts to our callback URL (webhooks.py) during the call (isActive=1:
answer with the instructions; with dtmfDigits after a GetDigits) and once at its end
(isActive=0, with its duration and cost). Each call is the VoiceCall its session id
names; a replayed callback changes nothing (the end is recorded once, pressing 2 twice
acknowledges once).
"""

import logging
import math
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from xml.sax.saxutils import quoteattr  # nosec B406 # we write XML, we parse none

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from monquartier.outbox import sources
from monquartier.outbox.models import CallOutcome, Channel, Delivery, DeliveryStatus, VoiceCall
from monquartier.outbox.services import wake_senders
from monquartier.outbox.voice.audio import DIRECTORY, audio_file
from monquartier.outbox.voice.sending import spoken_for

logger = logging.getLogger(__name__)

REPLAY, ACKNOWLEDGE = "1", "2"
MAX_REPLAYS = 3  # then the call says goodbye: a stuck key must not keep a line open
DIGITS_TIMEOUT = 10  # seconds the member has to press a key after the message
AUDIO_SALT = "monquartier.outbox.voice.audio"
# The provider's causes after which calling the number again cannot help.
PERMANENT_CAUSES = {"UNALLOCATED_NUMBER", "INVALID_NUMBER_FORMAT", "INCOMPATIBLE_DESTINATION"}


def _phrases(language: str) -> dict[str, str]:
    with translation.override(language):
        return {
            "thanks": _("Merci, c'est noté : vous avez entendu l'alerte. Au revoir."),
            "goodbye": _("Au revoir. L'alerte est aussi sur MonQuartier."),
        }


def audio_url(name: str) -> str:
    token = signing.dumps(name, salt=AUDIO_SALT, compress=True)
    return settings.SITE_URL + reverse("voice_audio", args=[token])


def audio_name(token: str) -> str | None:
    """The storage name a signed audio URL names, or None (forged, expired)."""
    try:
        name = signing.loads(token, salt=AUDIO_SALT, max_age=settings.VOICE_AUDIO_URL_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(name, str) or not name.startswith(f"{DIRECTORY}/") or ".." in name:
        return None
    return name


def callback_url() -> str:
    return settings.SITE_URL + reverse("voice_callback", args=[settings.VOICE_WEBHOOK_SECRET])


def _phrase_url(kind: str, language: str) -> str:
    text = _phrases(language)[kind]
    return audio_url(audio_file(f"phrase-{kind}-{language}", text, language))


def _xml(*elements: str) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n<Response>' + "".join(elements) + "</Response>"


def hang_up() -> str:
    """Instructions that say nothing: the provider hangs up."""
    return _xml()


def _play(url: str) -> str:
    return f"<Play url={quoteattr(url)}/>"


def _message(delivery: Delivery) -> str:
    """The alert, then a wait for a key (1 again, 2 heard), then goodbye."""
    spoken = spoken_for(delivery)
    message = audio_url(audio_file(spoken.key, spoken.text, spoken.language))
    get_digits = (
        f'<GetDigits timeout="{DIGITS_TIMEOUT}" numDigits="1" '
        f"callbackUrl={quoteattr(callback_url())}>{_play(message)}</GetDigits>"
    )
    return _xml(get_digits, _play(_phrase_url("goodbye", spoken.language)))


@dataclass(frozen=True)
class Answer:
    xml: str
    acknowledged: bool = False


def answer(call: VoiceCall, digits: str) -> Answer:
    """The instructions for a call in progress, after the keys pressed (none at first)."""
    delivery = call.delivery
    if delivery is None:  # the row was pruned meanwhile: nothing to say
        return Answer(_xml())
    language = spoken_for(delivery).language
    with transaction.atomic():
        locked = VoiceCall.objects.select_for_update().get(pk=call.pk)
        now = timezone.now()
        if locked.answered_at is None:
            locked.answered_at = now
            locked.outcome = CallOutcome.ANSWERED
        key = digits[:1]
        if key:
            locked.keys = (locked.keys + key)[-32:]
        first_acknowledgement = key == ACKNOWLEDGE and locked.acknowledged_at is None
        if first_acknowledgement:
            locked.acknowledged_at = now
            _acknowledge(delivery)
        locked.save(update_fields=["answered_at", "outcome", "keys", "acknowledged_at"])
    if key == ACKNOWLEDGE:
        return Answer(_xml(_play(_phrase_url("thanks", language))), first_acknowledgement)
    if key and locked.keys.count(key) > MAX_REPLAYS:
        return Answer(_xml(_play(_phrase_url("goodbye", language))))
    # No key yet, 1 (again), or a key that means nothing: the message (again).
    return Answer(_message(delivery))


def _acknowledge(delivery: Delivery) -> None:
    source, _carried = sources.of(delivery)
    if source.acknowledge is not None:
        source.acknowledge(delivery)


def _whole_number(value: str, *, maximum: int) -> int:
    try:
        number = int(Decimal(value.strip()))
    except (ArithmeticError, ValueError, AttributeError):
        return 0
    return max(0, min(number, maximum))


@dataclass(frozen=True)
class Ending:
    status: str  # the provider's: "Success", "Failed", "Aborted"…
    duration: str
    amount: str
    currency: str
    cause: str


def finish(call: VoiceCall, ending: Ending) -> bool:
    """Record the end of a call: its duration and cost, then the row's fate (delivered;
    called again later if unanswered; failed). False when it was recorded already."""
    now = timezone.now()
    with transaction.atomic():
        locked = VoiceCall.objects.select_for_update().get(pk=call.pk)
        if locked.ended_at is not None:
            return False
        duration = _whole_number(ending.duration, maximum=24 * 3600)
        answered = locked.answered_at is not None or (ending.status == "Success" and duration > 0)
        locked.ended_at = now
        locked.duration_seconds = duration
        locked.cost = Decimal(math.ceil(duration / 60) * settings.VOICE_PRICE_PER_MINUTE)
        locked.provider_amount = ending.amount.strip()[:32]
        locked.provider_currency = ending.currency.strip()[:8]
        locked.hangup_cause = ending.cause.strip()[:64]
        if answered:
            locked.outcome = CallOutcome.ANSWERED
        elif locked.hangup_cause in PERMANENT_CAUSES:
            locked.outcome = CallOutcome.FAILED
        else:  # no answer, busy, rejected, switched off: worth another try
            locked.outcome = CallOutcome.UNANSWERED
        locked.save()
        if locked.delivery_id is not None:
            _settle(locked, now)
    return True


def _settle(call: VoiceCall, now) -> None:
    """The outbox row of the call, if this call is still its latest attempt."""
    if call.delivery_id is None:
        return
    delivery = (
        Delivery.objects.select_for_update()
        .filter(
            pk=call.delivery_id,
            channel=Channel.VOICE,
            status=DeliveryStatus.SENT,
            provider_id=call.session_id,
        )
        .first()
    )
    if delivery is None:
        return
    if call.outcome == CallOutcome.ANSWERED:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        delivery.last_error = ""
    elif call.outcome == CallOutcome.UNANSWERED and delivery.attempts <= settings.VOICE_MAX_RETRIES:
        delivery.status = DeliveryStatus.QUEUED
        delivery.due_at = now + timedelta(seconds=settings.VOICE_RETRY_DELAY_SECONDS)
        delivery.last_error = f"unanswered ({call.hangup_cause or 'no answer'})"[:500]
        due = delivery.due_at
        transaction.on_commit(lambda: wake_senders([Channel.VOICE], at=due))
    else:
        delivery.status = DeliveryStatus.FAILED
        delivery.last_error = (
            f"{call.outcome} after {delivery.attempts} calls ({call.hangup_cause})"[:500]
        )
    delivery.save(update_fields=["status", "delivered_at", "due_at", "last_error"])


# A call whose end never came back (a lost callback): after this long it is settled as
# the provider would have — unanswered if it never asked for our instructions.
SILENT_AFTER = timedelta(minutes=30)


def settle_silent_calls(now=None) -> int:
    """End the calls the provider never ended for us, so that their rows are tried again
    or closed instead of waiting for ever. Returns how many were settled."""
    now = now or timezone.now()
    silent = VoiceCall.objects.filter(ended_at__isnull=True, created_at__lt=now - SILENT_AFTER)
    settled = 0
    for call in silent.order_by("pk")[:500]:
        ending = Ending(status="", duration="0", amount="", currency="", cause="NO_END_CALLBACK")
        settled += finish(call, ending)
    return settled
