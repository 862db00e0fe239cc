"""One transport per channel, each with one `send` taking a batch and returning one
outcome per message: Sent, or Failed saying whether a retry could help.

SMS goes through the SMS backend chosen in settings (sms/), push through push.py; this
module adapts both, and sends e-mail over SMTP with Django's e-mail backend, one
connection for the whole batch.
"""

import logging
import os
import re
import smtplib
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.utils.html import escape

from monquartier.outbox.sms import SMSError, SMSMessage, get_sms_backend
from monquartier.outbox.sms.costs import sms_cost

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sent:
    provider_id: str = ""
    # SMS only: the provider that took it and what it cost (francs CFA, None if unpriced).
    provider: str = ""
    cost: Decimal | None = None


@dataclass(frozen=True)
class Failed:
    detail: str
    permanent: bool
    # Seconds the provider asked us to wait (an HTTP Retry-After): the next attempt is
    # not before, even when the backoff would be sooner.
    retry_after: int | None = None


Outcome = Sent | Failed

# A Retry-After longer than this is taken as this: a row waits an hour at most.
MAX_RETRY_AFTER = 3600


def retry_after_seconds(value: str | None) -> int | None:
    """An HTTP Retry-After (seconds or a date) as seconds from now, None if absent or
    unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(int(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    seconds = (when - datetime.now(UTC)).total_seconds()
    return min(max(int(seconds + 0.999), 0), MAX_RETRY_AFTER)


# Rendered e-mails carry this in place of the member's personal link; the transport puts
# the link in as the message leaves. It survives templates and HTML escaping unchanged.
LINK = "https://lien.invalid/placeholder"
# Lines of a message must stay under 998 octets (RFC 5322).
MAX_LINE = 998
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9.-]{1,185}")
_PLAIN_TOKEN = re.compile(r"[!-~]+")  # printable ASCII, no space, no line break


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str  # may hold LINK, replaced by `link` …
    html: str  # … and here by the link escaped for HTML
    message_id: str  # ours, so that a sink or a log can tell two sends of one delivery
    link: str = ""
    # More headers (the newsletter's List-Unsubscribe); their values may hold LINK too.
    headers: tuple[tuple[str, str], ...] = ()

    def body(self) -> tuple[str, str]:
        if not self.link:
            return self.text, self.html
        return self.text.replace(LINK, self.link), self.html.replace(LINK, escape(self.link))

    def header_values(self) -> list[tuple[str, str]]:
        link = self.link or LINK
        return [(name, value.replace(LINK, link)) for name, value in self.headers]


def _django_message(email: Email, connection=None) -> EmailMultiAlternatives:
    text, html = email.body()
    message = EmailMultiAlternatives(email.subject, text, to=[email.to], connection=connection)
    message.extra_headers["Message-ID"] = email.message_id
    for name, value in email.header_values():
        message.extra_headers[name] = value
    if html:
        message.attach_alternative(html, "text/html")
    return message


class _Skeleton:
    """One e-mail built as bytes once, for every recipient of the same text.

    Building a MIME message with Python's email package costs about a millisecond; an
    alert goes to thousands of members with the same words and their own link. The
    skeleton is Django's own message for placeholder values (recipient, Message-ID,
    link); each copy replaces them in the bytes. It is used only when that gives the very
    bytes Django would have built: plain ASCII values that no header or body encoding
    would touch (else `fits` says no and the message is built the usual way).
    """

    TO = "destinataire@exemple.invalid"
    ID = "<message-id@exemple.invalid>"

    def __init__(self, email: Email):
        template = Email(
            to=self.TO,
            subject=email.subject,
            text=email.text,
            html=email.html,
            message_id=self.ID,
            link="",
            headers=email.headers,
        )
        self.raw = _django_message(template).message().as_bytes(linesep="\r\n")
        links = (
            email.text.count(LINK)
            + email.html.count(LINK)
            + sum(value.count(LINK) for _name, value in email.headers)
        )
        # Quoted-printable or base64 parts (long lines, say) would encode the link too.
        encoded = re.search(rb"Content-Transfer-Encoding: (quoted-printable|base64)", self.raw)
        # A header folds where its words fit in 78 columns: a longer link folds it elsewhere
        # unless the placeholder already begins a line of its own (then so does the link).
        head = self.raw.split(b"\r\n\r\n", 1)[0]
        folded_alone = head.count(LINK.encode()) == head.count(b"\r\n <" + LINK.encode())
        self.usable = (
            encoded is None
            and folded_alone
            and self.raw.count(self.TO.encode()) == 1
            and self.raw.count(self.ID.encode()) == 1
            and self.raw.count(LINK.encode()) == links
        )
        self.link_line = max(
            (len(line) for line in self.raw.split(b"\r\n") if LINK.encode() in line), default=0
        )

    def fits(self, email: Email) -> bool:
        return (
            self.usable
            and _PLAIN_ADDRESS.fullmatch(email.to) is not None
            and len(email.to) <= 70  # "To: " and the address on one header line
            and _PLAIN_TOKEN.fullmatch(email.message_id) is not None
            and (
                not email.link
                or (
                    _PLAIN_TOKEN.fullmatch(email.link) is not None
                    and escape(email.link) == email.link
                    and self.link_line + len(email.link) - len(LINK) <= MAX_LINE
                )
            )
        )

    def copy(self, email: Email) -> bytes:
        raw = self.raw.replace(self.TO.encode(), email.to.encode(), 1)
        raw = raw.replace(self.ID.encode(), email.message_id.encode(), 1)
        return raw.replace(LINK.encode(), (email.link or LINK).encode())


def _skeleton_key(email: Email) -> tuple:
    """Messages with the same key share one skeleton: all but the recipient, the
    Message-ID and the link."""
    return (email.subject, email.text, email.html, email.headers)


# Below this many messages per connection, a connection's set-up (TCP, EHLO, TLS) costs
# more than it saves.
MIN_EMAILS_PER_CONNECTION = 25
# An SMTP connection left open by a batch is used by the next one if it is no older than
# this (idle): relays close idle connections after a few minutes (Postfix: 300 s).
SMTP_KEEP_SECONDS = 30.0
# A skeleton serves the next batches for this long (an alert's 6,000 e-mails are 60
# batches of the same few texts): its Date header is the moment it was built, so a
# message's Date is never older than this.
SKELETON_KEEP_SECONDS = 60.0
SKELETONS_KEPT = 32


class _KeptSMTP:
    """The SMTP connections a process keeps open between batches, with the thread pool
    that shares a batch between them: an alert's e-mails go out in many batches of the
    same worker, and each opening its own connections (TCP, EHLO, TLS, QUIT) cost as
    much as a tenth of the messages. Connections are kept per server settings, as many as
    EMAIL_SMTP_CONNECTIONS, and never shared by two threads at once. The skeletons of the
    last texts are kept too, for SKELETON_KEEP_SECONDS. A forked child starts afresh."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.idle: dict[tuple, list[tuple[float, SMTPBackend]]] = {}
        self.pools: dict[int, ThreadPoolExecutor] = {}
        self.skeletons: OrderedDict[tuple, tuple[float, _Skeleton]] = OrderedDict()

    def skeleton(self, key: tuple, email: Email) -> "_Skeleton":
        """The skeleton of the text `key` (_skeleton_key) names, built from `email` unless
        one recent enough is kept."""
        now = time.monotonic()
        # The sender is in the built bytes (settings may change between two tests).
        key = (settings.DEFAULT_FROM_EMAIL, *key)
        with self.lock:
            kept = self.skeletons.get(key)
            if kept is not None and now - kept[0] <= SKELETON_KEEP_SECONDS:
                self.skeletons.move_to_end(key)
                return kept[1]
        skeleton = _Skeleton(email)
        with self.lock:
            self.skeletons[key] = (now, skeleton)
            self.skeletons.move_to_end(key)
            while len(self.skeletons) > SKELETONS_KEPT:
                self.skeletons.popitem(last=False)
        return skeleton

    @staticmethod
    def key(connection: SMTPBackend) -> tuple:
        return (
            connection.host,
            connection.port,
            connection.username,
            connection.use_tls,
            connection.use_ssl,
            connection.timeout,
        )

    def take(self, key: tuple) -> SMTPBackend | None:
        """A kept connection to that server, open and idle for less than
        SMTP_KEEP_SECONDS (older ones are closed)."""
        now = time.monotonic()
        stale = []
        found = None
        with self.lock:
            kept = self.idle.get(key, [])
            while kept:
                since, connection = kept.pop()
                if now - since <= SMTP_KEEP_SECONDS and connection.connection is not None:
                    found = connection
                    break
                stale.append(connection)
        for connection in stale:
            _close_quietly(connection)
        return found

    def give_back(self, connection: SMTPBackend, limit: int) -> None:
        key = self.key(connection)
        with self.lock:
            kept = self.idle.setdefault(key, [])
            if len(kept) < limit:
                kept.append((time.monotonic(), connection))
                return
        _close_quietly(connection)

    def pool(self, size: int) -> ThreadPoolExecutor:
        with self.lock:
            if size not in self.pools:
                self.pools[size] = ThreadPoolExecutor(max_workers=size, thread_name_prefix="smtp")
            return self.pools[size]


