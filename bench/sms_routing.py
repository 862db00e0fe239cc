"""SMS routing benchmark: how long the router takes to decide where an alert's SMS go
(issue 15, benchmark). The providers are stand-ins that accept everything at once, so
the time measured is the router's own: each number's operator, the circuit of each
provider (one cache read a batch), the grouping and the outcomes. The sender's batch is
500 SMS (outbox/sender.py BATCH_SIZE)."""

import argparse
import statistics
import time
from collections.abc import Sequence
from typing import Any

from bench.lib.figures import figure
from monquartier.outbox.sms import BaseSMSBackend, RoutingSMSBackend, SMSMessage, SMSSent
from monquartier.outbox.sms.circuit import CircuitBreaker

BATCH = 500
TARGET_MS = 50.0  # per batch of 500: nothing next to the providers' own seconds


class _Accepting(BaseSMSBackend):
    def send_messages(self, messages: Sequence[SMSMessage]) -> list[SMSSent]:
        return [SMSSent(message=message, provider_id="x") for message in messages]


PROVIDERS = {
    "orange": {"BACKEND": "bench.sms_routing._Accepting"},
    "africastalking": {"BACKEND": "bench.sms_routing._Accepting"},
}
ROUTES = {"orange": "orange", "mtn": "africastalking", "moov": "africastalking"}


def _batch(round_: int) -> list[SMSMessage]:
    prefixes = ("07", "05", "01")
    return [
        SMSMessage(
            to=f"+225{prefixes[i % 3]}{(round_ * BATCH + i) % 10**8:08d}",
            text="ALERTE Vol - Riviera 2: deux hommes au portail",
            reference=str(i),
        )
        for i in range(BATCH)
    ]


def run(options: argparse.Namespace) -> list[dict[str, Any]]:
    rounds = 10 if getattr(options, "quick", False) else 50
    for name in PROVIDERS:
        CircuitBreaker(name).reset()
    timings = []
    for round_ in range(rounds):
        messages = _batch(round_)
        started = time.perf_counter()
        router = RoutingSMSBackend(providers=PROVIDERS, routes=ROUTES, default="africastalking")
        router.send_messages(messages)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p50 = statistics.median(timings)
    p99 = timings[min(len(timings) - 1, round(0.99 * (len(timings) - 1)))]
    note = f"{rounds} batches of {BATCH} SMS, Orange/MTN/Moov numbers mixed, providers stubbed"
    return [
        figure(
            "sms_routing",
            "batch.p50",
            "SMS routing: decision per batch of 500, p50",
            round(p50, 2),
            "ms",
            note=note,
        ),
        figure(
            "sms_routing",
            "batch.p99",
            "SMS routing: decision per batch of 500, p99",
            round(p99, 2),
            "ms",
            target=f"≤ {TARGET_MS:.0f} ms",
            passed=p99 <= TARGET_MS,
            note=note,
        ),
    ]
