"""Who receives a community's alerts besides its members and its twins.

An app above alerts (town halls) registers an Audience from its AppConfig.ready():
`branches`, given the alert and the time of the fan-out (as the database takes it),
returns SELECTs that the fan-out adds to its single INSERT (alerts/fanout.py), each with
its parameters; each SELECT gives the columns user_id, contact_id, channel, address,
audience, due_at. `reaches` tells the alert form whether a community's alerts reach it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from monquartier.alerts.models import Alert
from monquartier.communities.models import Community

Branch = tuple[str, list[Any]]
# The audience of the commune's partner town hall (its name in Delivery.audience too).
TOWN_HALL = "townhall"


@dataclass(frozen=True)
class Audience:
    name: str
    branches: Callable[[Alert, Any], list[Branch]]
    reaches: Callable[[Community], bool]


_AUDIENCES: dict[str, Audience] = {}


def register(audience: Audience) -> None:
    _AUDIENCES[audience.name] = audience


def registered() -> list[Audience]:
    return list(_AUDIENCES.values())


def reaching(community: Community) -> set[str]:
    """The names of the audiences that receive this community's alerts."""
    return {audience.name for audience in _AUDIENCES.values() if audience.reaches(community)}
