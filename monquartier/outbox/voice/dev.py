"""A voice backend that calls nobody: the demo's calls land in the development outbox."""

import uuid

from monquartier.outbox.models import Channel, DevOutboxMessage
from monquartier.outbox.voice import BaseVoiceBackend, CallQueued, CallRefused, CallRequest


class DevVoiceBackend(BaseVoiceBackend):
    def request_calls(self, calls: list[CallRequest]) -> list[CallQueued | CallRefused]:
        DevOutboxMessage.objects.bulk_create(
            DevOutboxMessage(channel=Channel.VOICE, recipient=call.to, body=call.text)
            for call in calls
        )
        return [CallQueued(session_id=f"dev-{uuid.uuid4().hex}") for _call in calls]
