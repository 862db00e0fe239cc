"""The SMS backend interface, chosen by the SMS_BACKEND setting as EMAIL_BACKEND chooses
the e-mail backend. A backend sends a batch and reports, message by message, either the
provider's id or an SMSError that says whether trying again could help."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SMSMessage:
    to: str  # E.164, e.g. +2250707123456
    text: str
    # Our own reference for the message (a delivery id), echoed by delivery reports.
    reference: str = ""


@dataclass(frozen=True)
class SMSSent:
    message: SMSMessage
    provider_id: str = ""


class SMSError(Exception):
    """A message that did not go. permanent=True: never retry (unknown or barred number,
    refused content); permanent=False: the gateway was down, slow or throttling."""

    def __init__(self, detail: str, *, permanent: bool, message: SMSMessage | None = None):
        super().__init__(detail)
        self.detail = detail
        self.permanent = permanent
        self.message = message


class BaseSMSBackend:
    def __init__(self, **options):
        self.options = options

    def send_messages(self, messages: Sequence[SMSMessage]) -> list[SMSSent | SMSError]:
        """Send a batch; one outcome per message, in the same order. Must not raise for
        a single message's failure."""
        raise NotImplementedError


def get_sms_backend(path: str | None = None, **options) -> BaseSMSBackend:
    backend_class = import_string(path or settings.SMS_BACKEND)
    return backend_class(**options)


def send_sms(to: str, text: str, *, reference: str = "") -> SMSSent:
    """Send one SMS now, raising SMSError if it did not go."""
    (outcome,) = get_sms_backend().send_messages(
        [SMSMessage(to=to, text=text, reference=reference)]
    )
    if isinstance(outcome, SMSError):
        raise outcome
    return outcome
