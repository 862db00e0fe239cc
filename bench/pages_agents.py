"""The town-hall pages of the pages benchmark (issue 16, item 1): the console and the
dashboard, for agents of a partner town hall added on top of the scale data.

The scale data has no partner town hall. At the benchmark's start, the commune with the
most communities gets one (partner since 400 days), with AGENTS agents who have an
authenticator app (allauth's TOTP, as every agent must: SecondFactorMiddleware), and the
dashboard's daily aggregate is brought up to date by the scheduler's own job
(townhalls.stats.update: a backfill when there is none yet, else what changed). All of it
is found again on the next run (idempotent); the agents' addresses end in
shape.AGENTS_EMAIL_DOMAIN, which the scale data's "already loaded" check leaves out.

Each agent's session is written into the session table as the log-in form leaves it
after the password and the app's code: Django's keys (django.contrib.auth.login) and
allauth's record of the two steps (a "password" step, then an "mfa" step naming the TOTP
authenticator), which SecondFactorMiddleware reads through second_factor_entered.
"""

import datetime
import time
from dataclasses import dataclass

from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.account.internal.userkit import user_id_to_str
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction
from django.db.models import Count
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from bench.lib.cookies import browser_cookies
from bench.lib.database import vacuum_analyze
from bench.scale.shape import AGENTS_EMAIL_DOMAIN, PASSWORD
from monquartier.accounts.models import User
from monquartier.communities.models import Community
from monquartier.places.models import Commune
from monquartier.townhalls import stats
from monquartier.townhalls.models import Agent, DailyCommunityStats, StatsState, TownHall

AGENTS = 3
PARTNER_DAYS = 400

# The town-hall pages measured, after the member pages (bench/scale/benchmark.py PAGES).
AGENT_PAGES = ("console", "dashboard")
AGENT_URLS = {
    "console": "townhalls:console",
    "dashboard": "townhalls:dashboard",
}


@dataclass
class TownHallSite:
    town_hall: TownHall
    communities: int  # of its commune
    agents: list[User]
    cookies: dict[int, str]  # user id → Cookie header
    aggregate: str  # what stats.update said
    aggregate_seconds: float

    def urls(self) -> dict[str, str]:
        return {page: reverse(name) for page, name in AGENT_URLS.items()}


def busiest_commune() -> tuple[Commune, int]:
    """The commune with the most communities (the longest console and dashboard)."""
    found = (
        Community.objects.values("commune_id")
        .annotate(communities=Count("pk"))
        .order_by("-communities", "commune_id")
        .first()
    )
    if found is None:
        raise RuntimeError("no community loaded: the scale data is missing")
    return Commune.objects.get(pk=found["commune_id"]), found["communities"]


def ensure_partner_town_hall(commune: Commune) -> TownHall:
    """The commune's town hall, a partner today (created, or its partnership renewed)."""
    starts_on = timezone.localdate() - datetime.timedelta(days=PARTNER_DAYS)
    town_hall, created = TownHall.objects.get_or_create(
        commune=commune,
        defaults={"name": f"Mairie de {commune.name}", "starts_on": starts_on},
    )
    if not created and not town_hall.is_partner:
        town_hall.starts_on, town_hall.ends_on = starts_on, None
        town_hall.save(update_fields=["starts_on", "ends_on"])
    return town_hall


def agent_email(number: int) -> str:
    return f"agent-{number}@{AGENTS_EMAIL_DOMAIN}"


@transaction.atomic
def ensure_agents(town_hall: TownHall, count: int = AGENTS) -> list[User]:
    """`count` agents of the town hall, each with a verified e-mail address and a TOTP
    authenticator; the first manages the agents. An agent of another town hall (a
    previous run on another commune) is moved to this one."""
    password = None
    agents = []
    for number in range(1, count + 1):
        email = agent_email(number)
        user = User.objects.filter(email=email).first()
        if user is None:
            password = password or make_password(PASSWORD)
            user = User.objects.create(
                email=email,
                password=password,
                first_name="Agent",
                last_name=f"Bench {number}",
                is_town_hall_agent=True,
            )
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, generate_totp_secret())
        Agent.objects.update_or_create(
            user=user, defaults={"town_hall": town_hall, "can_manage_agents": number == 1}
        )
        agents.append(user)
    return agents


def open_agent_sessions(agents: list[User], secret_key: str) -> dict[int, str]:
    """user id → the Cookie header of a session opened by the log-in form and the app's
    code: Django's keys, and allauth's record of both steps."""
    totp = dict(
        Authenticator.objects.filter(user__in=agents, type=Authenticator.Type.TOTP).values_list(
            "user_id", "pk"
        )
    )
    cookies = {}
    with override_settings(SECRET_KEY=secret_key):
        for user in agents:
            now = time.time()
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            # The backend allauth's log-in form authenticates with (the test compares).
            session[BACKEND_SESSION_KEY] = "allauth.account.auth_backends.AuthenticationBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session[AUTHENTICATION_METHODS_SESSION_KEY] = [
                {"method": "password", "at": now, "email": user.email},
                {
                    "method": "mfa",
                    "at": now,
                    "id": totp[user.pk],
                    "type": Authenticator.Type.TOTP.value,
                },
            ]
            session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_id_to_str(user)
            session.create()
            cookies[user.pk] = browser_cookies(session.session_key)
    return cookies


def prepare(secret_key: str) -> TownHallSite:
    """The partner town hall, its agents logged in, the dashboard's aggregate up to date."""
    commune, communities = busiest_commune()
    town_hall = ensure_partner_town_hall(commune)
    agents = ensure_agents(town_hall)
    began = time.perf_counter()
    aggregate = stats.update()
    aggregate_seconds = time.perf_counter() - began
    # The aggregate was just written: without statistics (autovacuum is off here) the
    # planner takes its tens of thousands of rows for a hundred and loops over each
    # (the dashboard's weeks took 50 ms instead of 10).
    vacuum_analyze([DailyCommunityStats, StatsState])
    cookies = open_agent_sessions(agents, secret_key)
    return TownHallSite(town_hall, communities, agents, cookies, aggregate, aggregate_seconds)
