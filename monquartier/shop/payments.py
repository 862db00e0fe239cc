"""The mobile-money aggregator's HTTP API, CinetPay's protocol (API v2).

- initialise: POST {api}/v2/payment with our keys, the transaction id, the amount in
  whole francs, the URLs; the answer holds the page (payment_url) where the customer
  picks Orange Money, MTN MoMo, Moov Money or Wave and approves on their phone.
- the aggregator POSTs a form to our notify_url, signed in the `x-token` header: the
  HMAC-SHA256, keyed with our secret key, of the fields below concatenated in this order.
- check: POST {api}/v2/payment/check; only its answer decides that an order is paid.

Every call has a timeout; a failure of the network or of the aggregator is a
PaymentUnavailable, which the callers turn into "the order waits" (never a 500).
"""

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings

logger = logging.getLogger(__name__)

TIMEOUT = (5, 15)  # connect, read: a 2G customer waits on our page meanwhile

# The notification's fields, in the order CinetPay concatenates them for the x-token.
SIGNED_FIELDS = (
    "cpm_site_id",
    "cpm_trans_id",
    "cpm_trans_date",
    "cpm_amount",
    "cpm_currency",
    "signature",
    "payment_method",
    "cel_phone_num",
    "cpm_phone_prefixe",
    "cpm_language",
    "cpm_version",
    "cpm_payment_config",
    "cpm_page_action",
    "cpm_custom",
    "cpm_designation",
    "cpm_error_message",
)

ACCEPTED = "ACCEPTED"
REFUSED = "REFUSED"
# Initialisation's success code, and the check's when the transaction is found.
CREATED_CODE = "201"
FOUND_CODE = "00"


class PaymentUnavailable(Exception):
    """The aggregator could not be reached or answered something we cannot use."""


@dataclass(frozen=True)
class Initialised:
    payment_token: str
    payment_url: str


@dataclass(frozen=True)
class Checked:
    status: str  # ACCEPTED, REFUSED, or a waiting status (WAITING_CUSTOMER_PAYMENT…)
    amount: int | None
    currency: str
    payment_method: str = ""


def sign(fields: dict[str, str], secret_key: str) -> str:
    message = "".join(str(fields.get(name, "")) for name in SIGNED_FIELDS)
    return hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()


def signature_is_valid(fields: dict[str, str], token: str, secret_key: str | None = None) -> bool:
    key = secret_key if secret_key is not None else settings.SHOP_PAYMENT_SECRET_KEY
    if not key or not token:
        return False
    return hmac.compare_digest(sign(fields, key), token.strip().lower())


def _post(path: str, payload: dict[str, Any]) -> dict[str, Any]:
    url = settings.SHOP_PAYMENT_API_URL.rstrip("/") + path
    try:
        response = requests.post(url, json=payload, timeout=TIMEOUT)
    except requests.RequestException as error:
        logger.warning("Payment aggregator unreachable (%s): %s", path, type(error).__name__)
        raise PaymentUnavailable(str(error)) from error
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        logger.warning(
            "Payment aggregator answered %s without JSON (%s)", response.status_code, path
        )
        raise PaymentUnavailable(f"HTTP {response.status_code}")
    return body


def _data(body: dict[str, Any]) -> dict[str, Any]:
    data = body.get("data")
    return data if isinstance(data, dict) else {}


def initialise(
    *,
    transaction_id: str,
    amount: int,
    description: str,
    notify_url: str,
    return_url: str,
    customer: dict[str, str],
) -> Initialised:
    body = _post(
        "/v2/payment",
        {
            "apikey": settings.SHOP_PAYMENT_API_KEY,
            "site_id": settings.SHOP_PAYMENT_SITE_ID,
            "transaction_id": transaction_id,
            "amount": int(amount),
            "currency": "XOF",
            "description": description,
            "notify_url": notify_url,
            "return_url": return_url,
            "channels": "MOBILE_MONEY",
            "lang": "fr",
            **customer,
        },
    )
    data = _data(body)
    token, url = str(data.get("payment_token") or ""), str(data.get("payment_url") or "")
    if (
        str(body.get("code")) != CREATED_CODE
        or not token
        or not url.startswith(("https://", "http://"))
    ):
        logger.warning(
            "Payment initialisation refused: %s %s", body.get("code"), body.get("message")
        )
        raise PaymentUnavailable(f"{body.get('code')} {body.get('message')}")
    return Initialised(payment_token=token, payment_url=url)


def check(transaction_id: str) -> Checked:
    body = _post(
        "/v2/payment/check",
        {
            "apikey": settings.SHOP_PAYMENT_API_KEY,
            "site_id": settings.SHOP_PAYMENT_SITE_ID,
            "transaction_id": transaction_id,
        },
    )
    data = _data(body)
    # Only a transaction's own status counts: an answer without one (refused keys, an
    # unknown transaction, an outage page) decides nothing.
    status = str(data.get("status") or "").upper()[:40]
    if not status:
        raise PaymentUnavailable(f"{body.get('code')} {body.get('message')} without a status")
    raw_amount = str(data.get("amount", "")).strip()
    # Whole francs only: "1500" or 1500; "1500.5" is no amount we could have asked.
    amount = int(raw_amount) if raw_amount.isdigit() and len(raw_amount) < 12 else None
    return Checked(
        status=status,
        amount=amount,
        currency=str(data.get("currency") or "")[:3],
        payment_method=str(data.get("payment_method") or "")[:40],
    )
