"""Africa's Talking bulk SMS (africastalking.com, "SMS > Bulk").

One request carries one text to up to 1,000 recipients, which is how an alert's SMS go
out: the batch is grouped by text, and each request's answer lists one status per
recipient, mapped back to our messages by number.

Unlike Orange, Africa's Talking has no idempotency key: a request that timed out may have
been sent, and trying again may send a second SMS. A timeout is still transient, as a
member who gets an alert twice is better off than one who never gets it.
"""

import logging
from collections.abc import Iterator, Sequence
from typing import Any

import requests
from django.http import HttpRequest

from monquartier.outbox.sms.base import (
    BaseSMSBackend,
    DeliveryReport,
    InboundMessage,
    ProviderFailure,
    ProviderSettings,
    SMSError,
    SMSMessage,
    SMSSent,
    log_batch,
    normalise_phone,
    optional_str,
    parse_timestamp,
    read_form_body,
    required_str,
    scrub_numbers,
    webhook_id,
    webhook_phone,
)
from monquartier.outbox.sms.gsm7 import to_gsm7

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.africastalking.com/version1/messaging"
SANDBOX_API_URL = "https://api.sandbox.africastalking.com/version1/messaging"
MAX_RECIPIENTS = 1000  # per request, Africa's Talking's limit
# Seconds to connect, then to read: a request for 1,000 recipients takes a while.
TIMEOUT = (5, 30)

SENT_CODES = {100, 101, 102}  # Processed, Sent, Queued
# Final for this number (or this sender id): trying again cannot help.
PERMANENT_CODES = {
    401,  # RiskHold: held by Africa's Talking's fraud checks
    402,  # InvalidSenderId
    403,  # InvalidPhoneNumber
    404,  # UnsupportedNumberType
    406,  # UserInBlacklist: the member opted out of this sender
    409,  # DoNotDisturbRejection: the member's line refuses such messages
}
# Everything else is transient: 405 InsufficientBalance (top up, then it goes), 407
# CouldNotRoute, 500 InternalServerError, 501 GatewayError, 502 RejectedByGateway, and
# codes we do not know.

DELIVERY_STATUSES = {
    "Success": DeliveryReport.DELIVERED,
    "Rejected": DeliveryReport.FAILED,
    "Failed": DeliveryReport.FAILED,
    "AbsentSubscriber": DeliveryReport.FAILED,
    "Expired": DeliveryReport.FAILED,
    # Sent, Submitted, Buffered: on the way.
}

Recipients = list[tuple[int, str]]  # (index in the batch, E.164 number)