_kept_smtp: _KeptSMTP | None = None


def _process_smtp() -> _KeptSMTP:
    global _kept_smtp
    if _kept_smtp is None or _kept_smtp.pid != os.getpid():
        _kept_smtp = _KeptSMTP()
    return _kept_smtp


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except (OSError, smtplib.SMTPException):
        logger.warning("Could not close the SMTP connection cleanly")


def close_smtp_connections() -> None:
    """Close the SMTP connections this process keeps (tests, shutdown)."""
    global _kept_smtp
    kept, _kept_smtp = _kept_smtp, None
    if kept is None or kept.pid != os.getpid():
        return
    for connections in kept.idle.values():
        for _since, connection in connections:
            _close_quietly(connection)
    for pool in kept.pools.values():
        pool.shutdown(wait=False)


class EmailTransport:
    """E-mail through Django's e-mail backend.

    Over SMTP (production), a batch is shared between up to EMAIL_SMTP_CONNECTIONS
    connections, each in its own thread: an SMTP exchange is four round trips a message,
    spent waiting, and a relay a few milliseconds away would otherwise bound a worker to a
    few dozen messages a second. Messages that share their text are built once (_Skeleton).
    Other backends (the development outbox, tests) get the whole batch on one connection.
    """

    def send(self, emails: Sequence[Email]) -> list[Outcome]:
        if not emails:
            return []
        over_smtp = isinstance(get_connection(fail_silently=False), SMTPBackend)
        if not over_smtp:
            return self._send_on_one_connection(emails, None)
        skeletons: dict[tuple, _Skeleton] = {}
        kept = _process_smtp()
        for email in emails:
            key = _skeleton_key(email)
            if key not in skeletons:
                skeletons[key] = kept.skeleton(key, email)
        wanted = getattr(settings, "EMAIL_SMTP_CONNECTIONS", 1)
        count = max(1, min(wanted, len(emails) // MIN_EMAILS_PER_CONNECTION))
        if count == 1:
            return self._send_on_one_connection(emails, skeletons)
        size = -(-len(emails) // count)  # contiguous shares, in order
        shares = [emails[start : start + size] for start in range(0, len(emails), size)]
        pool = _process_smtp().pool(max(wanted, 1))
        results = pool.map(self._send_on_one_connection, shares, [skeletons] * len(shares))
        return [outcome for share in results for outcome in share]

    @staticmethod
    def _send_one(connection, sender: str, email: Email, raw: bytes | None) -> None:
        if raw is not None:
            connection.connection.sendmail(sender, [email.to], raw)
        else:
            _django_message(email, connection).send()

    def _send_on_one_connection(
        self, emails: Sequence[Email], skeletons: dict[tuple, _Skeleton] | None
    ) -> list[Outcome]:
        outcomes: list[Outcome] = []
        kept = _process_smtp() if skeletons is not None else None
        try:
            connection = get_connection(fail_silently=False)
            reused = None
            if kept is not None and isinstance(connection, SMTPBackend):
                reused = kept.take(kept.key(connection))
            if reused is not None:
                connection = reused
            else:
                connection.open()
        except (OSError, smtplib.SMTPException) as error:
            return [Failed(f"SMTP: {error}", permanent=False)] * len(emails)
        raw_smtp = getattr(connection, "connection", None) if skeletons is not None else None
        sender = sanitize_address(settings.DEFAULT_FROM_EMAIL, settings.DEFAULT_CHARSET)
        healthy = True
        try:
            for index, email in enumerate(emails):
                try:
                    skeleton = (
                        skeletons.get(_skeleton_key(email))
                        if raw_smtp is not None and skeletons is not None
                        else None
                    )
                    raw = (
                        skeleton.copy(email)
                        if raw_smtp is not None and skeleton is not None and skeleton.fits(email)
                        else None
                    )
                    try:
                        self._send_one(connection, sender, email, raw)
                    except (smtplib.SMTPServerDisconnected, ConnectionError):
                        if index or reused is None:
                            raise
                        # A kept connection the server has closed meanwhile: a new one,
                        # and this message again (the closed one took nothing).
                        _close_quietly(connection)
                        reused = None
                        connection.open()
                        raw_smtp = connection.connection
                        self._send_one(connection, sender, email, raw)
                    outcomes.append(Sent(email.message_id))
                except smtplib.SMTPRecipientsRefused as error:
                    codes = [code for code, _text in error.recipients.values()]
                    outcomes.append(
                        Failed(f"refused: {codes}", permanent=all(code >= 500 for code in codes))
                    )
                except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as error:
                    outcomes.append(
                        Failed(f"SMTP {error.smtp_code}", permanent=error.smtp_code >= 500)
                    )
                except (TimeoutError, OSError, smtplib.SMTPException) as error:
                    # The connection is gone: the rest of its share waits for the retry.
                    healthy = False
                    remaining = len(emails) - index
                    outcomes.extend([Failed(f"SMTP: {error}", permanent=False)] * remaining)
                    break
        except BaseException:
            healthy = False
            raise
        finally:
            if kept is not None and healthy and getattr(connection, "connection", None):
                kept.give_back(connection, max(getattr(settings, "EMAIL_SMTP_CONNECTIONS", 1), 1))
            else:
                _close_quietly(connection)
        return outcomes


class SMSTransport:
    def send(self, messages: Sequence[SMSMessage]) -> list[Outcome]:
        try:
            backend = get_sms_backend(**settings.SMS_BACKEND_OPTIONS)
            results = backend.send_messages(list(messages))
        except Exception as error:  # a backend bug must not lose the batch: retry later
            logger.exception("SMS backend failed on a batch of %s", len(messages))
            return [Failed(f"backend: {error}", permanent=False)] * len(messages)
        own_name = getattr(backend, "provider", "")
        outcomes: list[Outcome] = []
        for message, result in zip(messages, results, strict=True):
            if isinstance(result, SMSError):
                outcomes.append(Failed(result.detail, permanent=result.permanent))
                continue
            provider = result.provider or own_name
            cost = sms_cost(provider, message.to, message.text)
            outcomes.append(Sent(result.provider_id, provider=provider, cost=cost))
        return outcomes
