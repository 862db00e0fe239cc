"""Firebase Cloud Messaging for the native apps, over the HTTP v1 API.

A message is one POST to `<FCM_ENDPOINT>/v1/projects/<project>/messages:send` with an
OAuth 2.0 access token. The token comes from Google's token URI in exchange for a JWT
that we sign (RS256) with the service account's private key (RFC 7523, "JWT bearer"
grant); it lasts an hour and is kept until shortly before it expires, for every batch
of the worker. A 401 means the token is no longer accepted: a new one is fetched once
and the message sent again.

`send_fcm` sends a batch and reports one result per message, like push.send_push (the
same PushStatus): ok, gone (the app was uninstalled or the token is not a valid one: the
caller deletes the registration), transient (429, 5xx, the network: retry, after the
Retry-After if the answer had one) or permanent.

Settings: FCM_PROJECT_ID (defaults to the service account's project), FCM_SERVICE_ACCOUNT
(the path of the service account's JSON key file, or that JSON itself), FCM_ENDPOINT and
FCM_TOKEN_URI (Google's, unless a test points them at its fake). Without a service
account, `configured()` is False and the senders skip native pushes.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from requests.adapters import HTTPAdapter

from monquartier.outbox.models import FCMRegistration
from monquartier.outbox.push import DEFAULT_TTL_SECONDS, PushOutcome, PushStatus, encode_payload

logger = logging.getLogger(__name__)

DEFAULT_ENDPOINT = "https://fcm.googleapis.com"
DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105  # nosec B105 # a URL
SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# Google accepts assertions valid for an hour at most.
ASSERTION_LIFETIME = 3600
# An access token is renewed this long before Google says it expires.
EXPIRY_MARGIN = 120
# FCM refuses messages over 4,096 bytes; the rest of the message takes a few hundred.
MAX_DATA_BYTES = 3000
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
DEFAULT_WORKERS = 8
# FCM's error codes that say the token will never work again.
_GONE_CODES = {"UNREGISTERED", "SENDER_ID_MISMATCH"}


class FCMError(Exception):
    """The access token could not be had; `transient` says whether to try again."""

    def __init__(self, detail: str, *, transient: bool) -> None:
        super().__init__(detail)
        self.transient = transient


@dataclass(frozen=True)
class ServiceAccount:
    client_email: str
    private_key: rsa.RSAPrivateKey
    private_key_id: str
    project_id: str
    token_uri: str


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _service_account_info() -> dict[str, Any] | None:
    value = getattr(settings, "FCM_SERVICE_ACCOUNT", "") or ""
    if isinstance(value, dict):
        return value
    value = value.strip()
    if not value:
        return None
    if value.startswith("{"):
        text = value
    else:
        try:
            text = Path(value).read_text()
        except OSError as error:
            raise ImproperlyConfigured(
                f"FCM_SERVICE_ACCOUNT: cannot read {value}: {error}"
            ) from error
    try:
        info = json.loads(text)
    except ValueError as error:
        raise ImproperlyConfigured("FCM_SERVICE_ACCOUNT is not a service account's JSON") from error
    if not isinstance(info, dict):
        raise ImproperlyConfigured("FCM_SERVICE_ACCOUNT is not a service account's JSON")
    return info


_accounts: dict[str, ServiceAccount] = {}


def service_account() -> ServiceAccount | None:
    """The service account of the settings, or None when there is none."""
    info = _service_account_info()
    if info is None:
        return None
    key = json.dumps(info, sort_keys=True)
    if key in _accounts:
        return _accounts[key]
    try:
        private_key = serialization.load_pem_private_key(
            str(info["private_key"]).encode(), password=None
        )
        client_email = str(info["client_email"])
    except (KeyError, ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            f"FCM_SERVICE_ACCOUNT lacks a readable client_email or private_key: {error}"
        ) from error
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise ImproperlyConfigured("FCM_SERVICE_ACCOUNT's private key must be an RSA key")
    account = ServiceAccount(
        client_email=client_email,
        private_key=private_key,
        private_key_id=str(info.get("private_key_id") or ""),
        project_id=str(info.get("project_id") or ""),
        token_uri=str(info.get("token_uri") or ""),
    )
    _accounts.clear()  # one account at a time; a test changing the setting starts anew
    _accounts[key] = account
    return account


def project_id(account: ServiceAccount) -> str:
    project = getattr(settings, "FCM_PROJECT_ID", "") or account.project_id
    if not project:
        raise ImproperlyConfigured("FCM_PROJECT_ID is not set and the service account names none")
    return project


def token_uri(account: ServiceAccount) -> str:
    return getattr(settings, "FCM_TOKEN_URI", "") or account.token_uri or DEFAULT_TOKEN_URI


def configured() -> bool:
    """Whether native pushes can go: a service account (and so a project) is set."""
    return bool(getattr(settings, "FCM_SERVICE_ACCOUNT", ""))


def signed_assertion(account: ServiceAccount, audience: str, *, now: int | None = None) -> str:
    """The JWT (RS256) that Google trades for an access token."""
    issued = int(time.time()) if now is None else now
    header = {"alg": "RS256", "typ": "JWT"}
    if account.private_key_id:
        header["kid"] = account.private_key_id
    claims = {
        "iss": account.client_email,
        "sub": account.client_email,
        "scope": SCOPE,
        "aud": audience,
        "iat": issued,
        "exp": issued + ASSERTION_LIFETIME,
    }
    signing_input = (
        _b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64url(json.dumps(claims, separators=(",", ":")).encode())
    )
    signature = account.private_key.sign(
        signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256()
    )
    return signing_input + "." + _b64url(signature)


class _TokenCache:
    """The access token of each (account, token URI), until shortly before it expires.
    Shared by the worker's threads and batches."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}

    def get(self, session: requests.Session, account: ServiceAccount, *, renew: str = "") -> str:
        """The cached token; a new one if none, if it expired, or if it is `renew` (the
        token a 401 refused: another thread may already have replaced it)."""
        key = (account.client_email, token_uri(account))
        with self._lock:
            cached = self._tokens.get(key)
            if cached and cached[1] > time.monotonic() and cached[0] != renew:
                return cached[0]
            token, lifetime = _fetch_access_token(session, account, key[1])
            self._tokens[key] = (token, time.monotonic() + max(lifetime - EXPIRY_MARGIN, 0))
            return token

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()


