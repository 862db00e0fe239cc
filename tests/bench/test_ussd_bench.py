"""The USSD benchmark (bench/ussd.py) at a tiny size: every path plays through the real
callback view without an error screen, each screen has its p50/p95/p99 rows with the
target, and what the paths changed is put back. PostgreSQL only (the scale data's COPY)."""

import os
from argparse import Namespace

import pytest

from bench import scale, ussd
from monquartier.accounts.models import User
from monquartier.alerts.models import AlertAcknowledgement
from monquartier.outbox.models import SMSOptOut
from monquartier.ussd.models import UssdSession

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL (DATABASE_URL)",
    ),
]


@pytest.fixture
def loaded(db, communes):
    return scale.load(300, 6, seed=3, verbose=False)


def test_every_screen_has_its_rows_and_nothing_is_left_behind(loaded, monkeypatch):
    monkeypatch.setattr(ussd, "QUICK_MEMBERS", 4)
    monkeypatch.setattr(ussd, "QUICK_ROUNDS", 1)
    mobiles = dict(User.objects.values_list("pk", "mobile"))
    opted_out = SMSOptOut.objects.count()
    options = Namespace(quick=True, seed=3, members=300, scale_communities=6)
    rows = {row["id"]: row for row in ussd.run(options)}
    assert rows["ussd.errors"]["value"] == 0, rows["ussd.errors"]["note"]
    for screen in (
        "home",
        "last_alerts",
        "acknowledge",
        "referents",
        "alert_SMS",
        "alert_SMS_switched",
        "help",
        "visitor",
        "communes",
        "help_visitor",
        "accounts",
        "account_chosen",
    ):
        for share in ("p50", "p95", "p99"):
            row = rows[f"ussd.{screen}.{share}"]
            assert row["unit"] == "ms" and row["value"] > 0, row
        assert rows[f"ussd.{screen}.p99"]["target"] == "≤ 200 ms"
    assert rows["ussd.all.p99"]["target"] == "≤ 200 ms"
    assert dict(User.objects.values_list("pk", "mobile")) == mobiles
    assert SMSOptOut.objects.count() == opted_out
    assert not AlertAcknowledgement.objects.filter(channel="ussd").exists()
    assert not UssdSession.objects.exists()
