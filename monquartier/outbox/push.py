"""Web push: small encrypted messages to members' browsers through their push services.

Each browser subscription names an endpoint at its vendor's push service (Google's FCM,
Mozilla's autopush, Apple…). A message is encrypted for that browser alone (RFC 8291,
aes128gcm) and the request is signed with our VAPID key (RFC 8292) so the push service
knows it comes from us.

`send_push` sends a batch: one VAPID signature per push-service origin, kept for the
next batches while it has hours to live (an ES256 JWT is valid for hours: signing once
per origin, not once per member, matters when an alert goes to a thousand neighbours), a
few threads. The HTTP connections and the threads live as long as the process: an
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
import http.client
import json
import logging
import os
import re
import select
import ssl
import tempfile
import threading
import time
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

import certifi
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from py_vapid import Vapid
from pywebpush import WebPusher, WebPushException

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
# Push services (routes) a process keeps idle connections to.
POOLED_ORIGINS = 32
# What is read of a push service's answer (its error explained); a longer one is cut.
MAX_ANSWER_BYTES = 4096
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


class _Answer(NamedTuple):
    """What a push service said: the status line, the start of the body, Retry-After."""

    status: int
    reason: str
    text: str
    retry_after: str | None


def _classify(subscription: PushSubscription, answer: _Answer) -> PushResult:
    code = answer.status
    detail = f"{code} {answer.reason or ''}".strip()
    text = answer.text.strip()
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
    return PushResult(subscription, status, detail, code, answer.retry_after)


def _failure(subscription: PushSubscription, status: PushStatus, error: Exception) -> PushResult:
    return PushResult(subscription, status, f"{type(error).__name__}: {error}"[:300])


class _BadEndpoint(ValueError):
    """An endpoint or proxy no request can be made to (a port that is not a number…)."""


# (scheme, host, port, proxy host, proxy port, proxy authorization): one kind of connection.
_Route = tuple[str, str, int, str, int, str]
# What a reused connection raises when the push service closed it while it was idle.
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


def _route(url: str, proxies: dict[str, _Route]) -> tuple[_Route, str]:
    """(how to reach the endpoint's push service, the request target). The proxy of the
    environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) is looked up once per push service
    and batch: the environment may change between batches."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise _BadEndpoint(f"invalid endpoint: {error}") from error
    host = parts.hostname or ""
    origin = f"{parts.scheme}://{parts.netloc}"
    if origin not in proxies:
        proxies[origin] = _environ_route(parts.scheme, host, port)
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    return proxies[origin], target


def _environ_route(scheme: str, host: str, port: int) -> _Route:
    environment = urllib.request.getproxies_environment()
    proxy = environment.get(scheme, "")
    if not proxy or urllib.request.proxy_bypass(f"{host}:{port}"):
        return (scheme, host, port, "", 0, "")
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    if parts.scheme != "http":
        raise _BadEndpoint(f"the proxy {parts.scheme}://{parts.hostname} is not an http:// one")
    try:
        proxy_port = parts.port or 80
    except ValueError as error:
        raise _BadEndpoint(f"invalid proxy: {error}") from error
    authorization = ""
    if parts.username is not None:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        authorization = "Basic " + base64.b64encode(credentials.encode()).decode("ascii")
    return (scheme, host, port, parts.hostname or "", proxy_port, authorization)


