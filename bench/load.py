"""Load: 60 s at 50 concurrent clients across the member pages while alerts are being sent
(TARGETS.md, "load": 0 errors), on the scale data.

The site of bench/pages.py (gunicorn as in production, sampled members logged in, the
client in its own process) serves every member page, each request for a random member
and page, from `--load-clients` connections for `--load-seconds`. Meanwhile this process
sends alerts through the app's own send_alert, one every ALERT_INTERVAL_S, each from a
member of a different community; `manage.py db_worker` processes fan them out and send
them to the local outside world of bench/fanout.py (its Sinks and Workers: SMTP sink, fake
Africa's Talking, push service), with a short SMS delay. After the pages stop, it waits
until every delivery of those alerts is handed over, then counts, channel by channel, the
rows written, the rows handed to the transports, and the messages the sinks received.

Errors: any answer but 200, a timeout (10 s) or a broken connection.
"""

import argparse
import functools
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from django.db import connection
from django.test.utils import override_settings

from bench import fanout as fanout_bench
from bench import scale
from bench.lib.figures import figure
from bench.pages import (
    PhaseResult,
    Site,
    join_notes,
    ms,
    percentile,
    run_phase,
    start_site,
    warm_up,
)
from monquartier.accounts.models import User
from monquartier.alerts import services as alert_services
from monquartier.alerts.models import AlertCategory
from monquartier.communities.models import Community, Membership
from monquartier.outbox.models import Channel, PushSubscription

LOAD_SECONDS = 60.0
QUICK_LOAD_SECONDS = 20.0
LOAD_CLIENTS = 50
MEMBERS_SAMPLED = 300
QUICK_MEMBERS_SAMPLED = 60
ALERT_INTERVAL_S = 2.0
SMS_DELAY_S = 10
WORKERS = 3
DELIVERY_TIMEOUT_S = 300.0


_row = functools.partial(figure, "load")


