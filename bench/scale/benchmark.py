"""What the page benchmarks read of the scale data, and the scale benchmark's rows."""

import argparse
import functools
import random
from dataclasses import dataclass
from typing import Any

from django.db import connection

from bench.lib.figures import figure
from bench.scale.database import check_database
from bench.scale.loading import load
from bench.scale.meta import Report, matching_load
from bench.scale.shape import COMMUNITIES, MEMBERS, QUICK_COMMUNITIES, QUICK_MEMBERS
from monquartier.alerts.models import Alert
from monquartier.gazette.models import Post
from monquartier.messaging.models import Participant

_row = functools.partial(figure, "scale")


# The member pages (TARGETS.md, "member pages"; issue 6, item 3), in the order shown.
PAGES = (
    "home",
    "alerts",
    "alert",
    "gazette",
    "post",
    "directory",
    "community",
    "history",
    "conversations",
    "conversation",
)


@dataclass(frozen=True)
class Member:
    """A loaded member who can log in, and the address of each member page for them."""

    user_id: int
    email: str
    community_id: int
    urls: dict[str, str]


_SAMPLE_SQL = """
    SELECT m.user_id, u.email, m.community_id
    FROM communities_membership AS m
    JOIN accounts_user AS u ON u.id = m.user_id
    WHERE m.status = 'active' AND u.email IS NOT NULL AND u.is_active AND NOT u.is_staff
      AND EXISTS (SELECT 1 FROM messaging_participant AS p WHERE p.user_id = m.user_id)
      AND EXISTS (SELECT 1 FROM alerts_alert AS a
                  WHERE a.community_id = m.community_id AND a.hidden_at IS NULL)
      AND EXISTS (SELECT 1 FROM gazette_post AS g
                  WHERE g.community_id = m.community_id AND g.hidden_at IS NULL)
      {extra}
    ORDER BY random()
    LIMIT %s
"""


def sample_members(count: int, seed: int = 1, *, largest_share: float = 0.1) -> list[Member]:
    """`count` members drawn at random among those who have something on every page
    (an alert and a post in their community, a conversation), a share of them from the
    largest community (the longest lists). Reproducible for a seed and the same data."""
    from django.urls import reverse

    largest = max(1, round(count * largest_share)) if count > 1 else 0
    rows: list[tuple[int, str, int]] = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
        cursor.execute(
            "SELECT community_id FROM communities_membership WHERE status = 'active' "
            "GROUP BY community_id ORDER BY count(*) DESC, community_id LIMIT 1"
        )
        found = cursor.fetchone()
        if found and largest:
            cursor.execute(_SAMPLE_SQL.format(extra="AND m.community_id = %s"), [found[0], largest])
            rows += cursor.fetchall()
        cursor.execute(_SAMPLE_SQL.format(extra=""), [count - len(rows)])
        rows += cursor.fetchall()
    members = []
    rng = random.Random(seed)
    for user_id, email, community_id in rows:
        alerts = list(
            Alert.objects.visible()
            .filter(community_id=community_id)
            .order_by("-created_at")
            .values_list("pk", flat=True)[:20]
        )
        posts = list(
            Post.objects.visible()
            .filter(community_id=community_id)
            .order_by("-created_at")
            .values_list("pk", flat=True)[:20]
        )
        conversations = list(
            Participant.objects.filter(user_id=user_id).values_list("conversation_id", flat=True)
        )
        urls = {
            "home": reverse("home"),
            "alerts": reverse("alerts:list"),
            "alert": reverse("alerts:detail", args=[rng.choice(alerts)]),
            "gazette": reverse("gazette:list"),
            "post": reverse("gazette:detail", args=[rng.choice(posts)]),
            "directory": reverse("communities:directory", args=[community_id]),
            "community": reverse("communities:info", args=[community_id]),
            "history": reverse("communities:history", args=[community_id]),
            "conversations": reverse("messaging:list"),
            "conversation": reverse("messaging:conversation", args=[rng.choice(conversations)]),
        }
        members.append(Member(user_id, email, community_id, urls))
    return members


def sizes_for(options: argparse.Namespace) -> tuple[int, int]:
    members = getattr(options, "members", None)
    communities = getattr(options, "scale_communities", None)
    quick = bool(getattr(options, "quick", False))
    if members is None:
        members = QUICK_MEMBERS if quick else MEMBERS
    if communities is None:
        communities = QUICK_COMMUNITIES if quick else COMMUNITIES
    return members, communities


def ensure_loaded(options: argparse.Namespace, *, reload: bool = False) -> Report:
    """The scale data of the options' size: reused when it is in the database already
    (unless `reload`), loaded otherwise."""
    check_database()
    members, communities = sizes_for(options)
    seed = getattr(options, "seed", 1)
    meta = None if reload else matching_load(members, communities, seed)
    if meta is not None:
        print(
            f"   reusing the scale data ({members} members, {communities} communities)", flush=True
        )
        report = Report(members=members, communities=communities, seed=seed, reused=True)
        report.counts = meta.get("counts", {})
        report.seconds = meta.get("seconds", 0.0)
        report.phases = meta.get("phases", {})
        report.largest_community = meta.get("largest_community", 0)
        report.median_community = meta.get("median_community", 0)
        report.foreign_keys_checked = meta.get("foreign_keys_checked", True)
        return report
    print(f"   loading {members} members in {communities} communities …", flush=True)
    report = load(members, communities, seed)
    print(f"   loaded in {report.seconds:.1f} s", flush=True)
    return report


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", " ")


def describe(report: Report) -> list[dict[str, Any]]:
    counts = report.counts
    rows_total = sum(counts.values())
    slowest = sorted(report.phases.items(), key=lambda item: item[1], reverse=True)[:8]
    load_note = (
        f"measured when it was loaded (reused now, --keep): {report.seconds:.1f} s; "
        if report.reused
        else ""
    ) + (
        f"{_thousands(rows_total)} rows by COPY (psycopg 3) in one transaction, secondary indexes "
        f"dropped and rebuilt, foreign keys "
        + (
            "checked"
            if report.foreign_keys_checked
            else "not checked during the COPY (session_replication_role=replica; tests/bench/test_scale_data.py checks them)"
        )
        + "; then VACUUM ANALYZE. Longest phases: "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in slowest)
    )
    return [
        _row(
            "load",
            f"scale data: load time ({_thousands(report.members)} members, "
            f"{_thousands(report.communities)} communities)",
            None if report.reused else report.seconds,
            "s",
            note=load_note,
        ),
        _row(
            "rows",
            "scale data: rows loaded",
            rows_total,
            note="; ".join(f"{label} {_thousands(count)}" for label, count in counts.items())
            + f"; community sizes: median {report.median_community}, largest {report.largest_community}",
        ),
    ]


def run(options: argparse.Namespace) -> list[dict[str, Any]]:
    reload = not bool(getattr(options, "keep", False))
    report = ensure_loaded(options, reload=reload)
    return describe(report)