class _Connections:
    """The process's HTTP/1.1 connections to the push services, kept between pushes and
    batches (keep-alive), at most `size` idle ones per route.

    A push is one POST of a few hundred bytes: requests' and urllib3's machinery per
    request (the session, the pool, a header parser, the response object) cost more CPU
    than encrypting the message. http.client on a kept connection is the whole of what a
    push needs. A connection through a proxy is a tunnel (CONNECT), for http:// push
    services too (only tests and benchmarks have those)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.idle: dict[_Route, list[http.client.HTTPConnection]] = {}
        self.contexts: dict[str, ssl.SSLContext] = {}

    def _context(self) -> ssl.SSLContext:
        """TLS that checks the push service's certificate against PUSH_CA_FILE, or
        certifi's authorities (the same as requests trusts)."""
        ca_file = getattr(settings, "PUSH_CA_FILE", "") or certifi.where()
        with self.lock:
            context = self.contexts.get(ca_file)
            if context is None:
                context = self.contexts[ca_file] = ssl.create_default_context(cafile=ca_file)
        return context

    def _open(self, route: _Route) -> http.client.HTTPConnection:
        scheme, host, port, proxy_host, proxy_port, authorization = route
        connection: http.client.HTTPConnection
        address = (proxy_host, proxy_port) if proxy_host else (host, port)
        if scheme == "https":
            connection = http.client.HTTPSConnection(
                *address, timeout=CONNECT_TIMEOUT, context=self._context()
            )
        else:
            connection = http.client.HTTPConnection(*address, timeout=CONNECT_TIMEOUT)
        if proxy_host:
            headers = {"Proxy-Authorization": authorization} if authorization else None
            connection.set_tunnel(host, port, headers=headers)
        try:
            connection.connect()
        except BaseException:
            connection.close()  # a refused handshake leaves its TCP socket open
            raise
        assert connection.sock is not None
        connection.sock.settimeout(READ_TIMEOUT)
        return connection

    def _take(self, route: _Route) -> http.client.HTTPConnection | None:
        """An idle connection the push service has not closed meanwhile, if any."""
        while True:
            with self.lock:
                idle = self.idle.get(route)
                if not idle:
                    return None
                connection = idle.pop()
            if connection.sock is not None:
                poller = select.poll()
                poller.register(connection.sock, select.POLLIN)
                # Readable while idle: the service closed it (or sent what it should not).
                if not poller.poll(0):
                    return connection
            connection.close()

    def _give(self, route: _Route, connection: http.client.HTTPConnection) -> None:
        with self.lock:
            idle = self.idle.get(route)
            if idle is None and len(self.idle) < POOLED_ORIGINS:
                idle = self.idle[route] = []
            if idle is not None and len(idle) < self.size:
                idle.append(connection)
                return
        connection.close()

    def post(
        self, url: str, body: bytes, headers: dict[str, str], proxies: dict[str, _Route]
    ) -> _Answer:
        route, target = _route(url, proxies)
        connection = self._take(route)
        reused = connection is not None
        while True:
            if connection is None:
                connection = self._open(route)
            try:
                connection.request("POST", target, body, headers)
                response = connection.getresponse()
                text = response.read(MAX_ANSWER_BYTES)
            except _STALE:
                connection.close()
                if not reused:
                    raise
                # Closed by the push service between our check and our request: once more,
                # on a new connection. No answer came back; should the service have kept
                # the first one, a second push with the same Topic replaces it.
                connection, reused = None, False
                continue
            except BaseException:
                connection.close()
                raise
            break
        if response.isclosed() and not response.will_close:
            self._give(route, connection)
        else:  # a longer answer than we read, or the service asked to close
            connection.close()
        return _Answer(
            response.status,
            response.reason,
            text.decode("utf-8", "replace"),
            response.getheader("Retry-After"),
        )

    def close(self) -> None:
        with self.lock:
            idle, self.idle = self.idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()


class _Kept:
    """What a process keeps between batches: the connections and thread pools (by size)
    and the VAPID headers (by key, subject and origin). A forked child starts afresh:
    threads and sockets do not survive a fork."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.connections: dict[int, _Connections] = {}
        self.pools: dict[int, ThreadPoolExecutor] = {}
        self.authorizations: dict[tuple[str, str, str], tuple[int, dict[str, str]]] = {}


_kept: _Kept | None = None


def _process_kept() -> _Kept:
    global _kept
    if _kept is None or _kept.pid != os.getpid():
        _kept = _Kept()
    return _kept


def _connections(size: int) -> _Connections:
    kept = _process_kept()
    with kept.lock:
        if size not in kept.connections:
            kept.connections[size] = _Connections(size)
        return kept.connections[size]


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
    for connections in kept.connections.values():
        connections.close()
    for pool in kept.pools.values():
        pool.shutdown(wait=False)


def _send_one(
    connections: _Connections,
    subscription: PushSubscription,
    info: dict[str, Any],
    data: bytes,
    headers: dict[str, str],
    ttl: int,
    proxies: dict[str, _Route],
) -> PushResult:
    try:
        # RFC 8291 (aes128gcm): the salt and our public key travel in the body.
        body = WebPusher(info).encode(data, content_encoding="aes128gcm")["body"]
        answer = connections.post(
            subscription.endpoint,
            body,
            {**headers, "Content-Encoding": "aes128gcm", "TTL": str(ttl)},
            proxies,
        )
    except (_BadEndpoint, http.client.InvalidURL) as error:
        return _failure(subscription, PushStatus.PERMANENT, error)
    except (OSError, http.client.HTTPException) as error:
        # Timeouts, refused or reset connections, DNS failures, a certificate refused, an
        # answer that is not HTTP: the network or the push service, not the message.
        return _failure(subscription, PushStatus.TRANSIENT, error)
    except (WebPushException, ValueError, TypeError) as error:
        # Keys that do not decode or are not a point on the curve.
        return _failure(subscription, PushStatus.PERMANENT, error)
    except Exception as error:  # one bad subscription must not stop the batch
        logger.exception("Push to %s failed", subscription.endpoint[:60])
        return _failure(subscription, PushStatus.PERMANENT, error)
    return _classify(subscription, answer)


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
        connections, pool = _connections(size), _thread_pool(size)
        proxies: dict[str, _Route] = {}  # this batch's, per push service
        futures = [
            (
                index,
                pool.submit(
                    _send_one, connections, subscription, info, data, headers, ttl, proxies
                ),
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
