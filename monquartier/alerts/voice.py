"""What a voice call says of an alert, and what pressing 2 does (outbox/voice/).

Spoken in the member's language: the category, the place (the community and its commune),
the sender's name as the privacy rules name a sender to the members (privacy.py), the
alert's words, and the reminder every channel carries: do not intervene, call the police.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from monquartier.alerts import acknowledgements, services
from monquartier.alerts.models import AcknowledgementChannel, Alert
from monquartier.communities.privacy import alert_sender_name
from monquartier.outbox.models import Delivery
from monquartier.outbox.voice import Spoken


def spoken_text(alert: Alert, language: str) -> str:
    with translation.override(language):
        heading = (
            _("Correction d'une alerte %(category)s, à %(community)s, %(commune)s.")
            if alert.is_correction
            else _("Alerte %(category)s, à %(community)s, %(commune)s.")
        ) % {
            "category": alert.get_category_display(),
            "community": alert.community.name,
            "commune": alert.community.commune.name,
        }
        sender = _("Envoyée par %(name)s.") % {"name": alert_sender_name(alert.sender)}
        reminder = _("N'intervenez pas, appelez la police au 110, 111 ou 170.")
        keys = _("Pour réécouter, appuyez sur 1. Pour dire que vous avez entendu, appuyez sur 2.")
    text = alert.text.strip()
    if text and text[-1] not in ".!?":
        text += "."
    return " ".join(part for part in (heading, sender, text, reminder, keys) if part)


def voice_script(delivery: Delivery) -> Spoken:
    alert = delivery.alert
    if alert is None:
        raise ValueError(f"Delivery {delivery.pk} carries no alert")
    language = delivery.user.language if delivery.user is not None else "fr"
    return Spoken(
        key=f"alert-{alert.pk}-{language}",
        text=spoken_text(alert, language),
        language=language,
        community_id=alert.community_id,
    )


def _acknowledge(user, alert: Alert) -> None:
    """The member pressed 2: they heard the alert, an acknowledgement like "J'ai vu"
    (alerts/acknowledgements.py), which also reads it: their SMS and calls still waiting
    are cancelled. One the acknowledgements refuse (the alert was hidden meanwhile) still
    counts as read."""
    try:
        acknowledgements.acknowledge(user, alert, channel=AcknowledgementChannel.VOICE)
    except (PermissionDenied, ValidationError):
        services.mark_read(alert, user)


def acknowledge(delivery: Delivery) -> None:
    if delivery.alert is not None and delivery.user is not None:
        _acknowledge(delivery.user, delivery.alert)
