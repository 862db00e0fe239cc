"""Permission-checked fetchers: the messaging views get conversations and messages here.

A conversation exists only for its participants who are active members of a community;
to anyone else — other members, twinned members not chosen, pending members, outsiders,
visitors, staff — it answers 404, so that guessing ids tells nothing. Staff read a
message only once someone reported it (PRODUCT.md, privacy table: "only when reported").
"""

from django.http import Http404

from monquartier.messaging.models import Conversation, Message, Participant
from monquartier.messaging.services import writer_membership


def get_conversation_for_participant(
    user, conversation_id: int
) -> tuple[Conversation, Participant]:
    """The conversation and the user's seat in it, or Http404."""
    if not getattr(user, "is_authenticated", False) or writer_membership(user) is None:
        raise Http404
    seat = (
        Participant.objects.select_related("conversation")
        .filter(user=user, conversation_id=conversation_id)
        .first()
    )
    if seat is None:
        raise Http404
    return seat.conversation, seat


def get_message_for_reporter(user, message_id: int) -> Message:
    """A message the user received (a participant who did not write it) and that is
    still shown, or Http404: what the moderation app lets them report."""
    message = Message.objects.select_related("sender", "conversation").filter(pk=message_id).first()
    if message is None or message.is_hidden or message.sender_id == getattr(user, "pk", None):
        raise Http404
    get_conversation_for_participant(user, message.conversation_id)
    return message
