"""Scale data: 1,000,000 members in 20,000 communities (TARGETS.md, "scale").

A generator of the app's real rows, for the page benchmarks (bench/pages.py, bench/load.py)
and for anyone who wants to see the app at size: users with the profile, home and
verified e-mail address the accounts app requires, communities over Côte d'Ivoire's towns
(areas placed and stored by bench/geometry.py's lattice and the app's geometry functions),
memberships (active, pending, ended), référents, movements, twinnings, town-hall contacts,
push subscriptions and notification preferences, alerts with their deliveries and reads,
gazette posts, conversations and messages.

Loaded with PostgreSQL's COPY (psycopg 3) into an emptied database, in one transaction:
the secondary indexes of the tables it fills are dropped first and built again after the
COPY (faster than keeping them up to date row by row, and the unique ones check the data
when they are rebuilt); foreign keys are not checked row by row during the COPY
(session_replication_role = replica, as pg_restore does) — tests/bench/test_scale_data.py checks
every foreign key of the generated data instead. Then the sequences are moved past the
ids used, and VACUUM ANALYZE gives the planner its statistics.

Every loaded member has the same password, PASSWORD, hashed once with the first hasher
of PASSWORD_HASHERS (Argon2 in production settings).

It empties every table of the app first: it refuses any database whose name does not say
it is a benchmark's ("bench") or a test run's ("test_…").

The package, by what it generates: communities (areas, who lives where, memberships,
movements, twinnings, town-hall contacts), members (users, addresses, profiles, homes,
push subscriptions, preferences), alerts (alerts, reads, deliveries), gazette (posts,
attachments) and messages (conversations), each a mixin over the shared plan (plan.py),
put together in generator.py; shape.py holds the sizes and texts, database.py and
meta.py the database side, loading.py the COPY of it all, benchmark.py what the page
benchmarks read of it and the `scale` benchmark's rows.
"""

from bench.scale.benchmark import PAGES, Member, ensure_loaded, run, sample_members, sizes_for
from bench.scale.database import NotABenchmarkDatabase, check_database
from bench.scale.loading import load
from bench.scale.meta import Report, matching_load
from bench.scale.shape import PASSWORD, PENDING_SHARE

__all__ = [
    "PAGES",
    "PASSWORD",
    "PENDING_SHARE",
    "Member",
    "NotABenchmarkDatabase",
    "Report",
    "check_database",
    "ensure_loaded",
    "load",
    "matching_load",
    "run",
    "sample_members",
    "sizes_for",
]
