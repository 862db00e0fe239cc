"""The senders' floor (issue 16, item 2): the least work that hands the same pushes and
e-mails to the same sinks, in processes of their own, with no database.

Each process gets its share of the messages already rendered (the benchmark renders them
beforehand, from the outbox rows the workers sent), then, on the word go:

- pushes: its threads (as many as push.send_push uses) each keep one HTTP connection
  (http.client, keep-alive) to the push sink for the whole share; each message is
  encrypted for its browser exactly as pywebpush does it (a fresh P-256 key, ECDH with
  the subscription's key, aes128gcm by http_ece) and POSTed with one VAPID
  Authorization signed once per process;
- e-mails: its SMTP connections (as many as EMAIL_SMTP_CONNECTIONS) each send their
  part of the share on one connection, the message bytes the app would send (the same
  skeleton with the recipient, Message-ID and link put in).

Nothing here imports Django: a spawned child imports this module only.
"""

from __future__ import annotations

import http.client
import os
import smtplib
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import http_ece  # type: ignore[import-untyped]
from cryptography.hazmat.primitives.asymmetric import ec


@dataclass
class FloorPush:
    path: str
    p256dh: bytes  # the browser's public key, uncompressed point
    auth: bytes
    data: bytes  # the JSON payload, as the app encodes it
    headers: dict[str, str]  # TTL, Urgency, Topic (Authorization is added here)


@dataclass
class FloorEmail:
    to: str
    # Either the whole message, or a skeleton's index and what goes into it.
    raw: bytes | None = None
    skeleton: int | None = None
    message_id: str = ""
    link: str = ""


@dataclass
class FloorShare:
    push_host: str
    push_port: int
    push_origin: str
    vapid_private_key: str
    vapid_subject: str
    jwt_lifetime: int
    push_threads: int
    smtp_host: str
    smtp_port: int
    smtp_connections: int
    sender: str
    skeletons: list[tuple[bytes, bytes, bytes, bytes]]  # (raw, to, id, link placeholders)
    pushes: list[FloorPush] = field(default_factory=list)
    emails: list[FloorEmail] = field(default_factory=list)
    ehlo_name: str = "localhost"  # the name Django's SMTP backend says in EHLO


def _chunks(items: list, count: int) -> list[list]:
    count = max(1, min(count, len(items)))
    size = -(-len(items) // count)
    return [items[start : start + size] for start in range(0, len(items), size)]


def _push_part(
    share: FloorShare, authorization: dict[str, str], part: list[FloorPush], out: list
) -> None:
    connection = http.client.HTTPConnection(share.push_host, share.push_port, timeout=10)
    ok = 0
    for message in part:
        key = ec.generate_private_key(ec.SECP256R1())
        body = http_ece.encrypt(
            message.data,
            private_key=key,
            dh=message.p256dh,
            auth_secret=message.auth,
            version="aes128gcm",
        )
        headers = {
            **message.headers,
            **authorization,
            "Content-Encoding": "aes128gcm",
            "Content-Length": str(len(body)),
        }
        connection.request("POST", message.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        ok += 200 <= response.status < 300
    connection.close()
    out.append(ok)


def _email_part(share: FloorShare, part: list[FloorEmail], out: list) -> None:
    smtp = smtplib.SMTP(
        share.smtp_host, share.smtp_port, local_hostname=share.ehlo_name, timeout=10
    )
    smtp.ehlo()
    ok = 0
    for email in part:
        if email.raw is not None:
            raw = email.raw
        else:
            template, to, message_id, link = share.skeletons[email.skeleton or 0]
            raw = template.replace(to, email.to.encode(), 1)
            raw = raw.replace(message_id, email.message_id.encode(), 1)
            raw = raw.replace(link, (email.link or link.decode()).encode())
        smtp.sendmail(share.sender, [email.to], raw)
        ok += 1
    smtp.quit()
    out.append(ok)


def _run_parts(target, parts: list[list], *args: Any) -> int:
    out: list[int] = []
    threads = [
        threading.Thread(target=target, args=(*args, part, out), name="floor") for part in parts
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if len(out) != len(parts):
        raise RuntimeError("a floor thread failed")
    return sum(out)


def run_share(share: FloorShare) -> dict[str, Any]:
    """Send the share: pushes, then e-mails (a worker runs one task at a time)."""
    from py_vapid import Vapid

    started = time.time()
    cpu = os.times()
    vapid = Vapid.from_string(share.vapid_private_key)
    claims = {
        "sub": share.vapid_subject,
        "aud": share.push_origin,
        "exp": int(time.time()) + share.jwt_lifetime,
    }
    authorization = vapid.sign(claims)
    pushes = (
        _run_parts(_push_part, _chunks(share.pushes, share.push_threads), share, authorization)
        if share.pushes
        else 0
    )
    pushed = time.time()
    emails = (
        _run_parts(_email_part, _chunks(share.emails, share.smtp_connections), share)
        if share.emails
        else 0
    )
    finished = time.time()
    after = os.times()
    return {
        "started": started,
        "pushed": pushed,
        "finished": finished,
        "pushes_ok": pushes,
        "emails_ok": emails,
        "cpu": (after.user + after.system) - (cpu.user + cpu.system),
    }


def serve(connection: Any) -> None:
    """A floor process: receive its share, say ready, wait for go, send it, report."""
    share: FloorShare = connection.recv()
    connection.send("ready")
    if connection.recv() != "go":
        return
    try:
        connection.send(run_share(share))
    except Exception as error:  # reported to the benchmark, which fails the row
        connection.send(RuntimeError(f"{type(error).__name__}: {error}"))
