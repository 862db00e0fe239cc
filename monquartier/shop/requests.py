"""Orders the shop learns of from the apps above it: a town hall's signage request stored
before the catalogue sold signs (or while the shop was off) waits here, on the staff's
queue, until staff make it a shop order by mandate (once).

The shop cannot import the app that stores them (townhalls sits above): that app
registers here how to list them and how to turn one into an order (TownhallsConfig.ready()).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from monquartier.accounts.models import User
from monquartier.shop.models import Order


@dataclass(frozen=True)
class WaitingRequest:
    pk: int
    buyer: str  # « Mairie de Cocody »
    summary: str  # « 4 panneaux, 200 autocollants »
    created_at: datetime


@dataclass(frozen=True)
class RequestSource:
    waiting: Callable[[int], list[WaitingRequest]]  # at most n, the oldest first
    count: Callable[[], int]
    to_order: Callable[[User, int], Order]  # raises ValidationError


_source: list[RequestSource] = []


def register(source: RequestSource) -> None:
    _source[:] = [source]


def waiting(limit: int) -> tuple[list[WaitingRequest], int]:
    """Up to `limit` waiting requests and how many wait in all (counted only when
    there may be more)."""
    if not _source:
        return [], 0
    shown = _source[0].waiting(limit)
    return shown, (_source[0].count() if len(shown) >= limit else len(shown))


def to_order(staff: User, request_id: int) -> Order:
    if not staff.is_staff:
        raise ValidationError(_("Réservé à l'équipe MonQuartier."))
    if not _source:
        raise ValidationError(_("Cette demande n'existe pas."))
    return _source[0].to_order(staff, request_id)
