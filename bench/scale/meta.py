"""What is loaded: the report of a load, kept in a table so that --keep recognises it."""

import json
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from bench.scale.shape import AGENTS_EMAIL_DOMAIN, META_TABLE, VERSION
from monquartier.accounts.models import User
from monquartier.communities.models import (
    Community,
    Membership,
)


@dataclass
class Report:
    """What a load did (or found, when it reused the data)."""

    members: int
    communities: int
    seed: int
    reused: bool = False
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    largest_community: int = 0
    median_community: int = 0
    foreign_keys_checked: bool = True

    def as_meta(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "members": self.members,
            "communities": self.communities,
            "seed": self.seed,
            "seconds": self.seconds,
            "phases": self.phases,
            "counts": self.counts,
            "largest_community": self.largest_community,
            "median_community": self.median_community,
            "foreign_keys_checked": self.foreign_keys_checked,
        }


def _ensure_meta_table(cursor) -> None:
    cursor.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (id int PRIMARY KEY, data jsonb)")


def loaded_meta() -> dict[str, Any] | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [META_TABLE])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT data FROM {META_TABLE} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def write_meta(report: Report) -> None:
    with connection.cursor() as cursor:
        _ensure_meta_table(cursor)
        cursor.execute(
            f"INSERT INTO {META_TABLE} (id, data) VALUES (1, %s) "  # noqa: S608
            "ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data",
            [json.dumps(report.as_meta())],
        )


def matching_load(members: int, communities: int, seed: int) -> dict[str, Any] | None:
    """The meta of the data in the database if it is this generator's, of this size and
    seed, and still whole (another benchmark may have emptied the communities since)."""
    meta = loaded_meta()
    if not meta:
        return None
    wanted = {"version": VERSION, "members": members, "communities": communities, "seed": seed}
    if any(meta.get(key) != value for key, value in wanted.items()):
        return None
    counts = meta.get("counts", {})
    if Community.objects.count() != counts.get(Community._meta.label):
        return None
    loaded_users = User.objects.exclude(email__endswith=f"@{AGENTS_EMAIL_DOMAIN}")
    if loaded_users.count() != counts.get(User._meta.label):
        return None
    if Membership.objects.count() != counts.get(Membership._meta.label):
        return None
    return meta
