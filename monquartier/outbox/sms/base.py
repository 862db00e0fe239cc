"""The SMS backend interface, chosen by the SMS_BACKEND setting as EMAIL_BACKEND chooses
the e-mail backend. A backend sends a batch and reports, message by message, either the
provider's id or an SMSError that says whether trying again could help."""

import hashlib
import json
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import phonenumbers
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, RequestDataTooBig
from django.http.request import RawPostDataException
from django.utils import timezone
from django.utils.module_loading import import_string

from monquartier.core.parsing import parse_positive_int

if TYPE_CHECKING:
    from django.http import HttpRequest

# Numbers written without a country code are Ivorian.
DEFAULT_REGION = "CI"
# A provider's notification is a few hundred bytes; anything much larger is not one.
MAX_WEBHOOK_BYTES = 64 * 1024
# The columns that keep providers' ids (InboundSMS.provider_message_id, Delivery.provider_id).
PROVIDER_ID_MAX_LENGTH = 128


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
    # Which provider sent it, when a router chose (the backend's own name otherwise).
    provider: str = ""


class SMSError(Exception):
    """A message that did not go. permanent=True: never retry (unknown or barred number,
    refused content); permanent=False: the gateway was down, slow or throttling."""

    def __init__(self, detail: str, *, permanent: bool, message: SMSMessage | None = None):
        super().__init__(detail)
        self.detail = detail
        self.permanent = permanent
        self.message = message


@dataclass(frozen=True)
class InboundMessage:
    """An SMS a member sent us, as a provider's webhook reported it."""

    provider_message_id: str
    sender: str  # E.164 with its '+'
    text: str
    received_at: datetime  # aware


@dataclass(frozen=True)
class DeliveryReport:
    """What the network says became of a message we sent."""

    provider_id: str  # the provider's id for the message ("" if it only echoes ours)
    reference: str  # our SMSMessage.reference ("" if the provider does not echo it)
    status: str  # "delivered" | "failed" | "pending"
    detail: str = ""  # the provider's own words, for the operators

    DELIVERED = "delivered"
    FAILED = "failed"
    PENDING = "pending"


class WebhookError(Exception):
    """A webhook body that cannot be read: the view answers 400 and keeps nothing."""


class BaseSMSBackend:
    def __init__(self, **options):
        self.options = options

    def send_messages(self, messages: Sequence[SMSMessage]) -> list[SMSSent | SMSError]:
        """Send a batch; one outcome per message, in the same order. Must not raise for
        a single message's failure."""
        raise NotImplementedError

    # Webhooks are parsed by classmethods: a view needs no credentials or connection to
    # read what a provider posts, only the provider's format.

    @classmethod
    def parse_inbound(cls, request: "HttpRequest") -> list[InboundMessage]:
        """The SMS in an inbound-message webhook; WebhookError if the body is not one."""
        raise WebhookError("not supported")

    @classmethod
    def parse_delivery_reports(cls, request: "HttpRequest") -> list[DeliveryReport]:
        """The reports in a delivery-report webhook; WebhookError if the body is not one."""
        raise WebhookError("not supported")


def get_sms_backend(path: str | None = None, **options) -> BaseSMSBackend:
    backend_class = import_string(path or settings.SMS_BACKEND)
    return backend_class(**options)


def send_sms(to: str, text: str, *, reference: str = "") -> SMSSent:
    """Send one SMS now, raising SMSError if it did not go."""
    backend = get_sms_backend()
    (outcome,) = backend.send_messages([SMSMessage(to=to, text=text, reference=reference)])
    if isinstance(outcome, SMSError):
        raise outcome
    if not outcome.provider:
        outcome = replace(outcome, provider=getattr(backend, "provider", ""))
    return outcome


class ProviderFailure(Exception):
    """A failure that sinks a whole request (bad credentials, gateway down): each message
    of the request gets the same SMSError."""

    def __init__(self, detail: str, *, permanent: bool):
        super().__init__(detail)
        self.detail = detail
        self.permanent = permanent

    def for_message(self, message: SMSMessage) -> SMSError:
        return SMSError(self.detail, permanent=self.permanent, message=message)


class ProviderSettings:
    """A backend's configuration: its constructor options first (tests, several accounts),
    then Django settings, then the default."""

    def __init__(self, options: dict[str, Any]):
        self.options = options

    def get(self, option: str, setting: str, default: str = "") -> str:
        # An option given as "" means "none" (no sender name, say), not "use the setting".
        value = self.options.get(option)
        if value is None:
            value = getattr(settings, setting, None)
        return default if value is None or value == "" else str(value)

    def required(self, option: str, setting: str) -> str:
        value = self.get(option, setting)
        if not value:
            raise ImproperlyConfigured(f"{setting} is required for this SMS backend.")
        return value

    def integer(self, option: str, setting: str, default: int) -> int:
        value = self.get(option, setting, str(default))
        number = parse_positive_int(value)
        if number is None:
            raise ImproperlyConfigured(f"{setting}={value!r} is not a positive whole number.")
        return number


_PHONE_LIKE = re.compile(r"(?:tel:)?\+?\d[\d ]{6,}(\d{4})")


