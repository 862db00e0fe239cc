"""Demo data of the staff operations: two small communities of Koumassi (a commune
without a partner town hall in the demo) drawn edge to edge, twinned, that staff can merge (Admin › Communautés › action « Réunir »), and a
few entries of the audit log, one of them about Yao so that his Paramètres show it.
Idempotent; sends nothing (no notification is made)."""

import random

from allauth.account.models import EmailAddress
from django.db import transaction

from monquartier.accounts.demo import DEMO_PASSWORD, NAMED, email_for
from monquartier.accounts.models import Home, User
from monquartier.audit import log as audit_log
from monquartier.audit.models import AuditEntry
from monquartier.communities import services
from monquartier.communities.models import Community, Twinning
from monquartier.places.models import Commune

# Two 500 m squares side by side, west and east: together 0.5 km², under the limit.
LATITUDE = 5.2960
WEST_LONGITUDE = -3.9480
HALF_SIDE_LATITUDE = 250 / 110_574
HALF_SIDE_LONGITUDE = 250 / 110_846  # 111 320 m × cos(5.296°)
EAST_LONGITUDE = WEST_LONGITUDE + 2 * HALF_SIDE_LONGITUDE
COMMUNITIES = [
    (
        "Koumassi Remblais – Ouest",
        WEST_LONGITUDE,
        [("Brou", "Akissi"), ("Gnagne", "Serge"), ("Ahoua", "Lucie")],
    ),
    (
        "Koumassi Remblais – Est",
        EAST_LONGITUDE,
        [("Kassi", "Édouard"), ("Yapo", "Clarisse"), ("Aka", "Jérôme")],
    ),
]


def _square(longitude: float) -> dict:
    west, east = longitude - HALF_SIDE_LONGITUDE, longitude + HALF_SIDE_LONGITUDE
    south, north = LATITUDE - HALF_SIDE_LATITUDE, LATITUDE + HALF_SIDE_LATITUDE
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [[[round(x, 7), round(y, 7)] for x, y in ring]]}


def _resident(last: str, first: str, longitude: float, rng: random.Random) -> User:
    # Their own addresses: the other demo people are drawn at random from the same names.
    email = email_for(first, last).replace("@", ".remblais@")
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user
    user = User.objects.create_user(
        email=email,
        password=DEMO_PASSWORD,
        first_name=first,
        last_name=last,
        mobile=f"+22507{rng.randint(0, 99_999_999):08d}",
        mobile_verified=True,
    )
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    Home.objects.create(
        user=user,
        commune=Commune.objects.get(slug="koumassi"),
        quartier="Remblais",
        address_details=f"Cour {rng.randint(1, 90)}",
        landmark="près du grand marché",
        # Well inside its square (250 m half side).
        latitude=round(LATITUDE + rng.uniform(-0.0015, 0.0015), 6),
        longitude=round(longitude + rng.uniform(-0.0015, 0.0015), 6),
    )
    return user


@transaction.atomic
def create_demo_mergeable_communities() -> int:
    """Return the number of communities created (0 once they exist, or once merged)."""
    if Community.objects.filter(name__startswith="Koumassi Remblais").exists():
        return 0
    created = []
    for name, longitude, people in COMMUNITIES:
        rng = random.Random(name)  # noqa: S311 # nosec B311 # demo data, not secrets
        residents = [_resident(last, first, longitude, rng) for last, first in people]
        referent, *others = residents
        community = services.create_community(
            referent,
            name=name,
            commune=Commune.objects.get(slug="koumassi"),
            area=_square(longitude),
        )
        for user in others:
            services.accept_join_request(referent, services.request_to_join(user, community))
        created.append((community, referent))
    (west, west_referent), (east, east_referent) = created
    if not Twinning.objects.involving(west).exists():
        services.accept_twinning(
            east_referent, services.request_twinning(west_referent, west, east)
        )
    return len(created)


@transaction.atomic
def create_demo_audit_entries() -> int:
    """A few things staff did, for the audit log's admin and Yao's Paramètres."""
    if AuditEntry.objects.filter(details__demo=True).exists():
        return 0
    staff_email = next(email_for(first, last) for _r, first, last, _q, staff in NAMED if staff)
    staff = User.objects.filter(email=staff_email).first()
    yao = User.objects.filter(email=email_for("Yao", "Kouassi")).first()
    if staff is None or yao is None:
        return 0
    entries = [
        audit_log.record(
            staff,
            "member.view",
            member=yao,
            target=yao,
            reason="Demande d'aide : Yao a changé de numéro de mobile.",
            details={"demo": True, "page": "accounts.user"},
        ),
        audit_log.record(
            staff,
            "member.change",
            member=yao,
            target=yao,
            reason="Demande d'aide : Yao a changé de numéro de mobile.",
            details={"demo": True, "fields": ["mobile"]},
        ),
    ]
    return len(entries)