access_tokens = _TokenCache()


def _fetch_access_token(
    session: requests.Session, account: ServiceAccount, uri: str
) -> tuple[str, int]:
    assertion = signed_assertion(account, uri)
    try:
        response = session.post(
            uri,
            data={"grant_type": JWT_BEARER, "assertion": assertion},
            timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
        )
    except requests.RequestException as error:
        raise FCMError(f"token: {type(error).__name__}: {error}"[:300], transient=True) from error
    if response.status_code != 200:
        transient = response.status_code == 429 or response.status_code >= 500
        raise FCMError(
            f"token: {response.status_code} {response.text[:200]}".strip(), transient=transient
        )
    try:
        data = response.json()
        token = str(data["access_token"])
        lifetime = int(data.get("expires_in", 3600))
    except (ValueError, KeyError, TypeError) as error:
        raise FCMError(f"token: unreadable answer: {error}", transient=True) from error
    logger.info("FCM access token obtained for %s, valid %s s", account.client_email, lifetime)
    return token, lifetime


@dataclass
class FCMMessage:
    registration: FCMRegistration
    payload: dict[str, Any]  # as for web push: title, body, url, tag, maybe icon


@dataclass
class FCMResult(PushOutcome):
    registration: FCMRegistration
    status: PushStatus
    detail: str = ""
    status_code: int | None = None
    retry_after: str | None = None


def message_body(token: str, payload: dict[str, Any], ttl: int) -> dict[str, Any]:
    """The v1 message: the title and body as a notification the phone shows by itself
    (the app may be closed), the rest (url, tag, icon) as data for the app, all strings as
    FCM requires. Title and body are shortened as for web push, once: FCM counts the
    notification and the data together against its 4,096 bytes."""
    shortened = json.loads(encode_payload(payload, limit=MAX_DATA_BYTES))
    fields = {str(key): str(value) for key, value in shortened.items() if value is not None}
    title, body = fields.pop("title", ""), fields.pop("body", "")
    data = fields
    tag = data.get("tag", "")
    android: dict[str, Any] = {"priority": "high", "ttl": f"{ttl}s"}
    apns: dict[str, Any] = {
        "headers": {"apns-priority": "10", "apns-expiration": str(int(time.time()) + ttl)}
    }
    if tag:
        # A newer message with the same tag replaces the one still shown.
        android["collapse_key"] = tag
        android["notification"] = {"tag": tag}
        apns["headers"]["apns-collapse-id"] = tag[:64]
    return {
        "message": {
            "token": token,
            "notification": {"title": title, "body": body},
            "data": data,
            "android": android,
            "apns": apns,
        }
    }