def scrub_numbers(text: str) -> str:
    """Provider error texts may quote the recipient: keep only its last four digits."""
    return _PHONE_LIKE.sub(lambda match: "…" + match.group(1), text)


def log_batch(logger: logging.Logger, provider: str, outcomes: Sequence[object]) -> None:
    """One line a batch (not a line a message: an alert may go to thousands)."""
    failures = [outcome for outcome in outcomes if isinstance(outcome, SMSError)]
    permanent = sum(failure.permanent for failure in failures)
    logger.info(
        "%s: %d sent, %d failed (%d permanently)",
        provider,
        len(outcomes) - len(failures),
        len(failures),
        permanent,
    )
    if failures:
        logger.warning("%s: first failure: %s", provider, failures[0].detail)


def normalise_phone(raw: str, *, region: str = DEFAULT_REGION) -> str:
    """E.164 with its '+' from what providers write: '+225…', '225…', '00225…', 'tel:+225…'
    or a national '07…'. ValueError if it cannot be a phone number."""
    if not isinstance(raw, str):
        raise ValueError("a phone number must be a string")
    number = raw.strip().removeprefix("tel:").strip()
    if number.startswith("00"):
        number = "+" + number[2:]
    try:
        # Without '+', phonenumbers still recognises a leading country code (225…).
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number") from None
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError("not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(number: str) -> str:
    """For logs: members' numbers are personal data, the last four digits are enough to
    match a log line to a support request."""
    digits = "".join(char for char in str(number) if char.isdigit())
    return "…" + digits[-4:] if len(digits) > 4 else "…"


def _read_body(request: "HttpRequest", content_type: str) -> str:
    """The request's body as text, if it has the expected content type and a sane size."""
    if request.content_type != content_type:
        raise WebhookError(f"expected {content_type}, got {request.content_type or 'nothing'}")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise WebhookError("invalid Content-Length") from None
    if declared > MAX_WEBHOOK_BYTES:
        raise WebhookError("body too large")
    try:
        body = request.body
    except (RequestDataTooBig, RawPostDataException, OSError):
        raise WebhookError("unreadable body") from None
    if len(body) > MAX_WEBHOOK_BYTES:
        raise WebhookError("body too large")
    # Django keeps a declared charset only if Python knows it; none declared means UTF-8.
    try:
        return body.decode(_charset(request))
    except UnicodeDecodeError:
        raise WebhookError(f"body is not valid {_charset(request)}") from None


def _charset(request: "HttpRequest") -> str:
    return request.encoding or "utf-8"


def read_json_body(request: "HttpRequest") -> dict[str, Any]:
    """The JSON object a provider posted; WebhookError for anything else."""
    text = _read_body(request, "application/json")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise WebhookError("invalid JSON") from None
    if not isinstance(data, dict):
        raise WebhookError("the JSON body is not an object")
    return data


def read_form_body(request: "HttpRequest") -> dict[str, str]:
    """The fields of a form a provider posted (the first value of each)."""
    text = _read_body(request, "application/x-www-form-urlencoded")
    try:
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            encoding=_charset(request),
            errors="strict",
            max_num_fields=100,
        )
    except (ValueError, UnicodeDecodeError):
        raise WebhookError("invalid form body") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


# Control characters (NUL among them: PostgreSQL refuses it in text) and lone surrogates
# (JSON can write "\ud800", UTF-8 cannot encode it): a column cannot keep them.
_UNSTORABLE = {"Cc", "Cs"}


def storable_text(value: str) -> str:
    """The text without what a database refuses, line breaks kept (as \n): a member's
    alert must never be lost because their phone added a stray byte."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        char for char in value if char == "\n" or unicodedata.category(char) not in _UNSTORABLE
    )


def required_str(data: dict[str, Any], name: str, *, allow_empty: bool = False) -> str:
    """A string field of a provider's body, storable (see storable_text)."""
    value = data.get(name)
    if not isinstance(value, str):
        raise WebhookError(f"missing or invalid field {name!r}")
    value = storable_text(value)
    if not allow_empty and not value.strip():
        raise WebhookError(f"empty field {name!r}")
    return value


def optional_str(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    return storable_text(value).strip() if isinstance(value, str) else ""


def webhook_id(data: dict[str, Any], name: str) -> str:
    """A provider's message id, as the key that makes a second delivery of the same
    message do nothing: without whitespace (" abc" is "abc"), and bounded: a longer id is
    replaced by its hash, so that the same long id still finds its first copy."""
    value = "".join(required_str(data, name).split())
    if len(value) > PROVIDER_ID_MAX_LENGTH:
        value = "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()
    return value


def webhook_phone(value: str, name: str) -> str:
    try:
        return normalise_phone(value)
    except ValueError:
        raise WebhookError(f"{name!r} is not a phone number") from None


def parse_timestamp(value: object) -> datetime:
    """When a provider says a message arrived. A message matters more than its timestamp:
    an absent or unreadable date is replaced by now rather than losing the message. A date
    without a time zone is UTC, which is also Abidjan's time."""
    if value is None or value == "":
        return timezone.now()
    if not isinstance(value, str):
        raise WebhookError("the date is not a string")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return timezone.now()
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return moment
