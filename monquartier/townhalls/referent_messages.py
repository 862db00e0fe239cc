"""The town hall writes to a community's référents through the platform.

A notification, never an e-mail between people: the référents read the town hall's name
and the text, not the agent's address; the agent sees the référents' pseudonyms, not
their addresses (PRODUCT.md, Town-hall agents)."""

import uuid

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from monquartier.accounts.models import User
from monquartier.communities.models import Community, Membership
from monquartier.core import flood
from monquartier.notifications.models import Notification, NotificationKind
from monquartier.notifications.services import notify
from monquartier.townhalls.models import TownHall

MESSAGE_MAX_LENGTH = 1000


def _messages_sent_by(agent: User):
    """One row per message (a message makes a notification per référent)."""
    return (
        Notification.objects.filter(event="town_hall_message", actor=agent)
        .values("data__message")
        .distinct()
    )


def write_to_referents(agent: User, town_hall: TownHall, community: Community, text: str) -> int:
    """Returns how many référents were written to. The caller checked that the
    community is of the town hall's commune (townhalls.access.community_for)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Écrivez votre message.")}, code="required")
    if len(text) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            {
                "text": _("Le message fait %(max)s caractères au plus.")
                % {"max": MESSAGE_MAX_LENGTH}
            },
            code="too_long",
        )
    flood.check_flood(
        _messages_sent_by(agent),
        "town_hall_message",
        _("Vous avez écrit %(count)s messages aux référents en 24 heures : réessayez plus tard."),
    )
    referents = User.objects.filter(
        pk__in=Membership.objects.referents().filter(community=community).values("user_id")
    )
    return len(
        notify(
            referents,
            kind=NotificationKind.TOWN_HALL,
            event="town_hall_message",
            community=community,
            actor=agent,
            url=reverse("communities:info", args=[community.pk]),
            town_hall=town_hall.name,
            text=text,
            message=uuid.uuid4().hex,
        )
    )
