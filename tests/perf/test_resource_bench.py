"""The resource-offer bench measures the right thing: a small run writes
every key, its offers find needs, and the indexed top 10 equals the fair
baseline's (the box read without the word ``LIKE``, every row tested). No
timing is asserted here (``make bench`` prints them)."""

from __future__ import annotations

import asyncio

import pytest

from tests.perf import bench
from tests.perf.resource_bench import run_resource_bench


@pytest.mark.slow
def test_a_small_resource_bench_agrees_with_its_baseline() -> None:
    results = asyncio.run(run_resource_bench(True, needs=3000, offers=10))
    for key in ("resource_top10_p50_ms", "resource_top10_p95_ms", "resource_top10_baseline_p95_ms"):
        assert isinstance(results[key], float), key
    assert results["resource_top10_agree"] == "10/10"
    assert results["resource_top10_mean_results"] > 3  # the offers found needs they suit


def test_the_resource_bench_is_a_section_of_make_bench() -> None:
    assert "run_resource_bench" in [s.__name__ for s in bench.sections()]
