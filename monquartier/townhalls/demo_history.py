"""A year of past alerts in the demo's Cocody communities, so that the town hall's
dashboard shows something real.

Deterministic (one seeded generator) and idempotent (a commune that already has alerts
older than a week gets none). The communities are backdated to a year and a month ago
and their members' arrivals spread over the year, so that the members chart grows. The
alerts are written directly, already fanned out: the worker sends nothing for them. They
end a week ago, before the recent demo alerts, and every member but the référents has
read them: a member's home page and alert list do not fill with a year of unread
alerts. The référents opened most of them (all of the last two months'); the town
hall's agent acknowledged about half, more as the partnership went on.
"""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from monquartier.accounts.models import User
from monquartier.alerts.models import Alert, AlertCategory, AlertRead
from monquartier.communities.models import Community, Membership, MembershipStatus
from monquartier.townhalls import stats
from monquartier.townhalls.demo import DEMO_AGENT_EMAIL

DAYS = 365
# The most recent history alert is this old: the alerts of alerts/demo.py (at most four
# days old) stay the newest.
NEWEST = timedelta(days=7)
PER_COMMUNITY = 110
WITH_PLACE = 0.7

TEXTS = {
    AlertCategory.SUSPICIOUS: [
        "Un véhicule sans plaque stationne depuis une heure devant l'école.",
        "Deux inconnus font le tour des portails et regardent dans les cours.",
    ],
    AlertCategory.BURGLARY: [
        "Cambriolage cette nuit dans une villa de la rue des Jardins, porte forcée.",
        "Tentative d'effraction chez un voisin, les voleurs sont partis par le caniveau.",
    ],
    AlertCategory.THEFT: [
        "Vol de téléphone à l'arraché près de l'arrêt de gbaka.",
        "Une moto volée devant la boutique ce soir, une Yamaha rouge.",
    ],
    AlertCategory.ASSAULT: ["Une dame agressée près du terrain de foot, elle est prise en charge."],
    AlertCategory.FIRE: ["Feu de broussailles derrière les immeubles, les pompiers arrivent."],
    AlertCategory.MISSING: [
        "Chien perdu, un berger allemand qui répond au nom de Rex.",
        "Fillette de 8 ans perdue près du marché, robe jaune.",
    ],
    AlertCategory.UTILITY: [
        "Plus d'eau au robinet depuis ce matin dans tout le secteur.",
        "Coupure de courant dans la moitié du quartier, la CIE est prévenue.",
    ],
    AlertCategory.OTHER: ["Arbre tombé sur la route après l'orage, passez par l'autre rue."],
}
# How often each kind comes: thefts and suspicious people far more than fires.
WEIGHTS = {
    AlertCategory.SUSPICIOUS: 26,
    AlertCategory.THEFT: 22,
    AlertCategory.BURGLARY: 16,
    AlertCategory.UTILITY: 14,
    AlertCategory.MISSING: 9,
    AlertCategory.OTHER: 6,
    AlertCategory.ASSAULT: 4,
    AlertCategory.FIRE: 3,
}


def _backdate(community: Community, rng: random.Random, now) -> list[Membership]:
    """The community a year and a month old, its members arriving over the year (the
    référents first); returns the active memberships in order of arrival."""
    created = now - timedelta(days=DAYS + 30)
    Community.objects.filter(pk=community.pk).update(created_at=created)
    memberships = list(
        Membership.objects.filter(community=community, status=MembershipStatus.ACTIVE).order_by(
            "-is_referent", "pk"
        )
    )
    for index, membership in enumerate(memberships):
        if membership.is_referent:
            joined = created
        else:
            joined = (
                created
                + timedelta(days=int(DAYS * index / len(memberships)))
                + timedelta(hours=rng.randint(0, 23))
            )
        membership.joined_at = joined
        membership.requested_at = joined - timedelta(hours=rng.randint(1, 48))
    Membership.objects.bulk_update(memberships, ["joined_at", "requested_at"])
    return memberships


def _alerts(
    community: Community, memberships: list[Membership], agent: User | None, rng, now
) -> list[Alert]:
    categories = list(WEIGHTS)
    weights = list(WEIGHTS.values())
    alerts = []
    for _number in range(PER_COMMUNITY):
        age = timedelta(days=rng.uniform(NEWEST.days, DAYS), minutes=rng.randint(0, 600))
        created_at = now - age
        senders = [m for m in memberships if m.joined_at and m.joined_at < created_at]
        category = rng.choices(categories, weights)[0]
        alert = Alert(
            community=community,
            sender_id=rng.choice(senders).user_id,
            category=category,
            text=rng.choice(TEXTS[category]),
            created_at=created_at,
            fanned_out_at=created_at + timedelta(seconds=rng.randint(2, 30)),
        )
        if rng.random() < WITH_PLACE:
            alert.latitude = round(rng.uniform(community.min_latitude, community.max_latitude), 6)
            alert.longitude = round(
                rng.uniform(community.min_longitude, community.max_longitude), 6
            )
        # The town hall acknowledges more often as the partnership settles in.
        if agent is not None and rng.random() < 0.75 - 0.45 * age.days / DAYS:
            alert.town_hall_seen_at = created_at + timedelta(minutes=rng.randint(5, 600))
            alert.town_hall_seen_by = agent
        alerts.append(alert)
    return Alert.objects.bulk_create(alerts)


def _reads(alerts: list[Alert], memberships: list[Membership], rng, now) -> list[AlertRead]:
    reads = []
    for alert in alerts:
        recent = now - alert.created_at < timedelta(days=60)
        for membership in memberships:
            if membership.user_id == alert.sender_id:
                continue
            if membership.is_referent and not recent and rng.random() >= 0.9:
                continue
            # A member who arrived later scrolled through the older alerts on arrival.
            opened = max(alert.created_at, membership.joined_at or alert.created_at)
            reads.append(
                AlertRead(
                    alert=alert,
                    user_id=membership.user_id,
                    read_at=opened + timedelta(minutes=rng.randint(1, 240)),
                )
            )
    return AlertRead.objects.bulk_create(reads)


@transaction.atomic
def create_demo_history(commune_slug: str = "cocody") -> int:
    """Returns the number of alerts created (0 when the history was there)."""
    now = timezone.now()
    communities = list(Community.objects.filter(commune__slug=commune_slug).order_by("pk"))
    if Alert.objects.filter(community__in=communities, created_at__lt=now - NEWEST).exists():
        return 0
    agent = User.objects.filter(email=DEMO_AGENT_EMAIL).first()
    rng = random.Random(f"history of {commune_slug}")  # noqa: S311 # nosec B311 # demo data
    created = 0
    for community in communities:
        memberships = _backdate(community, rng, now)
        if not memberships:
            continue
        alerts = _alerts(community, memberships, agent, rng, now)
        _reads(alerts, memberships, rng, now)
        created += len(alerts)
    # The dashboard reads the closed days from its daily aggregate: build it.
    stats.backfill()
    return created