def alert_senders(count: int, seed: int) -> list[User]:
    """One member (with an e-mail: a member who uses the site) in each of `count`
    communities drawn at random."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [((seed + 500) % 1000) / 1000])
    communities = list(Community.objects.order_by("?").values_list("pk", flat=True)[:count])
    senders = []
    for community_id in communities:
        membership = (
            Membership.objects.active()
            .filter(community_id=community_id, user__email__isnull=False)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if membership is not None:
            senders.append(membership.user)
    return senders


def point_push_at(push_url: str, community_ids: list[int]) -> int:
    """The push subscriptions of these communities' members go to the push sink instead
    of nowhere (bench/scale/'s placeholder)."""
    members = Membership.objects.active().filter(community_id__in=community_ids).values("user_id")
    subscriptions = PushSubscription.objects.filter(user_id__in=members)
    with connection.cursor() as cursor:
        query, params = subscriptions.values("pk").query.sql_with_params()
        cursor.execute(
            f"UPDATE {PushSubscription._meta.db_table} "  # noqa: S608 (our own table)
            f"SET endpoint = %s || substring(endpoint from '/push/.*$') WHERE id IN ({query})",
            [push_url, *params],
        )
        return cursor.rowcount


class AlertSender(threading.Thread):
    """Sends one alert every `interval` seconds until stopped, each from the next sender."""

    def __init__(self, senders: list[User], interval: float) -> None:
        super().__init__(daemon=True)
        self.senders = senders
        self.interval = interval
        self.sent: list[tuple[int, float]] = []  # (alert id, time.time() after the commit)
        self.failures: list[str] = []
        self._halt = threading.Event()

    def run(self) -> None:
        categories = list(AlertCategory.values)
        try:
            for number, sender in enumerate(self.senders):
                if self._halt.is_set():
                    break
                try:
                    alert = alert_services.send_alert(
                        sender,
                        category=categories[number % len(categories)],
                        text=f"Exercice de charge {number}: deux hommes rôdent près du lot {number}",
                    )
                    self.sent.append((alert.pk, time.time()))
                except Exception as error:  # counted and shown: the figures say it
                    self.failures.append(f"{type(error).__name__}: {error}")
                self._halt.wait(self.interval)
        finally:
            connection.close()  # this thread's own connection

    def stop(self) -> None:
        self._halt.set()
        self.join(30)


def _by_page(result: PhaseResult) -> str:
    parts = []
    for label in scale.PAGES:
        stats = result.by_label.get(label)
        if not stats:
            continue
        p95 = percentile(stats["latencies_ms"], 95)
        parts.append(f"{label} {stats['answers']} ({ms(p95)} p95 client)")
    return ", ".join(parts)


def run(options: argparse.Namespace) -> list[dict[str, Any]]:
    if connection.vendor != "postgresql":
        raise RuntimeError("the load benchmark needs PostgreSQL (workers with SKIP LOCKED)")
    quick = bool(getattr(options, "quick", False))
    seed = getattr(options, "seed", 1)
    seconds = getattr(options, "load_seconds", None) or (
        QUICK_LOAD_SECONDS if quick else LOAD_SECONDS
    )
    clients = getattr(options, "load_clients", None) or LOAD_CLIENTS
    worker_count = getattr(options, "workers", None) or WORKERS
    site: Site = start_site(options, QUICK_MEMBERS_SAMPLED if quick else MEMBERS_SAMPLED, "load")
    log_dir = Path(tempfile.mkdtemp(prefix="bench-load-workers-"))
    sinks = fanout_bench.Sinks(getattr(options, "smtp_sink", None) or "fast")
    env = fanout_bench.Environment(sinks, site.production.vapid[0], worker_count, log_dir)
    workers: fanout_bench.Workers | None = None
    keep_logs = False
    try:
        with override_settings(
            ALERT_SMS_DELAY_SECONDS=SMS_DELAY_S, ALERT_SENDER_TASKS=worker_count
        ):
            alerts_planned = int(seconds / ALERT_INTERVAL_S) + 1
            senders = alert_senders(alerts_planned + 1, seed)
            communities = list(
                Membership.objects.active()
                .filter(user__in=senders)
                .values_list("community_id", flat=True)
            )
            pointed = point_push_at(sinks.info["push_url"], communities)
            print(f"   {worker_count} workers, sinks, warm-up alert …", flush=True)
            workers = fanout_bench.Workers(
                worker_count, env.worker_environ(SMS_DELAY_S), log_dir, "load"
            ).start()
            warmup_alert = alert_services.send_alert(
                senders[0], category=AlertCategory.OTHER, text="Échauffement des workers"
            )
            fanout_bench.wait_idle(warmup_alert.pk, warmup_alert.pk, workers)
            sinks.clear()
            warm_up(site, scale.PAGES, 3.0, clients, seed)
            targets = [target for page in scale.PAGES for target in site.targets(page)]
            sender = AlertSender(senders[1:], ALERT_INTERVAL_S)
            print(
                f"   {clients} clients on the member pages for {seconds:g} s, an alert every "
                f"{ALERT_INTERVAL_S:g} s …",
                flush=True,
            )
            server = site.server
            meter = fanout_bench.CpuMeter(
                {
                    "gunicorn": lambda: [server.process.pid, *server.worker_pids()],
                    "workers": workers.pids,
                    "PostgreSQL": fanout_bench._postgres_pids,
                    "sinks": lambda: [sinks.pid],
                    "client": lambda: [site.client.pid],
                    "benchmark": lambda: [os.getpid()],
                }
            )
            before = meter.snapshot()
            sender.start()
            result = run_phase(
                site.client,
                site.server,
                "load",
                targets,
                connections=clients,
                seconds=seconds,
                warmup=0.0,
                seed=seed,
            )
            sender.stop()
            during = meter.note(before, meter.snapshot())
            sent = sender.sent
            print(f"   {len(sent)} alerts sent; waiting for their deliveries …", flush=True)
            if sent:
                lo, hi = sent[0][0], sent[-1][0]
                seen = fanout_bench.watch(lo, hi, time.time() + DELIVERY_TIMEOUT_S, workers)
                outcome = fanout_bench.outcome(lo, hi, SMS_DELAY_S)
                problems, counts = fanout_bench.check_counts(outcome, sinks.summary())
                finished = seen.email_push_done is not None and seen.sms_done is not None
            else:
                outcome, problems, counts, finished = None, 0, "no alert was sent", False
            worker_errors = workers.errors()
    except Exception:
        keep_logs = True
        raise
    finally:
        if workers is not None:
            workers.stop()
        sinks.close()
        site.close(keep_logs)
        if keep_logs:
            print(f"   worker logs kept in {log_dir}", flush=True)
        else:
            shutil.rmtree(log_dir, ignore_errors=True)

    p95 = percentile(result.server_ms, 95)
    c95 = percentile(result.client_ms, 95)
    errors = result.errors
    written = outcome.rows if outcome else 0
    handed = (
        sum(
            outcome.count(channel, "sent", "delivered")
            for channel in (Channel.EMAIL, Channel.PUSH, Channel.SMS)
        )
        if outcome
        else 0
    )
    last_sent = max(when for _alert, when in sent) if sent else None
    delivered_after = (
        max(moment for moment in (seen.email_push_done, seen.sms_done) if moment is not None)
        - last_sent
        if sent and finished
        else None
    )
    return [
        _row(
            "errors",
            f"load: errors ({clients} clients, {seconds:g} s, alerts being sent)",
            errors,
            target="0",
            passed=errors == 0,
            note=join_notes(
                f"{result.answers} answers 200 in {result.seconds:.1f} s ({result.rate:.0f} req/s) "
                f"across the {len(scale.PAGES)} member pages of {len(site.members)} members",
                f"errors by kind: {result.error_kinds}" if result.errors else "",
                f"statuses other than 200 in gunicorn's log: {result.other_statuses}"
                if result.other_statuses
                else "",
                f"server time p95 {ms(p95)}, client p95 {ms(c95)} (50 clients on "
                f"{site.server.workers} gunicorn workers × {site.server.threads} thread(s): the "
                f"client's queue)",
                f"per page: {_by_page(result)}",
            ),
        ),
        _row(
            "alerts",
            "load: alerts sent during the load",
            len(sent),
            note=join_notes(
                f"send_alert every {ALERT_INTERVAL_S:g} s, each from another community "
                f"({pointed} push subscriptions pointed at the push sink); {worker_count} "
                f"db_worker processes; ALERT_SMS_DELAY_SECONDS={SMS_DELAY_S}",
                f"every delivery handed over {delivered_after:.1f} s after the last alert"
                if delivered_after is not None
                else "NOT every delivery was handed over in time",
                f"send_alert failed: {sender.failures[:3]}" if sender.failures else "",
                during,
            ),
        ),
        _row(
            "deliveries",
            "load: deliveries lost, duplicated or not sent",
            problems if finished else None,
            target="0",
            passed=finished and problems == 0 and not sender.failures,
            note=join_notes(
                f"{written} delivery rows written, {handed} handed to the transports",
                counts,
                f"worker error: {worker_errors}" if worker_errors else "",
            ),
        ),
        _row(
            "server_p95",
            "load: server time p95 under load",
            p95,
            "ms",
            note=f"gunicorn's request time (%(D)s), all pages; p50 {ms(percentile(result.server_ms, 50))}; "
            f"{result.cpu.note()}; mean {np.mean(result.server_ms) if result.server_ms else 0:.1f} ms",
        ),
    ]
