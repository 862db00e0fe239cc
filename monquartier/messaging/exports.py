"""The member's conversations for their download (accounts/exports.py): every message they
sent, and those others sent them that they can read, the others named as the member sees
them (privacy)."""

from typing import Any

from django.db.models import Q

from monquartier.communities import privacy
from monquartier.messaging.models import Message, Participant


def conversations(user) -> list[Any]:
    seats = list(Participant.objects.filter(user=user).order_by("conversation_id"))
    others = list(
        Participant.objects.filter(conversation_id__in=[seat.conversation_id for seat in seats])
        .exclude(user=user)
        .select_related("user")
    )
    names = privacy.names_seen_by(user, [seat.user for seat in others])
    messages = (
        Message.objects.filter(conversation_id__in=[seat.conversation_id for seat in seats])
        .filter(Q(sender=user) | Q(hidden_at__isnull=True))
        .order_by("conversation_id", "created_at", "id")
        .values("conversation_id", "sender_id", "text", "created_at", "hidden_at")
    )
    by_conversation: dict[int, list[dict]] = {seat.conversation_id: [] for seat in seats}
    for message in messages.iterator(chunk_size=500):
        by_conversation[message["conversation_id"]].append(
            {
                "from": "me"
                if message["sender_id"] == user.pk
                else names.get(message["sender_id"], ""),
                "text": message["text"],
                "sent_at": message["created_at"],
                "hidden_by_moderation": message["hidden_at"] is not None,
            }
        )
    return [
        {
            "conversation": seat.conversation_id,
            "joined_at": seat.joined_at,
            "with": sorted(
                names[other.user_id]
                for other in others
                if other.conversation_id == seat.conversation_id
            ),
            "messages": by_conversation[seat.conversation_id],
        }
        for seat in seats
    ]
