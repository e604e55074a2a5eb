"""The benchmark runs and measures the right thing: a tiny matching run
writes every key, and the indexed top-10 equals the full scan's. No timing
is asserted here (``make bench`` prints the budgets)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.conftest import IN_CI, _pg_reachable
from tests.perf import bench

KEYS = (
    "match_top10_p50_ms",
    "match_top10_p95_ms",
    "match_top10_fullscan_p50_ms",
    "match_top10_fullscan_p95_ms",
    "match_top10_speedup",
    "match_top10_plain_p95_ms",
    "match_top10_speedup_plain",
)


@pytest.mark.slow
def test_quick_bench_writes_every_key_and_agrees_with_the_full_scan(tmp_path: Path) -> None:
    postgres = _pg_reachable()
    if IN_CI and not postgres:
        pytest.fail("PostgreSQL on 127.0.0.1:5432 is required with CI=true")
    out = tmp_path / "bench.json"
    args = ["--quick", "--only-matching", "--needs", "3000", "--queries", "25", "--scans", "25"]
    args += ["--out", str(out)] + ([] if postgres else ["--no-pg"])
    assert bench.main(args) == 0
    results = json.loads(out.read_text(encoding="utf-8"))
    suffixes = ["", "_pg"] if postgres else [""]
    for suffix in suffixes:
        for key in KEYS:
            assert isinstance(results[key + suffix], int | float), key + suffix
        assert results["match_top10_agree" + suffix] == "25/25"
        assert results["match_top10_equal_to_scan" + suffix] is True
        assert results["match_top10_plain_checked" + suffix] is True  # the baseline is right
        assert results["match_top10_mean_results" + suffix] > 5  # the queries found needs


def test_sections_include_the_other_benches_when_present() -> None:
    names = [s.__name__ for s in bench.sections()]
    assert names[0] == "run_matching_bench"
    for module, function in (
        ("dialogue_bench", "run_dialogue_bench"),
        ("telegram_bench", "run_telegram_bench"),
        ("wave_bench", "run_wave_bench"),
    ):
        present = (Path(bench.__file__).parent / f"{module}.py").exists()
        assert (function in names) == present


@pytest.mark.slow
def test_relevance_section_measures_what_the_list_shows() -> None:
    """A small relevance run: people see their topics first and nothing a
    rule hides without their saying so (the numbers ``make bench`` budgets)."""
    from tests.perf import relevance_bench

    assert "run_relevance_bench" in [s.__name__ for s in bench.sections()]
    results = asyncio.run(relevance_bench.run_relevance_bench(True))
    assert results["match_relevance_volunteers"] >= 200
    assert results["match_hidden_by_rules_checked"] > 1000
    assert results["match_hidden_by_rules"] == 0
    assert results["match_interest_precision_at5"] >= 0.90
    assert bench.BUDGETS["match_hidden_by_rules == 0"](results)


async def test_sections_results_are_merged() -> None:
    async def first(quick: bool) -> dict[str, object]:
        return {"a": 1, "quick_seen": quick}

    async def second(quick: bool) -> dict[str, object]:
        return {"b": 2}

    merged = await bench.run(True, [first, second])
    assert merged == {"quick": True, "a": 1, "quick_seen": True, "b": 2}
    assert asyncio.iscoroutinefunction(bench.run_matching_bench)
