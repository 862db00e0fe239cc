"""What messages' changes do to the cached pages (core/pagecache.py): a conversation is on
its participants' own pages (their list, its thread, the unread count of their home)."""

from monquartier.core import pagecache
from monquartier.messaging.models import Conversation, Message, Participant


def conversation_changed(conversation_id: int) -> None:
    user_ids = Participant.objects.filter(conversation_id=conversation_id).values_list(
        "user_id", flat=True
    )
    pagecache.bump(*(pagecache.user(user_id) for user_id in user_ids))


def _conversation(sender, instance, **kwargs):
    conversation_changed(instance.pk)


def _message(sender, instance, **kwargs):
    conversation_changed(instance.conversation_id)


def _participant(sender, instance, **kwargs):
    conversation_changed(instance.conversation_id)
    pagecache.bump(pagecache.user(instance.user_id))


def connect() -> None:
    pagecache.connect({Conversation: _conversation, Message: _message, Participant: _participant})
