"""The senders' floor of the fan-out benchmark (TARGETS.md, "senders"; issue 16, item 2).

After a scenario, the e-mails and pushes the workers handed over are rendered again here,
from their outbox rows, exactly as the senders rendered them (the sources' e-mails and
payloads, the transports' skeletons), which takes the database but is not timed. Then as
many processes as there were workers (bench/lib/floor_loop.py) send the same messages to
the same sinks with no database at all, each with the threads and connections a worker
uses: the least the machine can do for that scenario. The ratio of the workers' time to
the floor's is the figure; both are measured in the same run, one after the other.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail.message import sanitize_address
from django.core.mail.utils import DNS_NAME

from bench.lib.floor_loop import FloorEmail, FloorPush, FloorShare, serve
from monquartier.outbox import push, sources, transports
from monquartier.outbox.models import Channel, Delivery, DeliveryStatus, PushSubscription

CHUNK = 2_000  # outbox rows rendered at a time


@dataclass
class Prepared:
    pushes: list[FloorPush]
    emails: list[FloorEmail]
    skeletons: list[tuple[bytes, bytes, bytes, bytes]]
    raw_emails: int  # e-mails that fit no skeleton (built whole, as the sender does)
    push_origin: str
    seconds: float


def prepare(lo: int, hi: int) -> Prepared:
    """The messages the workers sent for the alerts lo..hi, rendered as they were."""
    began = time.perf_counter()
    ids = list(
        Delivery.objects.filter(
            alert_id__gte=lo,
            alert_id__lte=hi,
            channel__in=(Channel.EMAIL, Channel.PUSH),
            status=DeliveryStatus.SENT,
        )
        .order_by("id")
        .values_list("id", flat=True)
    )
    ttl = str(int(getattr(settings, "PUSH_TTL_SECONDS", push.DEFAULT_TTL_SECONDS)))
    pushes: list[FloorPush] = []
    emails: list[FloorEmail] = []
    skeleton_index: dict[tuple, int] = {}
    skeleton_objects: list[transports._Skeleton] = []
    raw_emails = 0
    payloads: dict[tuple, tuple[bytes, str]] = {}
    origin = ""
    for start in range(0, len(ids), CHUNK):
        rows = list(
            Delivery.objects.filter(id__in=ids[start : start + CHUNK])
            .select_related("user")
            .defer("user__mobile", "user__landline")
            .prefetch_related(*sources.prefetches())
            .order_by("id")
        )
        subscriptions = defaultdict(list)
        push_users = {row.user_id for row in rows if row.channel == Channel.PUSH}
        for subscription in PushSubscription.objects.filter(user_id__in=push_users):
            subscriptions[subscription.user_id].append(subscription)
        for row in rows:
            source, carried = sources.of(row)
            if row.channel == Channel.EMAIL:
                if source.email is None:
                    raise ValueError(f"Delivery {row.pk}: {source.field} rows go by no e-mail")
                email = source.email(row)
                key = transports._skeleton_key(email)
                if key not in skeleton_index:
                    skeleton_index[key] = len(skeleton_objects)
                    skeleton_objects.append(transports._Skeleton(email))
                index = skeleton_index[key]
                if skeleton_objects[index].fits(email):
                    emails.append(
                        FloorEmail(
                            to=email.to,
                            skeleton=index,
                            message_id=email.message_id,
                            link=email.link,
                        )
                    )
                else:
                    raw = transports._django_message(email).message().as_bytes(linesep="\r\n")
                    emails.append(FloorEmail(to=email.to, raw=raw))
                    raw_emails += 1
                continue
            if row.user is None or row.user_id is None or source.push is None:
                raise ValueError(f"Push delivery {row.pk} has no member or no push")
            language = row.user.language
            payload_key = (source.field, carried.pk, language)
            if payload_key not in payloads:
                payload = source.push(carried, language)
                payloads[payload_key] = (
                    push.encode_payload(payload),
                    str(payload.get("tag") or ""),
                )
            data, topic = payloads[payload_key]
            headers = {"TTL": ttl, "Urgency": "high"}
            if push._TOPIC.match(topic):
                headers["Topic"] = topic
            for subscription in subscriptions[row.user_id]:
                parts = urlsplit(subscription.endpoint)
                origin = f"{parts.scheme}://{parts.netloc}"
                pushes.append(
                    FloorPush(
                        path=parts.path,
                        p256dh=push.b64url_decode(subscription.p256dh),
                        auth=push.b64url_decode(subscription.auth),
                        data=data,
                        headers=headers,
                    )
                )
    skeletons = [
        (
            skeleton.raw,
            skeleton.TO.encode(),
            skeleton.ID.encode(),
            transports.LINK.encode(),
        )
        for skeleton in skeleton_objects
    ]
    return Prepared(pushes, emails, skeletons, raw_emails, origin, time.perf_counter() - began)


@dataclass
class FloorResult:
    seconds: float  # from the word go until the last process is done
    push_seconds: float  # until the last process had sent its pushes
    pushes_ok: int
    emails_ok: int
    cpu: float  # CPU seconds of the floor processes while sending
    processes: int
    push_threads: int
    smtp_connections: int


def run_floor(
    prepared: Prepared,
    *,
    processes: int,
    vapid_private_key: str,
    smtp_port: int,
) -> FloorResult:
    """Send the prepared messages from `processes` processes, each its contiguous share,
    as the workers would; time it from go to the last one done."""
    push_threads = push.DEFAULT_WORKERS
    smtp_connections = int(getattr(settings, "EMAIL_SMTP_CONNECTIONS", 1))
    parts = urlsplit(prepared.push_origin) if prepared.push_origin else None
    sender = sanitize_address(settings.DEFAULT_FROM_EMAIL, settings.DEFAULT_CHARSET)

    def share(items: list, index: int) -> list:
        size = -(-len(items) // processes)
        return items[index * size : (index + 1) * size]

    context = multiprocessing.get_context("spawn")
    pipes, children = [], []
    try:
        for index in range(processes):
            mine, theirs = context.Pipe()
            child = context.Process(target=serve, args=(theirs,), name="bench-floor", daemon=True)
            child.start()
            mine.send(
                FloorShare(
                    push_host=(parts.hostname if parts else "") or "127.0.0.1",
                    push_port=(parts.port if parts else 0) or 80,
                    push_origin=prepared.push_origin,
                    vapid_private_key=vapid_private_key,
                    vapid_subject=push.vapid_subject(),
                    jwt_lifetime=push.JWT_LIFETIME_SECONDS,
                    push_threads=push_threads,
                    smtp_host="127.0.0.1",
                    smtp_port=smtp_port,
                    smtp_connections=smtp_connections,
                    sender=sender,
                    skeletons=prepared.skeletons,
                    pushes=share(prepared.pushes, index),
                    emails=share(prepared.emails, index),
                    ehlo_name=str(DNS_NAME),
                )
            )
            pipes.append(mine)
            children.append(child)
        for pipe in pipes:
            if not pipe.poll(120) or pipe.recv() != "ready":
                raise RuntimeError("a floor process did not get ready")
        began = time.time()
        for pipe in pipes:
            pipe.send("go")
        reports: list[dict[str, Any]] = []
        for pipe in pipes:
            if not pipe.poll(600):
                raise RuntimeError("a floor process did not finish in 10 minutes")
            report = pipe.recv()
            if isinstance(report, Exception):
                raise report
            reports.append(report)
    finally:
        for child in children:
            child.join(10)
            if child.is_alive():
                child.kill()
                child.join(5)
    return FloorResult(
        seconds=max(report["finished"] for report in reports) - began,
        push_seconds=max(report["pushed"] for report in reports) - began,
        pushes_ok=sum(report["pushes_ok"] for report in reports),
        emails_ok=sum(report["emails_ok"] for report in reports),
        cpu=sum(report["cpu"] for report in reports),
        processes=processes,
        push_threads=push_threads,
        smtp_connections=smtp_connections,
    )


def floor_rows(
    row,
    key: str,
    label: str,
    sender_seconds: float | None,
    workers_cpu: float | None,
    prepared: Prepared,
    result: FloorResult,
    sinks: dict[str, Any],
    target: float,
) -> list[dict[str, Any]]:
    """The floor's row and the ratio's row, made with the benchmark's `row` (figure)."""
    expected_pushes, expected_emails = len(prepared.pushes), len(prepared.emails)
    received = (
        f"the sinks received {sinks['emails']} e-mails and {sinks['pushes']} pushes "
        f"(sent {expected_emails} and {expected_pushes}; push sink refused "
        f"{sinks['push_rejected']})"
    )
    complete = (
        sinks["emails"] == expected_emails
        and sinks["pushes"] == expected_pushes
        and result.emails_ok == expected_emails
        and result.pushes_ok == expected_pushes
    )
    floor_note = (
        f"{expected_pushes} pushes and {expected_emails} e-mails, the very messages the workers "
        f"sent (rendered beforehand in {prepared.seconds:.1f} s, not timed; "
        f"{prepared.raw_emails} built whole, the others from {len(prepared.skeletons)} "
        f"skeletons), no database: {result.processes} processes, each with "
        f"{result.push_threads} push threads on kept-alive HTTP connections (encryption by "
        f"http_ece as pywebpush does it, one VAPID signature per process) then "
        f"{result.smtp_connections} SMTP connections; pushes done after "
        f"{result.push_seconds:.2f} s; floor CPU {result.cpu:.2f} s "
        f"({1000 * result.cpu / max(expected_pushes + expected_emails, 1):.2f} ms a message); "
        f"{received}"
    )
    messages = max(expected_pushes + expected_emails, 1)
    cpu_note = ""
    if workers_cpu is not None and result.cpu > 0:
        cpu_note = (
            f"; CPU: the workers used {workers_cpu:.2f} s meanwhile "
            f"({1000 * workers_cpu / messages:.2f} ms a message, the fan-out, the SMS and the "
            f"task queue included), the floor {result.cpu:.2f} s "
            f"({1000 * result.cpu / messages:.2f} ms): {workers_cpu / result.cpu:.1f} × "
            f"(on a busy machine the CPU ratio is the steadier one)"
        )
    ratio = (
        sender_seconds / result.seconds
        if sender_seconds is not None and result.seconds > 0 and complete
        else None
    )
    return [
        row(
            f"{key}.floor",
            f"{label}: the senders' floor (same messages, same sinks, no database)",
            result.seconds,
            "s",
            note=floor_note if complete else "INCOMPLETE: " + floor_note,
        ),
        row(
            f"{key}.sender_ratio",
            f"{label}: senders ÷ floor",
            ratio,
            "×",
            target=f"≤ {target:g} ×",
            passed=ratio is not None and ratio <= target,
            note=(
                f"the workers' time from the commit until every e-mail and push was handed "
                f"over ({sender_seconds:.2f} s, fan-out and polling resolution included) ÷ "
                f"the floor's {result.seconds:.2f} s, one after the other in this run" + cpu_note
                if sender_seconds is not None
                else "the workers did not finish"
            ),
        ),
    ]
