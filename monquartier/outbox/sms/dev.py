"""SMS backends that send nothing: for tests (in memory), the console and the demo."""

import sys
import threading
import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import TextIO

from django.conf import settings

from monquartier.outbox.models import Channel, DevOutboxMessage
from monquartier.outbox.sms.base import BaseSMSBackend, SMSError, SMSMessage, SMSSent
from monquartier.outbox.sms.costs import operator_of

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
    """Print, and keep a copy for the dev outbox page. Each SMS names the provider the
    router would have chosen for its operator (SMS_ROUTES), so that the demo's SMS have
    the costs of the real ones on the staff's cost pages."""

    def send_messages(self, messages: Sequence[SMSMessage]) -> list[SMSSent | SMSError]:
        outcomes = super().send_messages(messages)
        DevOutboxMessage.objects.bulk_create(
            DevOutboxMessage(channel=Channel.SMS, recipient=message.to, body=message.text)
            for message in messages
        )
        return [
            replace(outcome, provider=_routed_provider(outcome.message.to))
            if isinstance(outcome, SMSSent)
            else outcome
            for outcome in outcomes
        ]


def _routed_provider(number: str) -> str:
    try:
        operator = operator_of(number)
    except ValueError:
        return ""
    return settings.SMS_ROUTES.get(operator, settings.SMS_DEFAULT_PROVIDER)
