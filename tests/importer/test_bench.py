"""bench/imports.py on a small file: it imports every order, and its report gives rows/s for
the dry run and the import, each with its verdict against the goal."""

import pytest

from bench import imports as bench

pytestmark = pytest.mark.django_db


def test_the_bench_imports_every_order_and_reports_both_phases_against_the_goal():
    result = bench.run(30)

    assert result["orders"] == 10
    report = bench.report(result)
    assert report.startswith("historical orders import: 30 lines (10 orders), load average")
    for phase in ("dry run", "import"):
        (line,) = [line for line in report.splitlines() if line.strip().startswith(phase)]
        assert "rows/s" in line
        assert line.endswith(("PASS (goal 5,000 rows/s)", "FAIL (goal 5,000 rows/s)"))


def test_the_verdict_is_pass_from_the_goal_up():
    assert bench._phase(5_000, 1.0, 0.5)["verdict"] == "PASS"
    assert bench._phase(4_999, 1.0, 0.5)["verdict"] == "FAIL"
