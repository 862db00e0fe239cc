"""Web push: small encrypted messages to members' browsers through their push services.

Each browser subscription names an endpoint at its vendor's push service (Google's FCM,
Mozilla's autopush, Apple…). A message is encrypted for that browser alone (RFC 8291,
aes128gcm) and the request is signed with our VAPID key (RFC 8292) so the push service
knows it comes from us.

`send_push` sends a batch: one VAPID signature per push-service origin, kept for the
next batches while it has hours to live (an ES256 JWT is valid for hours: signing once
per origin, not once per member, matters when an alert goes to a thousand neighbours), a
few threads. The HTTP connection pools and the threads live as long as the process: an
alert's pushes go out in many batches of the same worker, and each batch opening new
connections to the same push service cost a TCP (and, in production, TLS) handshake
per thread and batch. It reports one result per message and deletes nothing: the caller
decides what to do with subscriptions the push service says are gone.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import enum
import json
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from py_vapid import Vapid
from pywebpush import WebPusher, WebPushException
from requests.adapters import HTTPAdapter

from monquartier.outbox.models import PushSubscription

logger = logging.getLogger(__name__)

DEV_KEY_FILE_NAME = ".vapid-dev.json"
# Push services accept 4,096 bytes of encrypted body; aes128gcm adds 103 bytes.
MAX_PAYLOAD_BYTES = 3000
DEFAULT_TTL_SECONDS = 6 * 3600
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
DEFAULT_WORKERS = 8
# RFC 8292 allows up to 24 hours; a batch lasts seconds.
JWT_LIFETIME_SECONDS = 12 * 3600
# A kept signature is used while it has at least this long to live (then signed again).
JWT_MIN_REMAINING_SECONDS = 6 * 3600
# Push services a process keeps connection pools for.
POOLED_ORIGINS = 32
URGENCIES = ("very-low", "low", "normal", "high")
# RFC 8030 Topic: at most 32 characters of the base64url alphabet.
_TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_ELLIPSIS = "…"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding; raises ValueError on anything else."""
    if not isinstance(text, str) or not re.fullmatch(r"[A-Za-z0-9_-]*={0,2}", text):
        raise ValueError("not base64url")
    text = text.rstrip("=")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError("not base64url") from error


@lru_cache(maxsize=8)
def _load_vapid(private_key: str) -> Vapid:
    """Parse a private key once: PEM, base64url DER, or base64url raw 32 bytes."""
    text = private_key.strip()
    try:
        if "-----BEGIN" in text:
            key = serialization.load_pem_private_key(text.encode(), password=None)
            vapid = Vapid(key)
        else:
            vapid = Vapid.from_string(text)
    except Exception as error:
        raise ImproperlyConfigured(f"VAPID_PRIVATE_KEY cannot be read: {error}") from error
    if not isinstance(vapid.private_key, ec.EllipticCurvePrivateKey) or not isinstance(
        vapid.private_key.curve, ec.SECP256R1
    ):
        raise ImproperlyConfigured("VAPID_PRIVATE_KEY must be an ECDSA key on the P-256 curve.")
    return vapid


