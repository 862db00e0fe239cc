"""Orange SMS API, as sold in Côte d'Ivoire (developer.orange.com, "SMS Côte d'Ivoire").

OAuth2 client credentials give a bearer token (an hour's validity), kept in Django's cache
so every worker process shares it. The API takes one message per request, so a batch is
sent by a small thread pool over one keep-alive session.

Outcomes: 201 is sent; 400 (invalid address, SVCxxxx service or POLxxxx policy error) is
permanent; 401 even with a fresh token and 403 are permanent too, because they mean a
misconfiguration (credentials, contract, exhausted bundle, unapproved sender name) that no
retry fixes: an operator must act, and the errors say so. 429, 5xx, timeouts and
connection errors are transient.
"""

import hashlib
import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import requests
from django.core.cache import cache
from django.http import HttpRequest
from requests.adapters import HTTPAdapter

from monquartier.outbox.sms.base import (
    BaseSMSBackend,
    DeliveryReport,
    InboundMessage,
    ProviderFailure,
    ProviderSettings,
    SMSError,
    SMSMessage,
    SMSSent,
    WebhookError,
    log_batch,
    mask_phone,
    normalise_phone,
    parse_timestamp,
    read_json_body,
    required_str,
    scrub_numbers,
    webhook_id,
    webhook_phone,
)
from monquartier.outbox.sms.gsm7 import to_gsm7

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.orange.com"
TIMEOUT = (5, 15)  # seconds: to connect, then to read the answer
DEFAULT_THREADS = 8
# A token is dropped from the cache this long before Orange says it expires, so a request
# never leaves with a token that dies on the way.
TOKEN_MARGIN = 60

# Orange's refusals by HTTP status: what to tell the operators, and whether it is final.
REFUSALS = {
    400: ("Orange refused the message", True),
    401: ("Orange refused our credentials even with a fresh token", True),
    403: ("Orange refused access (contract, SMS bundle or sender name?)", True),
    429: ("Orange is throttling us", False),
}

DELIVERY_STATUSES = {
    "DeliveredToTerminal": DeliveryReport.DELIVERED,
    "DeliveryImpossible": DeliveryReport.FAILED,
    # DeliveredToNetwork, MessageWaiting, DeliveryUncertain,
    # DeliveryNotificationNotSupported: not final, or not known to be.
}


