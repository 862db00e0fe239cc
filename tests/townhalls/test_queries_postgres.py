"""The console's and the dashboard's counts of members, on PostgreSQL: their queries
are shaped so that the index membership_community_joined (community, joined_at,
ended_at, status) answers them alone (they count joined_at, never null there, rather
than the id, which the index lacks). On a test's few rows the planner would rather read
the table or another index: both are put out of the way, inside the test's transaction."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from monquartier.communities.models import Membership
from monquartier.townhalls import access, dashboard
from monquartier.townhalls.dashboard import Filters
from tests import factories

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans"),
]

INDEX = "membership_community_joined"
# Every other index that can stand in for a scan of the table (seqscan being off, the
# planner may walk any index whole): on a few rows, one of them is sometimes the cheapest.
OTHER_INDEXES = (
    "communities_membership_community_id_386202ae",
    "membership_community_status",
    "membership_directory",
    "one_open_membership_per_user",
    "communities_membership_user_id_b887bb0c",
    "membership_status_requested",
)


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        for name in OTHER_INDEXES:
            cursor.execute(f"DROP INDEX {name}")  # rolled back with the test
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("ANALYZE communities_membership")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.fixture
def grown_commune(riviera, riviera3, aya):
    """Riviera 2 with many members of long ago and 4 of this month: the index's range
    of this month is what makes it the cheapest."""
    long_ago = timezone.now() - timezone.timedelta(days=400)
    for number in range(80):
        factories.add_member(riviera, email=f"ancien{number}@exemple.ci")
    Membership.objects.update(joined_at=long_ago)
    for number in range(4):
        factories.add_member(riviera, email=f"nouveau{number}@exemple.ci")
    return riviera.commune


def test_the_communities_that_grow_are_counted_from_the_index(
    grown_commune, cocody_town_hall, riviera
):
    month_start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    with CaptureQueriesContext(connection) as queries:
        grown = access.grown_since(cocody_town_hall, month_start, 21)
    assert [(row["pk"], row["new_members"]) for row in grown] == [(riviera.pk, 4)]
    # Index-only once the table is vacuumed; a test's fresh rows may need their heap.
    assert f"Scan using {INDEX}" in _plan(queries[0]["sql"])


def test_the_members_of_each_month_are_read_from_the_index_alone(grown_commune, cocody_town_hall):
    today = timezone.localdate()
    filters = Filters(start=dashboard.months_back(today, 12), end=today)
    figures = dashboard.figures(cocody_town_hall, filters)
    figures._communities  # noqa: B018 (its query first, out of the captured ones)
    with CaptureQueriesContext(connection) as queries:
        months = figures.growth()
    assert months[-1][1] >= 6
    assert f"Index Only Scan using {INDEX}" in _plan(queries[0]["sql"])
