"""The town hall's messages to residents: what an agent may send, to whom, at what cost.

An agent writes an announcement (push and e-mail; members may switch the kind off) or an
urgent alert (also SMS, counted against the town hall's monthly quota) for all or some
communities of the commune. `prepare` checks everything and counts who receives it, for
the preview; `send_announcement` checks again under a lock on the town hall (two agents
confirming at once cannot both spend the last SMS), saves the row and, in the same
transaction, the task that fans it out (townhalls/tasks.py).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from monquartier.accounts.models import User
from monquartier.alerts.feeds import Feed
from monquartier.communities.models import Community, MembershipStatus
from monquartier.core import flood
from monquartier.notifications.models import Mode, NotificationKind, NotificationPreference
from monquartier.outbox.devices import has_push_device
from monquartier.outbox.models import Delivery
from monquartier.townhalls.models import Agent, Announcement, AnnouncementCategory, TownHall
from monquartier.townhalls.tasks import fan_out_announcement

TEXT_MAX_LENGTH = 600
PLACE_MAX_LENGTH = 160
# Without a period, an announcement stays on the members' pages this long.
RECENT = timedelta(days=14)
# How many the alert list and the home page show at most.
LIST_SHOWN = 10
HOME_SHOWN = 3


@dataclass(frozen=True)
class Reach:
    """How many members receive an announcement, by channel."""

    push: int
    email: int
    sms: int
    members: int


@dataclass(frozen=True)
class Draft:
    town_hall: TownHall
    urgent: bool
    category: str
    text: str
    place: str
    starts_at: datetime | None
    ends_at: datetime | None
    communities: list[Community]
    reach: Reach
    sms_remaining: int


def month_start(now: datetime | None = None) -> datetime:
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def sms_remaining(town_hall: TownHall) -> int:
    """The town hall's monthly quota minus the SMS of this calendar month's announcements
    (counted when sent, corrected by the fan-out)."""
    spent = (
        Announcement.objects.filter(town_hall=town_hall, created_at__gte=month_start()).aggregate(
            spent=Sum("sms_count")
        )["spent"]
        or 0
    )
    return max(town_hall.sms_quota_per_month - spent, 0)


def recipients(community_ids, *, urgent: bool):
    """The accounts an announcement reaches: active members of the communities; a
    non-urgent one skips those who switched town-hall announcements off."""
    members = User.objects.filter(
        is_active=True,
        memberships__community_id__in=community_ids,
        memberships__status=MembershipStatus.ACTIVE,
    )
    if not urgent:
        members = members.exclude(
            Exists(
                NotificationPreference.objects.filter(
                    user=OuterRef("pk"), kind=NotificationKind.TOWN_HALL, mode=Mode.OFF
                )
            )
        )
    return members


def reach(community_ids, *, urgent: bool) -> Reach:
    """The preview's counts, in one query; the same rules as the fan-out's SELECT."""
    counts = (
        recipients(community_ids, urgent=urgent)
        .annotate(has_push=has_push_device())
        .aggregate(
            members=Count("pk"),
            push=Count("pk", filter=Q(has_push=True)),
            email=Count("pk", filter=Q(email__isnull=False) & ~Q(email="")),
            sms=Count("pk", filter=~Q(mobile="") & Q(mobile_verified=True, alert_sms=True)),
        )
    )
    return Reach(
        push=counts["push"],
        email=counts["email"],
        sms=counts["sms"] if urgent else 0,
        members=counts["members"],
    )


def _check_agent(user, town_hall: TownHall) -> None:
    if not Agent.objects.filter(user=user, town_hall=town_hall).exists():
        raise PermissionDenied(_("Seuls les agents de la mairie envoient ses annonces."))
    if not town_hall.is_partner:
        raise PermissionDenied(_("Le partenariat de la mairie a pris fin."))


def _communities(town_hall: TownHall, community_ids) -> list[Community]:
    ids = {int(community_id) for community_id in community_ids}
    if not ids:
        raise ValidationError(
            {"communities": _("Choisissez au moins une communauté.")}, code="no_community"
        )
    # Their names and ids only: a whole commune is two thousand areas nobody reads here.
    communities = list(
        Community.objects.filter(pk__in=ids, commune_id=town_hall.commune_id).only("id", "name")
    )
    if len(communities) != len(ids):
        raise ValidationError(
            {"communities": _("Une des communautés choisies n'est pas dans la commune.")},
            code="outside",
        )
    return sorted(communities, key=lambda community: community.name)


def prepare(
    user,
    town_hall: TownHall,
    *,
    urgent: bool,
    category: str,
    text: str,
    place: str = "",
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    community_ids=(),
) -> Draft:
    """Check an announcement and count its reach, sending nothing. Raises ValidationError
    (with field names) for what the agent must change."""
    _check_agent(user, town_hall)
    errors: dict[str, str] = {}
    if category not in AnnouncementCategory.values:
        errors["category"] = _("Choisissez la catégorie de l'annonce.")
    text = (text or "").strip()
    if not text:
        errors["text"] = _("Écrivez le texte de l'annonce.")
    elif len(text) > TEXT_MAX_LENGTH:
        errors["text"] = _("Le texte tient en %(count)s caractères au plus.") % {
            "count": TEXT_MAX_LENGTH
        }
    place = (place or "").strip()
    if len(place) > PLACE_MAX_LENGTH:
        errors["place"] = _("Le lieu tient en %(count)s caractères au plus.") % {
            "count": PLACE_MAX_LENGTH
        }
    if starts_at is not None and ends_at is not None and ends_at < starts_at:
        errors["ends_at"] = _("La période doit finir après son début.")
    if errors:
        raise ValidationError(errors)
    communities = _communities(town_hall, community_ids)
    flood.check_flood(
        Announcement.objects.filter(town_hall=town_hall),
        "town_hall_announcement",
        _(
            "La mairie a déjà envoyé %(count)s annonces aujourd'hui : "
            "attendez avant d'en envoyer une autre."
        ),
    )
    counted = reach([community.pk for community in communities], urgent=urgent)
    remaining = sms_remaining(town_hall)
    if counted.sms > remaining:
        raise ValidationError(
            _(
                "Cette alerte urgente demande %(needed)s SMS, il en reste %(remaining)s à la "
                "mairie ce mois-ci : choisissez moins de communautés ou envoyez une annonce."
            )
            % {"needed": counted.sms, "remaining": remaining},
            code="sms_quota",
        )
    return Draft(
        town_hall=town_hall,
        urgent=urgent,
        category=category,
        text=text,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        communities=communities,
        reach=counted,
        sms_remaining=remaining,
    )


@transaction.atomic
def send_announcement(user, town_hall: TownHall, **fields) -> Announcement:
    """Save the announcement and, in the same transaction, the task that fans it out."""
    TownHall.objects.select_for_update().filter(pk=town_hall.pk).first()
    draft = prepare(user, town_hall, **fields)
    announcement = Announcement.objects.create(
        town_hall=town_hall,
        sent_by=user,
        urgent=draft.urgent,
        category=draft.category,
        text=draft.text,
        place=draft.place,
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        # Counted now for the quota; the fan-out writes what it really queued.
        sms_count=draft.reach.sms,
    )
    announcement.communities.set(draft.communities)
    fan_out_announcement.enqueue(announcement_id=announcement.pk)
    return announcement


def queued_by_channel(announcement_ids) -> dict[tuple[int, str], int]:
    """(announcement id, channel) → the rows its fan-out queued, for a page of
    announcements, in one grouped query on the outbox's unique key."""
    return {
        (announcement_id, channel): count
        for announcement_id, channel, count in Delivery.objects.filter(
            announcement__in=list(announcement_ids)
        )
        .values("announcement_id", "channel")
        .annotate(count=Count("id"))
        .values_list("announcement_id", "channel", "count")
        .order_by()
    }


def for_community(community_id: int, *, limit: int):
    """What members of a community see: the announcements to it whose period has not
    ended, or, without a period, of the last two weeks. One query."""
    now = timezone.now()
    return list(
        Announcement.objects.filter(communities=community_id)
        .filter(
            Q(ends_at__gte=now)
            | Q(ends_at__isnull=True, created_at__gte=now - RECENT)
            | Q(ends_at__isnull=True, starts_at__gte=now)
        )
        .select_related("town_hall")[:limit]
    )


FEED = Feed(
    name="announcements",
    template="townhalls/announce_feed.html",
    items=lambda community_id: for_community(community_id, limit=LIST_SHOWN),
)
