"""USSD benchmark: the server time of each screen of the short code's menu, on the scale
data (issue 15, benchmark).

Every path a basic phone takes (the home menu, the last alerts, "j'ai vu", the référents,
alert SMS off and on again, help, a number no member uses, a number two members share) is
played as the provider plays it: one POST to the real callback view per key, with
everything typed so far joined by "*", through Django's test client in this process
(every middleware, the view, the database; no network). Each sampled member (and each
unknown number) makes its own sessions. Figures: p50, p95 and p99 of the server time per
screen, against the target p99 ≤ 200 ms (what the provider leaves us before it shows the
person an error is a few seconds; the target keeps most of it for the network).

What the paths change is put back: the acknowledgements and reads they made are deleted,
alert SMS are switched off then on (the number's opt-out goes, as REPRENDRE would do),
the number lent for the shared-number path is given back, the sessions are deleted. The
daily caps on sessions (FLOOD_LIMITS "ussd_session…") are lifted for the run.
Launching an alert and confirming a call-back are not played: they notify people (the
fan-out has its own benchmark).
"""

import argparse
import functools
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import numpy as np
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from bench import scale
from bench.lib.figures import figure
from monquartier.accounts.models import User
from monquartier.alerts.models import AlertAcknowledgement, AlertRead
from monquartier.outbox.models import SMSOptOut
from monquartier.ussd.models import UssdSession

_row = functools.partial(figure, "ussd")

TARGET_P99_MS = 200.0
MEMBERS = 100
QUICK_MEMBERS = 10
ROUNDS = 5  # every path, for every sampled member, this many times
QUICK_ROUNDS = 2
SESSION_PREFIX = "bench-ussd-"
# No scale member has such a number (bench/scale/plan.py mobile_of: +22507 + 8-digit id).
UNKNOWN_PREFIX = "+22507990"

# A path: the screens in order, each reached by the key typed (None: dialling the code).
PATHS: dict[str, list[tuple[str, str | None]]] = {
    "home": [("home", None)],
    "last alerts": [("home", None), ("last alerts", "2"), ("next alert", "1")],
    "acknowledge": [("home", None), ("acknowledge", "3")],
    "referents": [("home", None), ("referents", "4")],
    "stop/resume": [
        ("home", None),
        ("alert SMS", "5"),
        ("alert SMS switched", "1"),
        ("back", "0"),
        ("alert SMS switched", "1"),
    ],
    "help": [("home", None), ("help", "6")],
    "unknown number": [
        ("visitor", None),
        ("communes", "1"),
        ("commune chosen", "1"),
        ("visitor", "00"),
        ("help (visitor)", "2"),
    ],
    "shared number": [("accounts", None), ("account chosen", "1"), ("home", "00")],
}


@dataclass(frozen=True)
class Phone:
    number: str
    user_id: int | None  # None: nobody's number


_SAMPLE_SQL = """
    SELECT u.id, u.mobile FROM communities_membership AS m
    JOIN accounts_user AS u ON u.id = m.user_id
    WHERE m.status = 'active' AND u.is_active AND u.mobile_verified AND u.mobile <> ''
      AND NOT EXISTS (SELECT 1 FROM accounts_user AS o WHERE o.mobile = u.mobile AND o.id <> u.id)
    ORDER BY random() LIMIT %s
"""


def sample_phones(count: int, seed: int) -> list[Phone]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
        cursor.execute(_SAMPLE_SQL, [count])
        return [Phone(str(mobile), user_id) for user_id, mobile in cursor.fetchall()]


class Player:
    """Plays paths through the callback view and keeps each screen's timings."""

    def __init__(self, secret: str):
        self.client = Client(HTTP_HOST="127.0.0.1")
        self.url = reverse("ussd:callback", args=[secret])
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.sessions = 0
        self.failures: list[str] = []

    def play(self, path: list[tuple[str, str | None]], phone: str) -> None:
        self.sessions += 1
        session_id = f"{SESSION_PREFIX}{self.sessions}-{secrets.token_hex(4)}"
        keys: list[str] = []
        for screen, key in path:
            if key is not None:
                keys.append(key)
            body = urlencode(
                {
                    "sessionId": session_id,
                    "serviceCode": "*384*15#",
                    "phoneNumber": phone,
                    "networkCode": "62001",
                    "text": "*".join(keys),
                }
            )
            started = time.perf_counter()
            response = self.client.post(
                self.url, body, content_type="application/x-www-form-urlencoded"
            )
            elapsed = (time.perf_counter() - started) * 1000
            text = response.content.decode()
            if response.status_code != 200 or not text.startswith(("CON ", "END ")):
                self.failures.append(f"{screen}: {response.status_code} {text[:60]!r}")
                return
            if "Service indisponible" in text:
                self.failures.append(f"{screen}: {text[:60]!r}")
            self.timings[screen].append(elapsed)