def _public_key_b64(vapid: Vapid) -> str:
    return _b64url(
        vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def dev_key_file() -> Path:
    return Path(settings.BASE_DIR) / DEV_KEY_FILE_NAME


def _dev_private_key() -> str:
    """The development key pair: made once, kept in a git-ignored file readable by its
    owner only, so the demo and the tests need no configuration. The web server and the
    worker may both start at once: the file appears whole or not at all (hard link)."""
    path = dev_key_file()
    if not path.exists():
        private = ec.generate_private_key(ec.SECP256R1())
        raw = private.private_numbers().private_value.to_bytes(32, "big")
        public = private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        content = json.dumps({"private_key": _b64url(raw), "public_key": _b64url(public)})
        descriptor, temporary = tempfile.mkstemp(prefix=".vapid-", dir=path.parent)
        try:
            os.fchmod(descriptor, 0o600)
            with os.fdopen(descriptor, "w") as file:
                file.write(content)
            with contextlib.suppress(FileExistsError):  # another process was first
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
        logger.info("Made a development VAPID key pair in %s", path)
    try:
        return json.loads(path.read_text())["private_key"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ImproperlyConfigured(
            f"{path} is unreadable: delete it and a new development key pair will be made "
            "(browsers then subscribe again)."
        ) from error


def vapid_keys() -> tuple[Vapid, str]:
    """(the private key as pywebpush takes it, the public key in base64url for browsers).

    From VAPID_PRIVATE_KEY (PEM, or base64url of the raw 32 bytes or of DER) and, to
    check it, VAPID_PUBLIC_KEY; without them, outside production, a development pair.
    """
    private_setting = getattr(settings, "VAPID_PRIVATE_KEY", "") or ""
    public_setting = (getattr(settings, "VAPID_PUBLIC_KEY", "") or "").strip()
    if private_setting:
        vapid = _load_vapid(private_setting)
    elif public_setting:
        raise ImproperlyConfigured("VAPID_PUBLIC_KEY is set but VAPID_PRIVATE_KEY is not.")
    elif getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured(
            "VAPID_PRIVATE_KEY and VAPID_PUBLIC_KEY are required in production "
            "(make a pair with `vapid --gen` or see docs/deployment.md)."
        )
    else:
        vapid = _load_vapid(_dev_private_key())
    public = _public_key_b64(vapid)
    if public_setting and public_setting.rstrip("=") != public:
        raise ImproperlyConfigured("VAPID_PUBLIC_KEY does not match VAPID_PRIVATE_KEY.")
    return vapid, public


def vapid_subject() -> str:
    """A contact for the push services' operators: VAPID_SUBJECT, or the sender address."""
    subject = getattr(settings, "VAPID_SUBJECT", "") or ""
    if not subject:
        address = parseaddr(getattr(settings, "DEFAULT_FROM_EMAIL", ""))[1]
        subject = f"mailto:{address}" if "@" in address else "mailto:admin@localhost"
    if not re.match(r"^(mailto:[^@\s]+@[^@\s]+|https://\S+)$", subject):
        raise ImproperlyConfigured("VAPID_SUBJECT must be mailto:address or an https:// URL.")
    return subject


@dataclass
class PushMessage:
    """What to show: payload has title, body, url, tag and optionally icon."""

    subscription: PushSubscription
    payload: dict[str, Any]


class PushStatus(enum.StrEnum):
    OK = "ok"
    GONE = "gone"  # the subscription no longer exists: delete it
    TRANSIENT = "transient"  # try again later
    PERMANENT = "permanent"  # this message will never go through as it is


class PushOutcome:
    """What a push service (web push, FCM: outbox/fcm.py) answered for one device."""

    status: PushStatus

    @property
    def ok(self) -> bool:
        return self.status is PushStatus.OK

    @property
    def gone(self) -> bool:
        return self.status is PushStatus.GONE

    @property
    def transient(self) -> bool:
        return self.status is PushStatus.TRANSIENT

    @property
    def permanent(self) -> bool:
        return self.status is PushStatus.PERMANENT


@dataclass
class PushResult(PushOutcome):
    subscription: PushSubscription
    status: PushStatus
    detail: str = ""
    status_code: int | None = None
    retry_after: str | None = None


def encode_payload(payload: dict[str, Any], limit: int = MAX_PAYLOAD_BYTES) -> bytes:
    """The payload as compact JSON under `limit` bytes, shortening the body (then the
    title) with an ellipsis. Raises ValueError when even that is not enough."""
    payload = dict(payload)

    def dump() -> bytes:
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()

    data = dump()
    for field in ("body", "title"):
        while len(data) > limit and isinstance(payload.get(field), str) and payload[field]:
            text = payload[field].removesuffix(_ELLIPSIS)
            excess = len(data) - limit + len(_ELLIPSIS.encode())
            encoded = text.encode()
            cut = encoded[: max(len(encoded) - excess, 0)].decode(errors="ignore").rstrip()
            if cut == text:  # nothing left to cut by bytes (escaped characters)
                cut = text[:-1]
            payload[field] = cut + _ELLIPSIS if cut else ""
            data = dump()
    if len(data) > limit:
        raise ValueError(f"payload of {len(data)} bytes even without body and title")
    return data


def _origin(endpoint: str) -> str | None:
    parts = urlsplit(endpoint)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _classify(subscription: PushSubscription, response: requests.Response) -> PushResult:
    code = response.status_code
    detail = f"{code} {response.reason or ''}".strip()
    text = (response.text or "").strip()
    if text and not 200 <= code < 300:
        detail = f"{detail}: {text[:200]}"
    if 200 <= code < 300:
        status = PushStatus.OK
    elif code in (404, 410):
        status = PushStatus.GONE
    elif code == 429 or code >= 500:
        status = PushStatus.TRANSIENT
    else:
        status = PushStatus.PERMANENT
    return PushResult(subscription, status, detail, code, response.headers.get("Retry-After"))


_PERMANENT_HTTP_ERRORS = (
    requests.exceptions.InvalidURL,
    requests.exceptions.InvalidSchema,
    requests.exceptions.MissingSchema,
)


def _failure(subscription: PushSubscription, status: PushStatus, error: Exception) -> PushResult:
    return PushResult(subscription, status, f"{type(error).__name__}: {error}"[:300])


class _Session(requests.Session):
    """The process's connection pools, one per push service, kept between batches
    (HTTP keep-alive). Each push goes straight to the adapter (_send_one): requests'
    session machinery (cookies, hooks, proxy settings looked up in the environment for
    every request) cost more CPU than encrypting the message. The proxy settings of the
    environment are read once per push service and batch instead (`proxies`, given by
    the batch: the environment may change between batches)."""

    def __init__(self, pool_size: int) -> None:
        super().__init__()
        self.trust_env = False
        adapter = HTTPAdapter(pool_connections=POOLED_ORIGINS, pool_maxsize=pool_size)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def post_push(
        self,
        url: str,
        body: bytes,
        headers: dict[str, str],
        proxies: dict[str, dict[str, str]],
    ) -> requests.Response:
        request = requests.PreparedRequest()
        request.prepare_method("POST")
        request.prepare_url(url, None)
        request.prepare_headers(headers)
        request.prepare_body(body, None)
        origin = _origin(url) or url
        if origin not in proxies:
            proxies[origin] = requests.utils.get_environ_proxies(origin)
        return self.get_adapter(url).send(
            request, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT), proxies=proxies[origin]
        )


class _Kept:
    """What a process keeps between batches: the sessions and thread pools (by size) and
    the VAPID headers (by key, subject and origin). A forked child starts afresh: threads
    and sockets do not survive a fork."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.sessions: dict[int, _Session] = {}
        self.pools: dict[int, ThreadPoolExecutor] = {}
        self.authorizations: dict[tuple[str, str, str], tuple[int, dict[str, str]]] = {}


_kept: _Kept | None = None


def _process_kept() -> _Kept:
    global _kept
    if _kept is None or _kept.pid != os.getpid():
        _kept = _Kept()
    return _kept


def _session(pool_size: int) -> _Session:
    kept = _process_kept()
    with kept.lock:
        if pool_size not in kept.sessions:
            kept.sessions[pool_size] = _Session(pool_size)
        return kept.sessions[pool_size]


def _thread_pool(size: int) -> ThreadPoolExecutor:
    kept = _process_kept()
    with kept.lock:
        if size not in kept.pools:
            kept.pools[size] = ThreadPoolExecutor(max_workers=size, thread_name_prefix="push")
        return kept.pools[size]


def _authorization(vapid: Vapid, subject: str, origin: str) -> dict[str, str]:
    """The VAPID headers for a push service: signed once, reused while the JWT has at
    least JWT_MIN_REMAINING_SECONDS to live."""
    kept = _process_kept()
    key = (_public_key_b64(vapid), subject, origin)
    now = int(time.time())
    with kept.lock:
        found = kept.authorizations.get(key)
    if found is not None and found[0] - now >= JWT_MIN_REMAINING_SECONDS:
        return found[1]
    expires = now + JWT_LIFETIME_SECONDS
    headers = vapid.sign({"sub": subject, "aud": origin, "exp": expires})
    with kept.lock:
        kept.authorizations[key] = (expires, headers)
    return headers


def close_connections() -> None:
    """Close the kept connections and threads of this process (tests, shutdown)."""
    global _kept
    kept, _kept = _kept, None
    if kept is None or kept.pid != os.getpid():
        return
    for session in kept.sessions.values():
        session.close()
    for pool in kept.pools.values():
        pool.shutdown(wait=False)


def _send_one(
    session: _Session,
    subscription: PushSubscription,
    info: dict[str, Any],
    data: bytes,
    headers: dict[str, str],
    ttl: int,
    proxies: dict[str, dict[str, str]],
) -> PushResult:
    try:
        # RFC 8291 (aes128gcm): the salt and our public key travel in the body.
        body = WebPusher(info).encode(data, content_encoding="aes128gcm")["body"]
        response = session.post_push(
            subscription.endpoint,
            body,
            {**headers, "Content-Encoding": "aes128gcm", "TTL": str(ttl)},
            proxies,
        )
    except _PERMANENT_HTTP_ERRORS as error:
        return _failure(subscription, PushStatus.PERMANENT, error)
    except requests.RequestException as error:
        # Timeouts, refused or reset connections, DNS failures: the network, not us.
        return _failure(subscription, PushStatus.TRANSIENT, error)
    except (WebPushException, ValueError, TypeError) as error:
        # Keys that do not decode or are not a point on the curve.
        return _failure(subscription, PushStatus.PERMANENT, error)
    except Exception as error:  # one bad subscription must not stop the batch
        logger.exception("Push to %s failed", subscription.endpoint[:60])
        return _failure(subscription, PushStatus.PERMANENT, error)
    return _classify(subscription, response)


def send_push(
    messages: Sequence[PushMessage],
    *,
    ttl: int | None = None,
    urgency: str = "high",
    workers: int = DEFAULT_WORKERS,
) -> list[PushResult]:
    """Encrypt, sign and send each message; one result per message, in order.

    ttl: how long the push service keeps a message for a phone that is off (default
    PUSH_TTL_SECONDS). urgency: RFC 8030 (high wakes a sleeping phone at once).
    """
    if not messages:
        return []
    if urgency not in URGENCIES:
        raise ValueError(f"urgency must be one of {URGENCIES}")
    if ttl is None:
        ttl = int(getattr(settings, "PUSH_TTL_SECONDS", DEFAULT_TTL_SECONDS))
    vapid, _public = vapid_keys()
    subject = vapid_subject()

    results: list[PushResult | None] = [None] * len(messages)
    authorizations: dict[str, dict[str, str] | str] = {}
    jobs: list[tuple[int, PushSubscription, dict[str, Any], bytes, dict[str, str]]] = []
    # Everything that reads the database or signs happens here, before the threads.
    for index, message in enumerate(messages):
        subscription = message.subscription
        origin = _origin(subscription.endpoint)
        if origin is None:
            results[index] = PushResult(subscription, PushStatus.PERMANENT, "invalid endpoint")
            continue
        if origin not in authorizations:
            try:
                authorizations[origin] = _authorization(vapid, subject, origin)
            except Exception as error:
                authorizations[origin] = f"VAPID signature for {origin}: {error}"
        authorization = authorizations[origin]
        if isinstance(authorization, str):
            results[index] = PushResult(subscription, PushStatus.PERMANENT, authorization[:300])
            continue
        try:
            data = encode_payload(message.payload)
        except (TypeError, ValueError) as error:
            results[index] = PushResult(subscription, PushStatus.PERMANENT, f"payload: {error}")
            continue
        headers = {**authorization, "Urgency": urgency}
        topic = str(message.payload.get("tag") or "")
        if _TOPIC.match(topic):
            # A newer message with the same topic replaces one the phone has not received.
            headers["Topic"] = topic
        info = {
            "endpoint": subscription.endpoint,
            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
        }
        jobs.append((index, subscription, info, data, headers))

    if jobs:
        size = max(1, workers)
        session, pool = _session(size), _thread_pool(size)
        proxies: dict[str, dict[str, str]] = {}  # this batch's, per push service
        futures = [
            (
                index,
                pool.submit(_send_one, session, subscription, info, data, headers, ttl, proxies),
            )
            for index, subscription, info, data, headers in jobs
        ]
        for index, future in futures:
            results[index] = future.result()

    done = [result for result in results if result is not None]
    if logger.isEnabledFor(logging.INFO):
        counts = dict.fromkeys(PushStatus, 0)
        for result in done:
            counts[result.status] += 1
        logger.info(
            "Push batch: %d messages, %d origins, %s",
            len(done),
            len(authorizations),
            ", ".join(f"{status.value} {count}" for status, count in counts.items() if count),
        )
    return done
