"""What can be reported, and how moderation reaches it: for each kind of content, who may
report it (the same people who may read it; for a message, its recipients), its author,
its community, a short excerpt for the staff queue, and how staff hide it.

Moderation sits below the apps whose content it moderates: each of them registers its
kind here (`register`, from its AppConfig.ready()), so moderation imports none of them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import Http404


@dataclass(frozen=True)
class Target:
    kind: str
    item: Any
    author: Any
    community: Any
    excerpt: str
    url: str


@dataclass(frozen=True)
class ReportableKind:
    # (user, object id) → the Target if the user may report it, else Http404.
    target_for_reporter: Callable[[Any, int], Target]
    # (staff, object id, reason) → hides the item.
    hide: Callable[[Any, int, str], None]


_KINDS: dict[str, ReportableKind] = {}


def register(kind: str, *, target_for_reporter, hide) -> None:
    """Make a kind of content reportable (a ReportKind value)."""
    _KINDS[kind] = ReportableKind(target_for_reporter=target_for_reporter, hide=hide)


def target_for_reporter(user, kind: str, object_id: int) -> Target:
    """The item if `user` may report it, else Http404 (guessed ids included)."""
    entry = _KINDS.get(kind)
    if entry is None:
        raise Http404
    return entry.target_for_reporter(user, object_id)


def hide(kind: str, object_id: int, staff, reason: str) -> None:
    _KINDS[kind].hide(staff, object_id, reason)