def _percentile(values: list[float], share: float) -> float:
    return round(float(np.percentile(values, share)), 2)


def screen_rows(player: Player) -> list[dict[str, Any]]:
    rows = []
    for screen, timings in player.timings.items():
        p99 = _percentile(timings, 99)
        slug = screen.replace(" ", "_").replace("(", "").replace(")", "").replace("/", "_")
        note = f"{len(timings)} callbacks; p50 {_percentile(timings, 50)} ms, p95 {_percentile(timings, 95)} ms"
        rows += [
            _row(f"{slug}.p50", f"USSD: {screen}, server time p50", _percentile(timings, 50), "ms"),
            _row(f"{slug}.p95", f"USSD: {screen}, server time p95", _percentile(timings, 95), "ms"),
            _row(
                f"{slug}.p99",
                f"USSD: {screen}, server time p99",
                p99,
                "ms",
                target=f"≤ {TARGET_P99_MS:.0f} ms",
                passed=p99 <= TARGET_P99_MS,
                note=note,
            ),
        ]
    return rows


def run(options: argparse.Namespace) -> list[dict[str, Any]]:
    if connection.vendor != "postgresql":
        raise RuntimeError("the USSD benchmark needs PostgreSQL")
    quick = bool(getattr(options, "quick", False))
    seed = getattr(options, "seed", 1)
    scale.ensure_loaded(options)
    phones = sample_phones(QUICK_MEMBERS if quick else MEMBERS, seed)
    if len(phones) < 2:
        raise RuntimeError("the scale data has fewer than two members with a verified mobile")
    rounds = QUICK_ROUNDS if quick else ROUNDS
    started_at = timezone.now()
    member_ids = [phone.user_id for phone in phones]
    # The shared number: the second member lends theirs to the first for the run.
    lender, borrower = phones[0], phones[1]
    borrowed = User.objects.filter(pk=borrower.user_id).values_list("mobile", flat=True).get()
    secret = secrets.token_urlsafe(24)
    player = Player(secret)
    began = time.perf_counter()
    try:
        User.objects.filter(pk=borrower.user_id).update(mobile=lender.number)
        # The daily caps on sessions are not what is measured: the paths open more.
        limits = {
            **settings.FLOOD_LIMITS,
            "ussd_session": (10**6, 24 * 3600),
            "ussd_session_community": (10**6, 24 * 3600),
        }
        with override_settings(
            USSD_WEBHOOK_SECRET=secret,
            ALLOWED_HOSTS=["127.0.0.1", "testserver"],
            FLOOD_LIMITS=limits,
        ):
            for _round in range(rounds):
                for index, phone in enumerate(phones):
                    for name, path in PATHS.items():
                        if name == "shared number":
                            player.play(path, lender.number)
                        elif name == "unknown number":
                            player.play(path, f"{UNKNOWN_PREFIX}{index:05d}")
                        elif phone is not lender:
                            player.play(path, phone.number)
    finally:
        User.objects.filter(pk=borrower.user_id).update(mobile=borrowed)
        AlertAcknowledgement.objects.filter(user_id__in=member_ids, at__gte=started_at).delete()
        AlertRead.objects.filter(user_id__in=member_ids, read_at__gte=started_at).delete()
        SMSOptOut.objects.filter(number__startswith=UNKNOWN_PREFIX).delete()
        UssdSession.objects.filter(session_id__startswith=SESSION_PREFIX).delete()
    seconds = time.perf_counter() - began
    callbacks = sum(len(values) for values in player.timings.values())
    everything = [value for values in player.timings.values() for value in values]
    rows = screen_rows(player)
    rows += [
        _row(
            "all.p99",
            "USSD: every screen, server time p99",
            _percentile(everything, 99) if everything else None,
            "ms",
            target=f"≤ {TARGET_P99_MS:.0f} ms",
            passed=bool(everything) and _percentile(everything, 99) <= TARGET_P99_MS,
            note=(
                f"{player.sessions} sessions, {callbacks} callbacks in {seconds:.1f} s; "
                f"{len(phones)} members × {rounds} rounds of {len(PATHS)} paths; Django's test "
                "client in this process"
            ),
        ),
        _row(
            "errors",
            "USSD: callbacks without a screen (or with the error screen)",
            len(player.failures),
            target="0",
            passed=not player.failures,
            note="; ".join(player.failures[:5]),
        ),
    ]
    return rows
