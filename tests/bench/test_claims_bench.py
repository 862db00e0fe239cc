"""The claims benchmark (bench/claims.py) at a tiny size: real db_worker processes hand a
small queued workload over with 1 then 2 workers, every row of the table is there, nothing
is lost or duplicated, and the benchmark leaves none of its rows behind. PostgreSQL only
(SKIP LOCKED, workers in processes of their own: the rows must be committed, hence the
transactional database)."""

import os
from argparse import Namespace

import pytest

from bench import claims
from monquartier.accounts.models import User
from monquartier.alerts.models import Alert
from monquartier.communities.models import Community
from monquartier.outbox.models import Delivery

needs_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL (DATABASE_URL)",
)


@pytest.mark.postgres
@needs_postgres
def test_a_tiny_claims_run_has_every_row_and_leaves_nothing(transactional_db, communes, settings):
    # The workers' queue, not the tests' immediate backend: the tasks go to the workers.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    options = Namespace(quick=True, workers=1, deliveries=300, smtp_sink="fast")
    rows = {row["id"]: row for row in claims.run(options)}

    assert rows["claims.workload"]["value"] >= 300
    for key, workers in (("n", 1), ("2n", 2)):
        assert f"{workers} workers" in rows[f"claims.{key}.deliveries_per_s"]["name"]
        assert rows[f"claims.{key}.deliveries_per_s"]["value"] > 0
        assert rows[f"claims.{key}.claims_per_s"]["value"] > 0
        assert rows[f"claims.{key}.claim_ms"]["value"] > 0
        locks = rows[f"claims.{key}.lock_waits"]
        assert isinstance(locks["value"], int) and "samples of pg_stat_activity" in locks["note"]
        assert "sampling failed" not in locks["note"]
        integrity = rows[f"claims.{key}.integrity"]
        assert integrity["value"] == 0 and integrity["passed"], integrity["note"]
    ratio = rows["claims.ratio"]
    assert ratio["value"] > 0 and ratio["target"].startswith("≥ 1.6 ×")
    assert f"{os.cpu_count()} cores" in ratio["note"]
    # With 2 workers the target needs 4 cores; on fewer it is not judged.
    if (os.cpu_count() or 1) < 4:
        assert ratio["passed"] is None
    else:
        assert ratio["passed"] == (ratio["value"] >= claims.RATIO_TARGET)

    assert not Community.objects.filter(name__startswith=claims.NAME_PREFIX).exists()
    assert not User.objects.filter(email__endswith=claims.EMAIL_DOMAIN).exists()
    assert not Alert.objects.exists()
    assert not Delivery.objects.exists()


def test_the_workload_is_sized_from_the_deliveries_asked():
    """Pure arithmetic: runs on SQLite too."""
    communities, members = claims.sizes(Namespace(quick=False, deliveries=60_000))
    assert (communities, members) == (61, 500)
    assert communities * (members - 1) * 2 >= 60_000
    communities, members = claims.sizes(Namespace(quick=True, deliveries=None))
    assert communities * (members - 1) * 2 >= claims.DELIVERIES_QUICK
