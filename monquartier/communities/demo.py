"""Demo communities: one per demo quartier of Abidjan, their référents and members, a few
join requests waiting, and twinnings between close quartiers. Idempotent: a community is
found again by name; people already placed are left alone."""

import math
import random

from django.db import transaction

from monquartier.accounts.demo import NAMED, QUARTIERS, email_for
from monquartier.accounts.models import User
from monquartier.communities import services
from monquartier.communities.models import Community, Membership, Twinning, TwinningStatus

# (quartier name, name of the community)
COMMUNITY_NAMES = {
    "Riviera 2": "Riviera 2 – Les Manguiers",
    "Angré 8e tranche": "Angré 8e tranche – Château",
    "II Plateaux Vallon": "II Plateaux Vallon",
    "Niangon Nord": "Yopougon Niangon Nord",
    "Sideci": "Yopougon Sideci",
    "Zone 4": "Marcory Zone 4",
    "Biétry": "Marcory Biétry",
    "Plateau Centre": "Plateau – Cathédrale",
}
TWINNINGS = [
    ("Angré 8e tranche", "II Plateaux Vallon"),
    ("Zone 4", "Biétry"),
    ("Niangon Nord", "Sideci"),
]
# People whose join request stays waiting, so référents have something to decide.
PENDING_PER_COMMUNITY = 1
# A community whose référent turned its public page on: the public directory, the page
# and the API's /public/communities/{id} have one to show.
PUBLIC_PAGES = {
    "Riviera 2": (
        "Nous sommes les voisins des Manguiers, à la Riviera 2. Nous nous prévenons "
        "des vols et des coupures, nous accueillons les nouveaux arrivants et nous "
        "n'intervenons jamais nous-mêmes : nous appelons la police."
    ),
}


def _area_around(latitude: float, longitude: float, rng: random.Random) -> dict:
    """An irregular octagon of 480 to 520 m radius: it holds every demo home of the
    quartier (all within about 430 m of the centre) and stays under 1 km²."""
    ring = []
    for step in range(8):
        angle = math.radians(step * 45 + rng.uniform(-8, 8))
        radius = rng.uniform(480, 520)
        ring.append(
            [
                round(
                    longitude
                    + radius * math.cos(angle) / (111_320 * math.cos(math.radians(latitude))),
                    6,
                ),
                round(latitude + radius * math.sin(angle) / 110_574, 6),
            ]
        )
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def _residents(quartier: str) -> list[User]:
    return list(User.objects.open().filter(home__quartier=quartier).order_by("date_joined", "pk"))


@transaction.atomic
def _first_referent(community: Community) -> User:
    membership = Membership.objects.referents().filter(community=community).first()
    if membership is None:
        raise ValueError(f"The demo community {community.name} has no référent")
    return membership.user


def create_demo_communities() -> tuple[int, int]:
    """Return (communities created, twinnings created)."""
    named_referents: dict[str, str] = {}
    for _role, first, last, index, staff in NAMED:
        if not staff:
            named_referents.setdefault(QUARTIERS[index][1], email_for(first, last))
    created = 0
    by_quartier = {}
    for _slug, quartier, latitude, longitude, _landmarks in QUARTIERS:
        name = COMMUNITY_NAMES[quartier]
        community = Community.objects.filter(name=name).first()
        if community is None:
            residents = _residents(quartier)
            referent = next(
                (user for user in residents if user.email == named_referents.get(quartier)),
                residents[0],
            )
            community = services.create_community(
                referent,
                name=name,
                commune=referent.home.commune,
                area=_area_around(latitude, longitude, random.Random(quartier)),  # noqa: S311 # nosec B311 # demo areas
            )
            others = [user for user in residents if user.pk != referent.pk]
            waiting = others[-PENDING_PER_COMMUNITY:]
            for user in others:
                membership = services.request_to_join(user, community)
                if user not in waiting:
                    services.accept_join_request(referent, membership)
            created += 1
        by_quartier[quartier] = community
    twinned = 0
    for first, second in TWINNINGS:
        asker, partner = by_quartier[first], by_quartier[second]
        if (
            Twinning.objects.involving(asker)
            .filter(status=TwinningStatus.ACTIVE)
            .filter(pk__in=Twinning.objects.involving(partner))
            .exists()
        ):
            continue
        asker_referent, partner_referent = _first_referent(asker), _first_referent(partner)
        services.accept_twinning(
            partner_referent, services.request_twinning(asker_referent, asker, partner)
        )
        twinned += 1
    for quartier, presentation in PUBLIC_PAGES.items():
        community = by_quartier[quartier]
        if not community.public_page:
            services.update_community_settings(
                _first_referent(community),
                community,
                validation_mode=community.validation_mode,
                public_page=True,
                presentation=presentation,
            )
    return created, twinned