class OrangeSMSBackend(BaseSMSBackend):
    provider = "orange"

    def __init__(self, **options):
        super().__init__(**options)
        config = ProviderSettings(options)
        self.api_url = config.get("api_url", "ORANGE_SMS_API_URL", DEFAULT_API_URL).rstrip("/")
        self.client_id = config.required("client_id", "ORANGE_SMS_CLIENT_ID")
        self.client_secret = config.required("client_secret", "ORANGE_SMS_CLIENT_SECRET")
        self.sender_address = _tel(config.required("sender_address", "ORANGE_SMS_SENDER_ADDRESS"))
        sender_in_url = quote(self.sender_address, safe="")  # tel%3A%2B2250000
        self.send_url = f"{self.api_url}/smsmessaging/v1/outbound/{sender_in_url}/requests"
        self.sender_name = config.get("sender_name", "ORANGE_SMS_SENDER_NAME", "")
        self.notify_url = config.get("notify_url", "ORANGE_SMS_NOTIFY_URL", "")
        self.threads = config.integer("threads", "ORANGE_SMS_THREADS", DEFAULT_THREADS)
        self.timeout = options.get("timeout", TIMEOUT)
        self.transliterate = options.get("gsm7", True)
        self.session = requests.Session()
        # One pooled connection per thread, all kept alive for the whole batch.
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=self.threads)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self._token: str | None = None
        self._token_lock = threading.Lock()
        fingerprint = hashlib.sha256(f"{self.api_url}|{self.client_id}".encode()).hexdigest()
        self._cache_key = f"sms:orange:token:{fingerprint[:24]}"

    def close(self) -> None:
        self.session.close()

    def send_messages(self, messages: Sequence[SMSMessage]) -> list[SMSSent | SMSError]:
        if not messages:
            return []
        try:
            # Read (or fetched) once a batch from the cache shared by all processes, up
            # front, so that the threads do not all ask for a token at once.
            self._token = None
            self._current_token()
        except ProviderFailure as failure:
            logger.warning("Orange: no token, %d SMS not sent: %s", len(messages), failure)
            return [failure.for_message(message) for message in messages]
        if self.threads == 1 or len(messages) == 1:
            outcomes = [self._send_safely(message) for message in messages]
        else:
            workers = min(self.threads, len(messages))
            with ThreadPoolExecutor(workers, thread_name_prefix="orange-sms") as pool:
                outcomes = list(pool.map(self._send_safely, messages))
        log_batch(logger, "Orange", outcomes)
        return outcomes

    def _send_safely(self, message: SMSMessage) -> SMSSent | SMSError:
        """One message's outcome; never raises, so one failure cannot sink the batch."""
        try:
            return self._send_one(message)
        except ProviderFailure as failure:
            return failure.for_message(message)
        except requests.Timeout:
            return SMSError("Orange did not answer in time", permanent=False, message=message)
        except requests.ConnectionError:
            return SMSError("could not reach Orange", permanent=False, message=message)
        except Exception:
            logger.exception("Unexpected error sending an SMS to %s", mask_phone(message.to))
            return SMSError("unexpected error", permanent=False, message=message)

    def _send_one(self, message: SMSMessage) -> SMSSent | SMSError:
        try:
            address = "tel:" + normalise_phone(message.to)
        except ValueError:
            return SMSError("invalid phone number", permanent=True, message=message)
        payload = {"outboundSMSMessageRequest": self._request_body(message, address)}
        token = self._current_token()
        response = self._post_message(payload, token)
        if response.status_code == 401:
            # The token expired early or was revoked: try once more with a fresh one.
            response = self._post_message(payload, self._refresh_token(token))
        return _outcome(message, response)

    def _request_body(self, message: SMSMessage, address: str) -> dict[str, Any]:
        text = to_gsm7(message.text) if self.transliterate else message.text
        body: dict[str, Any] = {
            "address": address,
            "senderAddress": self.sender_address,
            "outboundSMSTextMessage": {"message": text},
        }
        if self.sender_name:
            body["senderName"] = self.sender_name
        if message.reference:
            # Orange keeps the clientCorrelator of the requests it accepted: sending the same
            # one again (a retry after a timeout whose request did arrive) is acknowledged
            # without a second SMS. So our reference makes retries idempotent.
            body["clientCorrelator"] = message.reference
            if self.notify_url:
                body["receiptRequest"] = {
                    "notifyURL": self.notify_url,
                    "callbackData": message.reference,
                }
        return body

    def _post_message(self, payload: dict[str, Any], token: str) -> requests.Response:
        return self.session.post(
            self.send_url,
            json=payload,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=self.timeout,
        )

    def _current_token(self) -> str:
        with self._token_lock:
            if self._token is None:
                self._token = self._cached_token() or self._fetch_token()
            return self._token

    def _refresh_token(self, stale: str) -> str:
        with self._token_lock:
            # Another thread (or process) may already have replaced it: use theirs.
            if self._token in (None, stale):
                cached = self._cached_token()
                self._token = cached if cached and cached != stale else self._fetch_token()
            return self._token

    def _cached_token(self) -> str | None:
        try:
            return cache.get(self._cache_key)
        except Exception:  # the cache is an optimisation: SMS still go without it
            logger.warning("Orange: cannot read the token cache", exc_info=True)
            return None

    def _fetch_token(self) -> str:
        try:
            response = self.session.post(
                f"{self.api_url}/oauth/v3/token",
                auth=(self.client_id, self.client_secret),
                data={"grant_type": "client_credentials"},
                headers={"Accept": "application/json"},
                timeout=self.timeout,
            )
        except requests.RequestException:
            raise ProviderFailure("could not get an Orange token", permanent=False) from None
        if response.status_code in (400, 401, 403):
            raise ProviderFailure(
                f"Orange refused our client credentials: {error_text(response)}", permanent=True
            )
        data = _json(response)
        token = data.get("access_token")
        if response.status_code != 200 or not isinstance(token, str) or not token:
            raise ProviderFailure(
                f"Orange gave no token (HTTP {response.status_code})", permanent=False
            )
        try:
            lifetime = int(float(data.get("expires_in", 3600)))  # Orange sends "3600"
        except (TypeError, ValueError):
            lifetime = 0  # unknown: use it for this batch only
        if lifetime > TOKEN_MARGIN:
            try:
                cache.set(self._cache_key, token, timeout=lifetime - TOKEN_MARGIN)
            except Exception:
                logger.warning("Orange: cannot write the token cache", exc_info=True)
        return token

    @classmethod
    def parse_inbound(cls, request: HttpRequest) -> list[InboundMessage]:
        notification = _object(read_json_body(request), "inboundSMSMessageNotification")
        return [
            InboundMessage(
                provider_message_id=webhook_id(item, "messageId"),
                sender=webhook_phone(required_str(item, "senderAddress"), "senderAddress"),
                text=required_str(item, "message", allow_empty=True),
                received_at=parse_timestamp(item.get("dateTime")),
            )
            for item in _objects(notification, "inboundSMSMessage")
        ]

    @classmethod
    def parse_delivery_reports(cls, request: HttpRequest) -> list[DeliveryReport]:
        notification = _object(read_json_body(request), "deliveryInfoNotification")
        reference = webhook_id(notification, "callbackData")
        reports = []
        for info in _objects(notification, "deliveryInfo"):
            webhook_phone(required_str(info, "address"), "address")  # a sanity check
            status = required_str(info, "deliveryStatus")
            reports.append(
                DeliveryReport(
                    provider_id="",  # Orange echoes our callbackData, not its own id
                    reference=reference,
                    status=DELIVERY_STATUSES.get(status, DeliveryReport.PENDING),
                    detail=status,
                )
            )
        return reports


