"""Who at the town hall, and which police stations, receive the alerts of a commune: the
SELECTs the alert fan-out adds to its single INSERT (alerts/audiences.py).

- the old town-hall contacts (no account): e-mail and SMS at once, as before;
- the agents of the commune's partner town hall, while the partnership covers the day:
  e-mail, push if they have a device, SMS only if they chose it and their mobile is
  verified; all at once;
- the police contacts of that town hall that cover the alert's community (none chosen:
  the whole commune) and did not have its category switched off: e-mail and SMS at once.

The town hall and its police contacts are looked up first (a commune has one town hall
and a handful of stations; the muted categories are a JSON list, filtered here rather
than in SQL that differs between databases); the rows themselves are chosen by the
database.
"""

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from monquartier.accounts.models import User
from monquartier.alerts.audiences import POLICE, TOWN_HALL, Audience, Branch
from monquartier.alerts.models import Alert
from monquartier.communities.models import Community
from monquartier.core.paths import path_prefix
from monquartier.outbox.devices import HAS_PUSH_DEVICE, push_device_tables
from monquartier.outbox.models import Channel
from monquartier.townhalls.models import Agent, PoliceContact, TownHall, TownHallContact

# The ids a branch does not fill are typed NULLs ({names} are our quoted table names).
_CONTACT = (
    "SELECT CAST(NULL AS BIGINT), c.id, CAST(NULL AS BIGINT), %s, c.{column}, %s, %s "
    "FROM {contact} c "
    "WHERE c.commune_id = %s AND c.active = %s AND c.{column} <> ''"
)
_AGENTS = (
    "SELECT u.id, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), %s, {address}, %s, %s "
    "FROM {agent} a JOIN {user} u ON u.id = a.user_id "
    "WHERE a.town_hall_id = %s AND u.is_active = %s"
)
# Per channel: the address column, what the agent needs, and its parameters.
_AGENT_BRANCHES: tuple[tuple[str, str, str, list], ...] = (
    (Channel.EMAIL, "u.email", " AND u.email IS NOT NULL AND u.email <> ''", []),
    (Channel.PUSH, "''", " AND " + HAS_PUSH_DEVICE, []),
    (
        Channel.SMS,
        "u.mobile",
        " AND a.receives_alert_sms = %s AND u.mobile <> '' AND u.mobile_verified = %s",
        [True, True],
    ),
)
_POLICE = (
    "SELECT CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), p.id, %s, p.{column}, %s, %s "
    "FROM {police} p "
    "WHERE p.id IN ({ids}) AND p.{column} <> ''"
)


def partner_town_hall(commune_id: int) -> TownHall | None:
    """The commune's town hall if its partnership covers today."""
    return TownHall.objects.partners_on(timezone.localdate()).filter(commune_id=commune_id).first()


def police_for(alert: Alert, town_hall: TownHall) -> list[int]:
    """The police contacts that receive this alert."""
    contacts = (
        PoliceContact.objects.filter(town_hall=town_hall, active=True)
        .filter(Q(communities=None) | Q(communities=alert.community_id))
        .distinct()
        .values_list("pk", "muted_categories")
    )
    return [pk for pk, muted in contacts if alert.category not in (muted or [])]


def _contact_branches(alert: Alert, now_db) -> list[Branch]:
    contact = connection.ops.quote_name(TownHallContact._meta.db_table)
    commune = alert.community.commune_id
    return [
        (
            _CONTACT.format(column=column, contact=contact),
            [channel, TOWN_HALL, now_db, commune, True],
        )
        for channel, column in ((Channel.EMAIL, "email"), (Channel.SMS, "mobile"))
    ]


def _agent_branches(town_hall: TownHall, now_db) -> list[Branch]:
    quote = connection.ops.quote_name
    tables = {
        "agent": quote(Agent._meta.db_table),
        "user": quote(User._meta.db_table),
        **push_device_tables(),
    }
    return [
        (
            _AGENTS.format(address=address, **tables) + condition.format(**tables),
            [channel, TOWN_HALL, now_db, town_hall.pk, True, *extra],
        )
        for channel, address, condition, extra in _AGENT_BRANCHES
    ]


def _town_hall_branches(alert: Alert, now_db) -> list[Branch]:
    branches = _contact_branches(alert, now_db)
    town_hall = partner_town_hall(alert.community.commune_id)
    if town_hall is not None:
        branches += _agent_branches(town_hall, now_db)
    return branches


def _police_branches(alert: Alert, now_db) -> list[Branch]:
    town_hall = partner_town_hall(alert.community.commune_id)
    if town_hall is None:
        return []
    ids = police_for(alert, town_hall)
    if not ids:
        return []
    police = connection.ops.quote_name(PoliceContact._meta.db_table)
    placeholders = ", ".join(["%s"] * len(ids))
    return [
        (
            _POLICE.format(column=column, police=police, ids=placeholders),
            [channel, POLICE, now_db, *ids],
        )
        for channel, column in ((Channel.EMAIL, "email"), (Channel.SMS, "mobile"))
    ]


def _town_hall_reaches(community: Community) -> bool:
    return (
        partner_town_hall(community.commune_id) is not None
        or TownHallContact.objects.active().filter(commune_id=community.commune_id).exists()
    )


def _police_reaches(community: Community) -> bool:
    return (
        PoliceContact.objects.filter(
            town_hall__in=TownHall.objects.partners_on(timezone.localdate()),
            town_hall__commune_id=community.commune_id,
            active=True,
        )
        .filter(Q(communities=None) | Q(communities=community))
        .exists()
    )


def console_alert_path(alert_id: int) -> str:
    return f"{path_prefix('townhalls:alert')}{int(alert_id)}/"


def _town_hall_escalation(alert: Alert) -> list[tuple[str, User | None]]:
    """The mobiles told of an alert nobody acknowledged: the commune's active contacts and
    the partner town hall's agents with a verified mobile (whether or not they chose the
    alert SMS: this one is rare and asks for them)."""
    numbers: list[tuple[str, User | None]] = [
        (mobile, None)
        for mobile in TownHallContact.objects.active()
        .filter(commune_id=alert.community.commune_id)
        .exclude(mobile="")
        .values_list("mobile", flat=True)
    ]
    town_hall = partner_town_hall(alert.community.commune_id)
    if town_hall is not None:
        numbers += [
            (agent.user.mobile, agent.user)
            for agent in Agent.objects.filter(
                town_hall=town_hall, user__is_active=True, user__mobile_verified=True
            )
            .exclude(user__mobile="")
            .select_related("user")
        ]
    return numbers


def _police_escalation(alert: Alert) -> list[tuple[str, User | None]]:
    town_hall = partner_town_hall(alert.community.commune_id)
    if town_hall is None:
        return []
    ids = police_for(alert, town_hall)
    return [
        (mobile, None)
        for mobile in PoliceContact.objects.filter(pk__in=ids)
        .exclude(mobile="")
        .values_list("mobile", flat=True)
    ]


TOWN_HALL_AUDIENCE = Audience(
    name=TOWN_HALL,
    branches=_town_hall_branches,
    reaches=_town_hall_reaches,
    alert_path=console_alert_path,
    escalation_numbers=_town_hall_escalation,
)
POLICE_AUDIENCE = Audience(
    name=POLICE,
    branches=_police_branches,
    reaches=_police_reaches,
    escalation_numbers=_police_escalation,
)