def _error_of(response: requests.Response) -> tuple[str, set[str], bool]:
    """(the error's status, FCM's error codes, whether a field violation names the token)."""
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        return "", set(), False
    if not isinstance(error, dict):
        return "", set(), False
    codes: set[str] = set()
    on_token = False
    for detail in error.get("details") or []:
        if not isinstance(detail, dict):
            continue
        if detail.get("errorCode"):
            codes.add(str(detail["errorCode"]))
        for violation in detail.get("fieldViolations") or []:
            if isinstance(violation, dict) and "token" in str(violation.get("field", "")):
                on_token = True
    message = str(error.get("message") or "").lower()
    if "registration token" in message:
        on_token = True
    return str(error.get("status") or ""), codes, on_token


def classify(registration: FCMRegistration, response: requests.Response) -> FCMResult:
    code = response.status_code
    detail = f"FCM {code} {response.reason or ''}".strip()
    if code != 200 and response.text:
        detail = f"{detail}: {response.text.strip()[:200]}"
    retry_after = response.headers.get("Retry-After")
    if code == 200:
        return FCMResult(registration, PushStatus.OK, "", code)
    status, codes, on_token = _error_of(response)
    invalid_token = code == 400 and on_token and "INVALID_ARGUMENT" in codes | {status}
    if code == 404 or codes & _GONE_CODES or status == "NOT_FOUND" or invalid_token:
        verdict = PushStatus.GONE
    elif code in (429, 401) or code >= 500:
        verdict = PushStatus.TRANSIENT
    else:
        verdict = PushStatus.PERMANENT
    return FCMResult(registration, verdict, detail, code, retry_after)


def _endpoint(project: str) -> str:
    base = (getattr(settings, "FCM_ENDPOINT", "") or DEFAULT_ENDPOINT).rstrip("/")
    return f"{base}/v1/projects/{project}/messages:send"


def _send_one(
    session: requests.Session,
    account: ServiceAccount,
    url: str,
    message: FCMMessage,
    ttl: int,
) -> FCMResult:
    registration = message.registration
    try:
        body = json.dumps(message_body(registration.token, message.payload, ttl)).encode()
    except (TypeError, ValueError) as error:
        return FCMResult(registration, PushStatus.PERMANENT, f"payload: {error}"[:300])
    renewed = False
    bearer = ""
    while True:
        try:
            bearer = access_tokens.get(session, account, renew=bearer if renewed else "")
            response = session.post(
                url,
                data=body,
                headers={
                    "Authorization": f"Bearer {bearer}",
                    "Content-Type": "application/json; charset=utf-8",
                },
                timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
            )
        except FCMError as error:
            status = PushStatus.TRANSIENT if error.transient else PushStatus.PERMANENT
            return FCMResult(registration, status, str(error)[:300])
        except requests.RequestException as error:
            return FCMResult(
                registration, PushStatus.TRANSIENT, f"{type(error).__name__}: {error}"[:300]
            )
        if response.status_code == 401 and not renewed:
            # The token was revoked or expired early: a new one, once.
            renewed = True
            continue
        return classify(registration, response)


def send_fcm(
    messages: Sequence[FCMMessage], *, ttl: int | None = None, workers: int = DEFAULT_WORKERS
) -> list[FCMResult]:
    """Send each message; one result per message, in order. The caller has checked
    `configured()`."""
    if not messages:
        return []
    account = service_account()
    if account is None:
        raise ImproperlyConfigured("FCM_SERVICE_ACCOUNT is not set")
    url = _endpoint(project_id(account))
    if ttl is None:
        ttl = int(getattr(settings, "PUSH_TTL_SECONDS", DEFAULT_TTL_SECONDS))
    pool_size = max(1, min(workers, len(messages)))
    with (
        requests.Session() as session,
        ThreadPoolExecutor(max_workers=pool_size, thread_name_prefix="fcm") as pool,
    ):
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=pool_size)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        results = list(
            pool.map(lambda message: _send_one(session, account, url, message, ttl), messages)
        )
    if logger.isEnabledFor(logging.INFO):
        counts = dict.fromkeys(PushStatus, 0)
        for result in results:
            counts[result.status] += 1
        logger.info(
            "FCM batch: %d messages, %s",
            len(results),
            ", ".join(f"{status.value} {count}" for status, count in counts.items() if count),
        )
    return results
