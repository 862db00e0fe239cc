"""Who receives a community's alerts besides its members and its twins.

An app above alerts (town halls) registers an Audience from its AppConfig.ready():
`branches`, given the alert and the time of the fan-out (as the database takes it),
returns SELECTs that the fan-out adds to its single INSERT (alerts/fanout.py), each with
its parameters; each SELECT gives the columns user_id, contact_id, police_id, channel,
address, audience, due_at (the ids it does not fill as CAST(NULL AS BIGINT)). `reaches`
tells the alert form whether a community's alerts reach it; `alert_path`, where its
recipients with an account open an alert (the e-mail's link), if not the alert's page;
`escalation_numbers`, the mobiles told when nobody in the community acknowledged the
alert in time (alerts/escalation.py), each with its account if it has one.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from monquartier.alerts.models import Alert
from monquartier.communities.models import Community

Branch = tuple[str, list[Any]]
# The audience of the commune's partner town hall (its name in Delivery.audience too).
TOWN_HALL = "townhall"
# The police and gendarmerie contacts the town hall linked with its communities.
POLICE = "police"


@dataclass(frozen=True)
class Audience:
    name: str
    branches: Callable[[Alert, Any], list[Branch]]
    reaches: Callable[[Community], bool]
    alert_path: Callable[[int], str] | None = None
    escalation_numbers: Callable[[Alert], list[tuple[str, Any]]] | None = None


_AUDIENCES: dict[str, Audience] = {}


def register(audience: Audience) -> None:
    _AUDIENCES[audience.name] = audience


def registered() -> list[Audience]:
    return list(_AUDIENCES.values())


def reaching(community: Community) -> set[str]:
    """The names of the audiences that receive this community's alerts."""
    return {audience.name for audience in _AUDIENCES.values() if audience.reaches(community)}


def alert_path_for(name: str, alert_id: int) -> str | None:
    """Where a recipient of that audience with an account opens the alert, if the
    audience has its own page for it."""
    audience = _AUDIENCES.get(name)
    if audience is None or audience.alert_path is None:
        return None
    return audience.alert_path(alert_id)


def escalation_numbers(alert: Alert) -> list[tuple[str, Any]]:
    """(mobile, account or None) of everyone the audiences tell of an alert nobody saw."""
    return [
        number
        for audience in _AUDIENCES.values()
        if audience.escalation_numbers is not None
        for number in audience.escalation_numbers(alert)
    ]
