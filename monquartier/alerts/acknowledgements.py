""" "J'ai vu": a recipient acknowledges an alert, from any channel (the page's button, VU
by SMS, 3 in the USSD menu, a key during the voice call).

Only the alert's recipients may: the active members of its community and of the
communities twinned with it. Acknowledging twice changes nothing (the first channel and
time stay). The sender, the référents of the alert's community and staff see who
acknowledged, each name as communities/privacy.py lets them see it; the others see how
many.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from monquartier.alerts.models import AcknowledgementChannel, Alert, AlertAcknowledgement
from monquartier.alerts.services import mark_read
from monquartier.communities import privacy
from monquartier.communities.models import Membership, Twinning

# VU by SMS or 3 in the USSD menu acknowledge the last alert received: one older than this
# is no longer news, and "vu" would say nothing useful to its sender.
LAST_ALERT_WINDOW = timedelta(hours=48)


def _recipient_community(user, alert: Alert) -> int | None:
    """The user's community when it receives the alert (its own or a twinned one)."""
    own = Membership.objects.active_community_id(user)
    if own is None:
        return None
    if own == alert.community_id or alert.community_id in Twinning.objects.partner_ids(own):
        return own
    return None


@transaction.atomic
def acknowledge(user, alert: Alert, *, channel: str) -> bool:
    """Record that `user` saw `alert`. True the first time, False when already done.
    Raises PermissionDenied for someone who did not receive the alert, ValidationError
    for the sender or an unknown channel."""
    if channel not in AcknowledgementChannel.values:
        raise ValidationError(_("Canal inconnu."), code="channel")
    if alert.is_hidden:
        raise PermissionDenied(_("Cette alerte a été retirée par l'équipe MonQuartier."))
    if alert.sender_id == user.pk:
        raise ValidationError(_("C'est vous qui avez envoyé cette alerte."), code="own_alert")
    own = _recipient_community(user, alert)
    if own is None:
        raise PermissionDenied(
            _("Seuls les destinataires d'une alerte peuvent dire qu'ils l'ont vue.")
        )
    created = False
    if not AlertAcknowledgement.objects.filter(alert=alert, user=user).exists():
        try:
            with transaction.atomic():  # two taps at once: the second finds the first
                AlertAcknowledgement.objects.create(alert=alert, user=user, channel=channel)
        except IntegrityError:
            pass
        else:
            created = True
    if own == alert.community_id:
        # Seen is also read: the SMS still waiting for the delay is not needed any more.
        mark_read(alert, user)
    return created


def last_alert_received(user) -> Alert | None:
    """The newest alert `user` received (their community's or a twinned one's, not their
    own, not hidden), within LAST_ALERT_WINDOW."""
    own = Membership.objects.active_community_id(user)
    if own is None:
        return None
    communities = [own, *Twinning.objects.partner_ids(own)]
    return (
        Alert.objects.visible()
        .filter(
            community_id__in=communities,
            created_at__gte=timezone.now() - LAST_ALERT_WINDOW,
        )
        .exclude(sender=user)
        .select_related("community")
        .order_by("-created_at", "-id")
        .first()
    )


@dataclass(frozen=True)
class Seen:
    count: int
    by_viewer: bool
    # Names as the viewer may see them, or None when the viewer only sees the count.
    names: list[str] | None


def seen_by(viewer, alert: Alert, *, follows: bool) -> Seen:
    """What `viewer` is shown of the alert's acknowledgements. `follows`: the viewer is
    its sender, a référent of its community or staff (alerts.access.follows_delivery)."""
    rows = AlertAcknowledgement.objects.filter(alert=alert)
    if not follows:
        user_ids = set(rows.values_list("user_id", flat=True))
        return Seen(len(user_ids), viewer.pk in user_ids, None)
    acks = list(rows.select_related("user").order_by("at", "pk"))
    users = [ack.user for ack in acks]
    names = privacy.names_seen_by(viewer, users) if users else {}
    return Seen(
        len(acks),
        any(user.pk == viewer.pk for user in users),
        [names[user.pk] for user in users],
    )