def _outcome(message: SMSMessage, response: requests.Response) -> SMSSent | SMSError:
    status = response.status_code
    if status in (200, 201):
        return SMSSent(message=message, provider_id=_provider_id(response, message))
    # 5xx, and any answer we do not know: trying later is the safe bet.
    reason, permanent = REFUSALS.get(status, (f"Orange answered HTTP {status}", False))
    return SMSError(f"{reason}: {error_text(response)}", permanent=permanent, message=message)


def error_text(response: requests.Response) -> str:
    """Orange's explanation, short and without phone numbers: {"requestError":
    {"serviceException" or "policyException": {"messageId", "text", "variables"}}}, or
    from the API gateway (auth, throttling) {"code": 42, "message": "Expired credentials"}."""
    data = _json(response)
    request_error = data.get("requestError")
    text = ""
    if isinstance(request_error, dict):
        exception = request_error.get("serviceException") or request_error.get("policyException")
        if isinstance(exception, dict):
            text = f"{exception.get('messageId', '')}: {exception.get('text', '')}"
            variables = exception.get("variables") or []
            for position, value in enumerate(
                [variables] if isinstance(variables, str) else variables, 1
            ):
                text = text.replace(f"%{position}", str(value))
    elif "message" in data:
        text = f"{data.get('code', '')} {data['message']} {data.get('description', '')}"
    text = text.strip(": ") or response.text.strip() or f"HTTP {response.status_code}"
    return scrub_numbers(text)[:300]


def _json(response: requests.Response) -> dict[str, Any]:
    """The response's JSON object, or an empty one."""
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _tel(sender_address: str) -> str:
    """Orange wants the sender as tel:+225…; settings may say +225… or 225…"""
    number = sender_address.strip().removeprefix("tel:")
    return "tel:" + (number if number.startswith("+") else "+" + number)


def _provider_id(response: requests.Response, message: SMSMessage) -> str:
    """Orange's id is the last segment of the request's resourceURL."""
    request = _json(response).get("outboundSMSMessageRequest")
    request = request if isinstance(request, dict) else {}
    resource_url = request.get("resourceURL")
    if isinstance(resource_url, str) and resource_url.strip("/"):
        return resource_url.rstrip("/").rsplit("/", 1)[-1]
    correlator = request.get("clientCorrelator")
    return correlator if isinstance(correlator, str) and correlator else message.reference


def _object(data: dict[str, Any], name: str) -> dict[str, Any]:
    (value,) = _objects(data, name, many=False)
    return value


def _objects(data: dict[str, Any], name: str, many: bool = True) -> list[dict[str, Any]]:
    """A field holding an object (or, if many, a list of objects: Orange may batch)."""
    value = data.get(name)
    items = [value] if isinstance(value, dict) else value if many else None
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise WebhookError(f"missing or invalid {name!r}")
    return items
