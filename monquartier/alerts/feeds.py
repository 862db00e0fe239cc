"""What the alert list shows besides the community's alerts, told by the apps above.

An app above alerts (town halls) registers a Feed from its AppConfig.ready(): given the
member's community (its id), `items` returns the rows to show (one query, whatever the number of
communities), and `template` draws them at the head of the list. The alert list knows
only this registry, never the apps above.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Feed:
    name: str
    # Included by alerts/list.html with `items`.
    template: str
    items: Callable[[int], list[Any]]


_FEEDS: dict[str, Feed] = {}


def register(feed: Feed) -> None:
    _FEEDS[feed.name] = feed


def registered() -> list[Feed]:
    return list(_FEEDS.values())


def shown_to(community_id: int) -> list[tuple[Feed, list[Any]]]:
    """The feeds that have something for this community, with their rows."""
    shown = []
    for feed in _FEEDS.values():
        items = feed.items(community_id)
        if items:
            shown.append((feed, items))
    return shown
