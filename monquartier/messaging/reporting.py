"""Private messages as reportable content (moderation/content.py): only a recipient
reports a message, and it has no page of its own to link to."""

from monquartier.communities.models import Membership
from monquartier.messaging.access import get_message_for_reporter
from monquartier.messaging.models import Message
from monquartier.messaging.services import hide_message
from monquartier.moderation import content
from monquartier.moderation.models import ReportKind


def target_for_reporter(user, object_id: int) -> content.Target:
    message = get_message_for_reporter(user, object_id)
    membership = Membership.objects.active_for(message.sender)
    community = membership.community if membership else None
    return content.Target(
        ReportKind.MESSAGE, message, message.sender, community, message.text[:300], ""
    )


def hide(staff, object_id: int, reason: str) -> None:
    hide_message(staff, Message.objects.get(pk=object_id), reason)


def register() -> None:
    content.register(ReportKind.MESSAGE, target_for_reporter=target_for_reporter, hide=hide)
