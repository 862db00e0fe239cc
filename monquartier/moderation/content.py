"""What can be reported, and how moderation reaches it: for each kind of content, who may
report it (the same people who may read it; for a message, its recipients), its author,
its community, a short excerpt for the staff queue, and how staff hide it."""

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


def target_for_reporter(user, kind: str, object_id: int) -> Target:
    """The item if `user` may report it, else Http404 (guessed ids included)."""
    if kind == "alert":
        from monquartier.alerts.access import get_alert_for_reader

        alert, _own = get_alert_for_reader(user, object_id)
        return Target(
            kind, alert, alert.sender, alert.community, alert.text[:300], f"/alertes/{alert.pk}/"
        )
    if kind == "post":
        from monquartier.gazette.access import get_post_for_reader

        post, _membership = get_post_for_reader(user, object_id)
        return Target(
            kind,
            post,
            post.author,
            post.community,
            f"{post.title} — {post.text}"[:300],
            f"/gazette/{post.pk}/",
        )
    if kind == "message":
        from monquartier.messaging.access import get_message_for_reporter

        message = get_message_for_reporter(user, object_id)
        community = _community_of(message.sender)
        return Target(kind, message, message.sender, community, message.text[:300], "")
    raise Http404


def _community_of(user):
    from monquartier.communities.models import Membership

    membership = Membership.objects.active_for(user)
    return membership.community if membership else None


def hide(kind: str, object_id: int, staff, reason: str) -> None:
    if kind == "alert":
        from monquartier.alerts.models import Alert
        from monquartier.alerts.services import hide_alert

        hide_alert(staff, Alert.objects.get(pk=object_id), reason)
    elif kind == "post":
        from monquartier.gazette.models import Post
        from monquartier.gazette.services import hide_post

        hide_post(staff, Post.objects.get(pk=object_id), reason)
    elif kind == "message":
        from monquartier.messaging.models import Message
        from monquartier.messaging.services import hide_message

        hide_message(staff, Message.objects.get(pk=object_id), reason)
