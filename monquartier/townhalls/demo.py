"""The demo's partner town hall: Cocody, with an agent who manages agents, a police
station and three messages to residents. Idempotent, like every demo loader."""

import datetime
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.db import transaction
from django.utils import timezone

from monquartier.accounts.demo import DEMO_PASSWORD, DEMO_STAFF_TOTP_SECRET
from monquartier.accounts.models import User
from monquartier.communities.models import Community
from monquartier.places.models import Commune
from monquartier.townhalls import signage
from monquartier.townhalls.models import (
    Agent,
    Announcement,
    AnnouncementCategory,
    PoliceContact,
    SignageOrder,
    TownHall,
)

DEMO_AGENT_EMAIL = "agent.mairie-cocody@demo.monquartier.ci"


@transaction.atomic
def create_demo_town_hall() -> int:
    """Returns 1 when the town hall was created now, 0 when it was there."""
    commune = Commune.objects.get(slug="cocody")
    town_hall, created = TownHall.objects.get_or_create(
        commune=commune,
        defaults={
            "name": "Mairie de Cocody",
            "starts_on": timezone.localdate() - datetime.timedelta(days=400),
            "sms_quota_per_month": 2000,
        },
    )
    user = User.objects.filter(email=DEMO_AGENT_EMAIL).first()
    if user is None:
        user = User.objects.create_user(
            email=DEMO_AGENT_EMAIL,
            password=DEMO_PASSWORD,
            first_name="Aïcha",
            last_name="Diomandé",
            mobile="+2250709000901",
            mobile_verified=True,
            is_town_hall_agent=True,
        )
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_STAFF_TOTP_SECRET)
    Agent.objects.get_or_create(
        user=user, defaults={"town_hall": town_hall, "can_manage_agents": True}
    )
    create_demo_announcements(town_hall, user)
    PoliceContact.objects.get_or_create(
        town_hall=town_hall,
        station="Commissariat du 8e arrondissement (Cocody)",
        defaults={"email": "commissariat8@demo.monquartier.ci", "mobile": "+2250700000808"},
    )
    return int(created)


def create_demo_announcements(town_hall: TownHall, agent_user: User) -> int:
    """A water cut, roadworks and an urgent storm warning to Cocody's communities, saved
    as already sent: the demo spends no SMS and queues nothing. One per category, found
    again by it. Returns how many were created now."""
    now = timezone.now()
    communities = list(Community.objects.filter(commune_id=town_hall.commune_id).order_by("name"))
    if not communities:
        return 0
    by_name = {community.name: community for community in communities}
    riviera = [by_name.get("Riviera 2 – Les Manguiers", communities[0])]
    east = [
        by_name[name]
        for name in ("Angré 8e tranche – Château", "II Plateaux Vallon")
        if name in by_name
    ] or communities
    cut_day = timezone.localtime(now + datetime.timedelta(days=3))
    cut_starts = cut_day.replace(hour=8, minute=0, second=0, microsecond=0)
    messages = [
        (
            AnnouncementCategory.WATER_CUT,
            False,
            "La SODECI coupe l'eau de 8 h à 18 h pour remplacer une conduite. "
            "Pensez à faire des réserves.",
            "Riviera 2, autour du carrefour de la pharmacie",
            cut_starts,
            cut_starts + datetime.timedelta(hours=10),
            riviera,
        ),
        (
            AnnouncementCategory.ROADWORKS,
            False,
            "Réfection de la chaussée du boulevard des Martyrs : circulation sur une seule "
            "voie, prévoyez un détour.",
            "Boulevard des Martyrs, entre Angré et les II Plateaux",
            now,
            now + datetime.timedelta(days=30),
            east,
        ),
        (
            AnnouncementCategory.WEATHER,
            True,
            "Alerte orage : fortes pluies et vents violents attendus cette nuit. Évitez les "
            "bas-fonds et les abords des caniveaux.",
            "",
            None,
            None,
            communities,
        ),
    ]
    created = 0
    for category, urgent, text, place, starts_at, ends_at, chosen in messages:
        announcement, new = Announcement.objects.get_or_create(
            town_hall=town_hall,
            category=category,
            defaults={
                "sent_by": agent_user,
                "urgent": urgent,
                "text": text,
                "place": place,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "fanned_out_at": now,
                "sms_count": 0,
            },
        )
        if new:
            announcement.communities.set(chosen)
            created += 1
    return created


def demo_agent_login() -> tuple[str, str, str]:
    return ("Agent, mairie de Cocody", DEMO_AGENT_EMAIL, DEMO_PASSWORD)


def create_demo_mandate_order() -> int:
    """Cocody's agent ordered signs for Riviera 2 by administrative mandate: a shop order
    waiting for staff to confirm and invoice it (/equipe/boutique/), and an older request
    stored without an order. Idempotent."""
    from_agent = (
        Agent.objects.select_related("user", "town_hall")
        .filter(user__email=DEMO_AGENT_EMAIL)
        .first()
    )
    if from_agent is None or SignageOrder.objects.filter(town_hall=from_agent.town_hall).exists():
        return 0
    riviera = Community.objects.filter(name="Riviera 2 – Les Manguiers").first()
    signage.order_signage(
        from_agent.user,
        from_agent.town_hall,
        signs=3,
        stickers=60,
        communities=[riviera] if riviera else [],
        delivery_address="Mairie de Cocody, service technique, boulevard Latrille",
        contact_phone="+2252722445566",
        mandate_reference="MA-2026-118",
        notes="Livraison le matin de préférence.",
    )
    # And one stored a month earlier, before the shop sold signs: it waits on the staff's
    # queue for them to make it an order ("En faire une commande").
    earlier = SignageOrder.objects.create(
        town_hall=from_agent.town_hall,
        ordered_by=from_agent.user,
        signs=2,
        stickers=40,
        delivery_address="Mairie de Cocody, service technique, boulevard Latrille",
        contact_phone="+2252722445566",
        mandate_reference="MA-2026-097",
        created_at=timezone.now() - timedelta(days=30),
    )
    if riviera:
        earlier.communities.set([riviera])
    return 1
