"""SMS backends that send nothing: for tests (in memory), the console and the demo."""

import sys
import threading
import uuid
from collections.abc import Sequence
from typing import TextIO

from monquartier.outbox.models import Channel, DevOutboxMessage
from monquartier.outbox.sms.base import BaseSMSBackend, SMSError, SMSMessage, SMSSent

# Messages "sent" through LocmemSMSBackend, like django.core.mail.outbox.
outbox: list[SMSMessage] = []
_lock = threading.Lock()


class LocmemSMSBackend(BaseSMSBackend):
    def send_messages(self, messages: Sequence[SMSMessage]) -> list[SMSSent | SMSError]:
        with _lock:
            outbox.extend(messages)
        return [SMSSent(message=message, provider_id=uuid.uuid4().hex) for message in messages]


class ConsoleSMSBackend(BaseSMSBackend):
    def send_messages(self, messages: Sequence[SMSMessage]) -> list[SMSSent | SMSError]:
        stream: TextIO = self.options.get("stream") or sys.stdout
        for message in messages:
            stream.write(f"SMS to {message.to}:\n{message.text}\n{'-' * 40}\n")
        stream.flush()
        return [SMSSent(message=message, provider_id=uuid.uuid4().hex) for message in messages]


class DevOutboxSMSBackend(ConsoleSMSBackend):
    """Print, and keep a copy for the dev outbox page."""

    def send_messages(self, messages: Sequence[SMSMessage]) -> list[SMSSent | SMSError]:
        outcomes = super().send_messages(messages)
        DevOutboxMessage.objects.bulk_create(
            DevOutboxMessage(channel=Channel.SMS, recipient=message.to, body=message.text)
            for message in messages
        )
        return outcomes
