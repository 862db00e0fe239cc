"""The demo's partner town hall: Cocody, with an agent who manages agents and a police
station. Idempotent, like every demo loader."""

import datetime

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.db import transaction
from django.utils import timezone

from monquartier.accounts.demo import DEMO_PASSWORD, DEMO_STAFF_TOTP_SECRET
from monquartier.accounts.models import User
from monquartier.places.models import Commune
from monquartier.townhalls.models import Agent, PoliceContact, TownHall

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
    PoliceContact.objects.get_or_create(
        town_hall=town_hall,
        station="Commissariat du 8e arrondissement (Cocody)",
        defaults={"email": "commissariat8@demo.monquartier.ci", "mobile": "+2250700000808"},
    )
    return int(created)


def demo_agent_login() -> tuple[str, str, str]:
    return ("Agent, mairie de Cocody", DEMO_AGENT_EMAIL, DEMO_PASSWORD)
