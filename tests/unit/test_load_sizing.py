"""The pure helpers of benchmarks/load.py: percentiles and the sizing arithmetic."""

from __future__ import annotations

import importlib.util
import statistics
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "load.py"
spec = importlib.util.spec_from_file_location("load_benchmark", SCRIPT)
load = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = load  # dataclasses look their module up there
spec.loader.exec_module(load)


def test_percentile_matches_the_inclusive_quantiles() -> None:
    values = [12.0, 3.0, 7.0, 250.0, 9.0, 4.0, 30.0]
    cuts = statistics.quantiles(values, n=20, method="inclusive")  # 5 %, 10 %, ..., 95 %
    assert load.percentile(values, 0.95) == pytest.approx(cuts[-1])
    assert load.percentile(values, 0.5) == statistics.median(values)
    assert load.percentile(values, 0) == 3.0 and load.percentile(values, 1) == 250.0
    assert load.percentile([5.0], 0.95) == 5.0


@pytest.mark.parametrize(("values", "share"), [([], 0.5), ([1.0], 1.5), ([1.0], -0.1)])
def test_percentile_refuses_no_values_and_shares_outside_0_to_1(
    values: list[float], share: float
) -> None:
    with pytest.raises(ValueError):
        load.percentile(values, share)


def test_sizing_row_counts_active_trainees_memory_and_machines() -> None:
    # 500 MB each, 1 GB fixed, 24 GB machines keeping 4 GB free: (20 * 1024 - 1024) / 500 = 38 per machine.
    assert load.active_per_machine(500, 1024, 24, 4) == 38
    row = load.sizing_row(100, 1 / 3, 500, 1024, 24, 4)
    assert (row.trainees, row.active, row.machines) == (100, 34, 1)
    assert row.memory_gb == pytest.approx((34 * 500 + 1024) / 1024 + 4, abs=0.05)
    big = load.sizing_row(500, 1 / 3, 500, 1024, 24, 4)
    assert (big.active, big.machines) == (167, 5)  # 167 / 38 = 4.4, so 5 machines
    assert big.memory_gb == pytest.approx((167 * 500 + 5 * 1024) / 1024 + 5 * 4, abs=0.05)


def test_sizing_row_refuses_a_machine_too_small_and_a_share_outside_0_to_1() -> None:
    with pytest.raises(ValueError, match="holds no trainee"):
        load.sizing_row(30, 1 / 3, 500, 1024, 4, 4)
    with pytest.raises(ValueError, match="active share"):
        load.sizing_row(30, 0, 500, 1024, 24, 4)


def test_the_series_is_sorted_distinct_and_positive() -> None:
    assert load.parse_series("10,2, 5,2") == [2, 5, 10]
    with pytest.raises(Exception, match="whole numbers"):
        load.parse_series("0,5")
