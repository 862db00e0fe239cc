"""What an outbox row carries, told by the app that owns it.

A Delivery points at the row it carries through one of its foreign keys (`alert`,
`notification`, `digest`). The app owning that row registers a Source from its
AppConfig.ready(): how a batch loads it, and how it becomes an e-mail, an SMS text or a
push. The senders know only this registry, never the apps above.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet

from monquartier.outbox.models import Delivery
from monquartier.outbox.transports import Email
from monquartier.outbox.voice import Spoken


@dataclass(frozen=True)
class Source:
    # The Delivery foreign key that names the row carried.
    field: str
    # How a batch fetches those rows (select_related, defer): once per batch, not per row.
    queryset: Callable[[], QuerySet] | None = None
    email: Callable[[Delivery], Email] | None = None
    # The SMS text and push payload depend only on the row carried (and the language):
    # the senders make each once per batch. With `sms_by_audience`, the SMS text also
    # depends on the Delivery's audience (sms(row, audience)), made once per audience.
    sms: Callable[..., str] | None = None
    sms_by_audience: bool = False
    push: Callable[[Any, str], dict] | None = None
    # The ids of the rows of a batch that must not go any more (hidden, already read).
    obsolete: Callable[[list[Delivery]], set[int]] | None = None
    # What a voice call says to the row's member (outbox/voice/), and what pressing 2
    # ("I heard it") does.
    voice: Callable[[Delivery], Spoken] | None = None
    acknowledge: Callable[[Delivery], None] | None = None
    # What the e-mail, SMS, push, voice and `obsolete` above read of the row's member
    # (Delivery.user): the senders load only these columns of the user (and its id).
    # A field read but not named here costs a query per row.
    member_fields: tuple[str, ...] = ()
    # For rows that never change once written but for these columns (lookups from the
    # row: the alert's hidden_at, its original's): a sender keeps each row for the rest
    # of its run (sender.KeptRows, at most deliver's max_seconds) and reads only these
    # again for each batch, one short query instead of the row and its joins. Left
    # empty, the rows are fetched again every batch.
    changing: tuple[str, ...] = ()


_SOURCES: dict[str, Source] = {}


def register(source: Source) -> None:
    _SOURCES[source.field] = source


def registered() -> list[Source]:
    return list(_SOURCES.values())


def prefetches(carried: list[Source] | None = None) -> list[Prefetch | str]:
    """How a batch fetches the rows it carries; `carried`: only those sources' rows."""
    return [
        Prefetch(source.field, queryset=source.queryset()) if source.queryset else source.field
        for source in (_SOURCES.values() if carried is None else carried)
    ]


def member_fields() -> set[str]:
    """The member's columns any source reads."""
    return {name for source in _SOURCES.values() for name in source.member_fields}


def of(delivery: Delivery) -> tuple[Source, Any]:
    """The source of a row and the row it carries."""
    for source in _SOURCES.values():
        if getattr(delivery, f"{source.field}_id") is not None:
            return source, getattr(delivery, source.field)
    raise ValueError(f"Delivery {delivery.pk} carries nothing a registered source knows")
