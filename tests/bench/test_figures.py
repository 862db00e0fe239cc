"""The results table's rows: checked as each benchmark returns them (bench/lib/figures.py)."""

import pytest

from bench.lib.figures import check_rows, figure, print_table
from bench.pages import CpuShare, PhaseResult, page_rows


def phase() -> PhaseResult:
    cpu = CpuShare(seconds=10, server=0.5, database=0.2, client=0.1, others=0.0)
    return PhaseResult(
        label="alerts, repeat visit",
        answers=1000,
        errors=0,
        error_kinds={},
        seconds=10,
        cpu=cpu,
        server_ms=[4.0, 5.0],
        client_ms=[5.0, 6.0],
        app_ms=[3.0],
        db_ms=[1.0],
        queries=[6],
        other_statuses={},
        by_label={},
    )


def test_rows_with_every_key_and_their_own_ids_pass_as_they_are():
    rows = [figure("api", "errors", "API: errors", 0, target="0")]
    rows += page_rows("alerts", phase(), 200.0, 300.0, 5.0, benchmark="api")
    assert check_rows("api", rows) is rows
    assert {row["id"] for row in rows} >= {"api.alerts.per_core", "api.alerts.ratio"}


def test_the_same_pages_measured_by_two_benchmarks_keep_distinct_ids():
    pages = check_rows("pages", page_rows("alerts", phase(), 200.0, 300.0))
    api = check_rows("api", page_rows("alerts", phase(), 200.0, 300.0, benchmark="api"))
    assert not {row["id"] for row in pages} & {row["id"] for row in api}


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ([figure("api", "errors", "a", 0), figure("api", "errors", "b", 1)], "comes twice"),
        ([figure("pages", "alerts.p95", "API alerts", 4.0)], "is not under api."),
        ([{"id": "api.x", "name": "x", "value": 1}], "lacks"),
    ],
)
def test_a_row_twice_under_another_name_or_incomplete_is_refused(rows, problem):
    with pytest.raises(ValueError, match=problem):
        check_rows("api", rows)


def test_a_target_that_does_not_apply_on_this_machine_is_neither_met_nor_missed(capsys):
    rows = [
        figure("claims", "ratio", "ratio", 0.9, "×", target="≥ 1.6 ×", passed=None),
        figure("claims", "mean", "mean", 4.0, "ms", target="≤ 5 ms", passed=True),
        figure("claims", "lost", "lost", 1, target="0", passed=False),
    ]
    print_table(rows)
    table = capsys.readouterr().out
    assert [line.split("|")[-1].strip() for line in table.splitlines()[3:6]] == [
        "n/a",
        "pass",
        "FAIL",
    ]
    assert "1 target(s) missed." in table
    assert "1 target(s) not applicable on this machine" in table