class AfricasTalkingSMSBackend(BaseSMSBackend):
    provider = "africastalking"

    def __init__(self, **options):
        super().__init__(**options)
        config = ProviderSettings(options)
        self.username = config.required("username", "AFRICASTALKING_USERNAME")
        self.api_key = config.required("api_key", "AFRICASTALKING_API_KEY")
        self.sender_id = config.get("sender_id", "AFRICASTALKING_SENDER_ID", "")
        # The "sandbox" account only exists on the sandbox API (as in Africa's Talking's SDKs).
        default_url = SANDBOX_API_URL if self.username == "sandbox" else DEFAULT_API_URL
        self.api_url = config.get("api_url", "AFRICASTALKING_API_URL", default_url)
        self.timeout = options.get("timeout", TIMEOUT)
        self.transliterate = options.get("gsm7", True)
        self.session = requests.Session()  # keep-alive across the batch's requests

    def close(self) -> None:
        self.session.close()

    def send_messages(self, messages: Sequence[SMSMessage]) -> list[SMSSent | SMSError]:
        outcomes: dict[int, SMSSent | SMSError] = {}
        by_text: dict[str, Recipients] = {}
        for index, message in enumerate(messages):
            try:
                number = normalise_phone(message.to)
            except ValueError:
                outcomes[index] = SMSError("invalid phone number", permanent=True, message=message)
                continue
            text = to_gsm7(message.text) if self.transliterate else message.text
            by_text.setdefault(text, []).append((index, number))
        for text, recipients in by_text.items():
            for batch in _requests(recipients):
                try:
                    outcomes.update(self._send_request(text, batch, messages))
                except ProviderFailure as failure:
                    outcomes.update((i, failure.for_message(messages[i])) for i, _ in batch)
                except Exception:
                    # A bug of ours must not lose the batch: log it, try again later.
                    logger.exception("Unexpected error sending SMS through Africa's Talking")
                    unexpected = ProviderFailure("unexpected error", permanent=False)
                    outcomes.update((i, unexpected.for_message(messages[i])) for i, _ in batch)
        ordered = [outcomes[index] for index in range(len(messages))]
        log_batch(logger, "Africa's Talking", ordered)
        return ordered

    def _send_request(
        self, text: str, batch: Recipients, messages: Sequence[SMSMessage]
    ) -> dict[int, SMSSent | SMSError]:
        form = {
            "username": self.username,
            "to": ",".join(number for _, number in batch),
            "message": text,
            "bulkSMSMode": "1",
        }
        if self.sender_id:
            form["from"] = self.sender_id
        headers = {"apiKey": self.api_key, "Accept": "application/json"}
        try:
            response = self.session.post(
                self.api_url, data=form, headers=headers, timeout=self.timeout
            )
        except requests.Timeout:
            raise ProviderFailure(
                "Africa's Talking did not answer in time", permanent=False
            ) from None
        except requests.RequestException:
            raise ProviderFailure("could not reach Africa's Talking", permanent=False) from None
        entries = _recipients(response)
        outcomes: dict[int, SMSSent | SMSError] = {}
        for index, number in batch:
            message = messages[index]
            # A request never holds a number twice (see _requests), so the number names
            # the message; a number missing from the answer is tried again later.
            entry = entries.get(number)
            if entry is None:
                outcomes[index] = SMSError(
                    "missing from Africa's Talking's answer", permanent=False, message=message
                )
            else:
                outcomes[index] = _outcome(entry, message)
        return outcomes

    @classmethod
    def parse_inbound(cls, request: HttpRequest) -> list[InboundMessage]:
        fields = read_form_body(request)
        return [
            InboundMessage(
                provider_message_id=webhook_id(fields, "id"),
                sender=webhook_phone(required_str(fields, "from"), "from"),
                text=required_str(fields, "text", allow_empty=True),
                received_at=parse_timestamp(fields.get("date")),
            )
        ]

    @classmethod
    def parse_delivery_reports(cls, request: HttpRequest) -> list[DeliveryReport]:
        fields = read_form_body(request)
        webhook_phone(required_str(fields, "phoneNumber"), "phoneNumber")  # a sanity check
        status = required_str(fields, "status")
        reason = optional_str(fields, "failureReason")
        return [
            DeliveryReport(
                provider_id=webhook_id(fields, "id"),
                reference="",  # Africa's Talking does not echo anything of ours
                status=DELIVERY_STATUSES.get(status, DeliveryReport.PENDING),
                detail=f"{status} ({reason})" if reason else status,
            )
        ]


def _requests(recipients: Recipients) -> Iterator[Recipients]:
    """Recipients of one text cut into requests of at most MAX_RECIPIENTS, where no number
    appears twice: the answer is matched by number, and Africa's Talking may merge
    duplicates. The n-th message to a number goes in the n-th round of requests."""
    rounds: list[Recipients] = []
    seen: dict[str, int] = {}
    for index, number in recipients:
        occurrence = seen.get(number, 0)
        seen[number] = occurrence + 1
        if occurrence == len(rounds):
            rounds.append([])
        rounds[occurrence].append((index, number))
    for round_ in rounds:
        for start in range(0, len(round_), MAX_RECIPIENTS):
            yield round_[start : start + MAX_RECIPIENTS]


def _recipients(response: requests.Response) -> dict[str, dict[str, Any]]:
    """The answer's recipients by E.164 number, or a ProviderFailure for the request."""
    status = response.status_code
    if status in (400, 401, 403):
        # 401/403: a wrong API key or username; 400: a request refused as malformed (an
        # unknown sender id, say). The same request would be refused again.
        detail = scrub_numbers(response.text.strip())[:300] or f"HTTP {status}"
        raise ProviderFailure(f"Africa's Talking refused the request: {detail}", permanent=True)
    if not 200 <= status < 300:
        raise ProviderFailure(f"Africa's Talking answered HTTP {status}", permanent=False)
    try:
        entries = response.json()["SMSMessageData"]["Recipients"]
    except (ValueError, KeyError, TypeError):
        entries = None
    if not isinstance(entries, list):
        # Perhaps sent, perhaps not: trying again risks a duplicate, not a lost alert.
        raise ProviderFailure("unreadable answer from Africa's Talking", permanent=False)
    by_number: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        try:
            by_number.setdefault(normalise_phone(entry["number"]), entry)
        except (KeyError, TypeError, ValueError):
            continue
    return by_number


def _outcome(entry: dict[str, Any], message: SMSMessage) -> SMSSent | SMSError:
    try:
        code = int(entry["statusCode"])
    except (KeyError, TypeError, ValueError):
        code = None
    if code in SENT_CODES:
        message_id = entry.get("messageId")
        provider_id = str(message_id) if message_id not in (None, "", "None") else ""
        return SMSSent(message=message, provider_id=provider_id)
    status = entry.get("status") or f"status code {code}"
    return SMSError(
        f"Africa's Talking: {status}", permanent=code in PERMANENT_CODES, message=message
    )
