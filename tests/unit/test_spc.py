"""Tests for changekit.spc: NHSRplotthedots' own test cases and outputs, hand sums, properties.

Three kinds of evidence that the charts match the NHS reference implementation:

- cases ported from NHSRplotthedots' testthat files (inputs and expected outputs
  unchanged, the R file named beside each);
- ``fixtures/spc/reference_xmr.csv``: the R package's own output for 52 series
  (see ``fixtures/spc/README.md`` for how it was produced), compared point by point;
- hand-computed limits and hypothesis properties of the rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from changekit.errors import DataError
from changekit.spc import (
    COLOURS,
    POINT_TYPES,
    SpcSummary,
    close_to_limits,
    p_chart,
    plot_spc,
    point_types,
    rule_outside_limits,
    rule_shift,
    rule_trend,
    rule_two_in_three,
    special_cause_side,
    summarise,
    xmr,
)

FIXTURES = Path(__file__).parent / "fixtures" / "spc"
COLUMNS = [
    "x",
    "value",
    "mean",
    "lpl",
    "upl",
    "near_lpl",
    "near_upl",
    "rule_outside",
    "rule_shift",
    "rule_trend",
    "rule_two_in_three",
    "special_cause",
    "point_type",
]
# set.seed(123); rnorm(20) in R: the data of NHSRplotthedots'
# tests/testthat/test-ptd_spc_standard.R.
RNORM_20 = [
    -0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774,
    1.71506499, 0.46091621, -1.26506123, -0.68685285, -0.44566197,
    1.22408180, 0.35981383, 0.40077145, 0.11068272, -0.55584113,
    1.78691314, 0.49785048, -1.96661716, 0.70135590, -0.47279141,
]  # fmt: skip
QUICK = settings(max_examples=60, deadline=None)


def flags(text: str) -> list[bool]:
    """'0011' -> [False, False, True, True]: keeps the expected flags readable."""
    return [c == "1" for c in text]


# ---------------------------------------------------------------------------
# Ported from NHSRplotthedots tests/testthat/test-ptd_calculate_point_type.R
# (commit 8aac3239). The R tests check the points that complete a run
# (ptd_seven_point_one_side_mean, ptd_seven_point_trend) and, separately, that
# ptd_part_of_seven_trend spreads each completion back over its 7 points; our
# rule functions return the spread flags, so each expected vector below is the
# R expectation passed through ptd_part_of_seven_trend.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "expected"),
    [
        ([], ""),
        ([1] * 6, "000000"),  # 6 points are not a shift
        ([1] * 6 + [-1], "0000000"),
        ([1] * 8 + [-1], "111111110"),  # R: completes at points 7 and 8
        ([-1] * 8 + [1], "111111110"),
        ([-1] + [1] * 8 + [-1], "0111111110"),
        ([1] + [-1] * 8 + [1], "0111111110"),
    ],
)
def test_rule_shift_ported(side: list[int], expected: str) -> None:
    assert rule_shift(side).tolist() == flags(expected)


def test_rule_shift_point_on_the_mean_breaks_the_run() -> None:
    # relative_to_mean is sign(y - mean): 0 on the mean, which matches neither side.
    assert not rule_shift([1, 1, 1, 0, 1, 1, 1, 1]).any()
    assert not rule_shift([0] * 10).any()


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], ""),
        ([1, 2, 3, 4, 5, 6], "000000"),  # 6 points (5 rises) are not a trend
        ([1, 2, 3, 3, 4, 5, 6], "0000000"),  # a repeated value breaks the trend
        ([1, 2, 3, 4, 5, 6, 7], "1111111"),  # 7 points, 6 rises
        ([2, 1, 2, 3, 4, 5, 6, 7, 3], "011111110"),
        ([7, 6, 5, 4, 3, 2, 1], "1111111"),
        ([2, 7, 6, 5, 4, 3, 2, 1, 3], "011111110"),
    ],
)
def test_rule_trend_ported(values: list[float], expected: str) -> None:
    assert rule_trend(values).tolist() == flags(expected)


@pytest.mark.parametrize(
    ("close", "side", "expected"),
    [
        ("", [], ""),
        ("000", [1, 1, 1], "000"),
        ("101", [1, 1, 1], "101"),
        ("011", [1, 1, 1], "011"),
        ("110", [1, 1, 1], "110"),
        ("0010100", [1] * 7, "0010100"),
        ("0011000", [1] * 7, "0011000"),
        ("1001", [1] * 4, "0000"),  # two close points, but not within three in a row
        ("10011", [1] * 5, "00011"),
        # "...when points are on opposite sides of the mean" (issue #143)
        ("101", [1, -1, 1], "000"),
        ("011", [1, -1, 1], "000"),
        ("110", [1, -1, 1], "000"),
        ("0010100", [1, -1, 1, -1, 1, -1, 1], "0000000"),
        ("0011000", [-1, 1, -1, 1, -1, 1, -1], "0000000"),
    ],
)
def test_rule_two_in_three_ported(close: str, side: list[int], expected: str) -> None:
    assert rule_two_in_three(flags(close), side).tolist() == flags(expected)


def test_two_in_three_flags_only_the_points_beyond_the_near_limit() -> None:
    # ptd_two_in_three marks all three points of the window; ptd_part_of_two_in_three
    # then keeps only those close to the limits: the middle point stays common cause.
    assert rule_two_in_three(flags("101"), [1, 1, 1]).tolist() == flags("101")


def test_special_cause_side_precedence_ported() -> None:
    # The mocked "ptd_special_cause_type works as expected" test: y = 1:8, the first
    # four points above the mean; expected labels from R in the comment on each point.
    side = special_cause_side(
        [1, 2, 3, 4, 5, 6, 7, 8],
        [1, 1, 1, 1, -1, -1, -1, -1],
        trend=flags("11000000"),
        shift=flags("00110000"),
        two_in_three=flags("00001000"),
        outside=flags("00000110"),
    )
    # 7 Point Trend (Increasing) x2, 7 Points Above CL x2, 2 in 3 Below CL,
    # Below LCL x2, Common Cause.
    assert side.tolist() == [1, 1, 1, 1, -1, -1, -1, 0]


def test_trend_direction_wins_over_side_of_mean() -> None:
    # NEWS 0.2.2, issue #171: a trend that crosses the mean is one colour throughout.
    values = [5, 6, 7, 8, 9, 10, 11]
    side = special_cause_side(
        values,
        [-1, -1, -1, 0, 1, 1, 1],
        trend=[True] * 7,
        shift=[False] * 7,
        two_in_three=[False] * 7,
        outside=[False] * 7,
    )
    assert side.tolist() == [1] * 7
    assert point_types(side, "decrease") == ["special_cause_concern"] * 7


@pytest.mark.parametrize(
    ("improvement", "expected"),
    [
        ("increase", ["special_cause_improvement", "special_cause_concern", "common_cause"]),
        ("decrease", ["special_cause_concern", "special_cause_improvement", "common_cause"]),
        ("neutral", ["special_cause_neutral_high", "special_cause_neutral_low", "common_cause"]),
    ],
)
def test_point_types(improvement: str, expected: list[str]) -> None:
    assert point_types([1, -1, 0], improvement) == expected  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# Ported from NHSRplotthedots tests/testthat/test-ptd_spc_standard.R (commit 8aac3239)
# and its snapshot tests/testthat/_snaps/ptd_spc_standard.md (commit ea2177d4).
# ---------------------------------------------------------------------------


def test_limits_match_ptd_spc_standard_snapshots() -> None:
    screened = xmr(RNORM_20, screen_outliers=True)
    assert screened["mean"].iloc[0] == pytest.approx(0.1416238, abs=5e-7)
    assert screened["lpl"].iloc[0] == pytest.approx(-3.01138, abs=5e-6)
    assert screened["upl"].iloc[0] == pytest.approx(3.294627, abs=5e-6)

    with_outlier = RNORM_20.copy()
    with_outlier[14] = 10  # y[15] <- 10 in R
    screened = xmr(with_outlier, screen_outliers=True)
    unscreened = xmr(with_outlier, screen_outliers=False)
    assert screened["mean"].iloc[0] == pytest.approx(0.6694159, abs=5e-7)
    assert screened["lpl"].iloc[0] == pytest.approx(-2.383666, abs=5e-6)
    assert screened["upl"].iloc[0] == pytest.approx(3.722497, abs=5e-6)
    assert unscreened["lpl"].iloc[0] == pytest.approx(-4.596625, abs=5e-6)
    assert unscreened["upl"].iloc[0] == pytest.approx(5.935457, abs=5e-6)
    # Screening narrows the limits.
    assert (unscreened["upl"] - unscreened["lpl"]).iloc[0] > (
        screened["upl"] - screened["lpl"]
    ).iloc[0]


def test_two_in_three_on_opposite_sides_is_common_cause() -> None:
    # "it only reports special cause for 2of3 points close to limits when they are
    # on the same side of the mean"
    values = [1.0, -1.0] * 8
    values[14], values[15] = 5.5, -5.5
    chart = xmr(values)
    assert chart["point_type"].tail(2).tolist() == ["common_cause", "common_cause"]


# Ported from tests/testthat/test-ptd_calculate_assurance_type.R (commit 7ed6ae90):
# rows (lpl, upl) = (1, 3), (5, 7), (1, 5) with a target of 4.
@pytest.mark.parametrize(
    ("improvement", "expected"),
    [
        ("increase", ["consistently_fail", "consistently_pass", "hit_and_miss"]),
        ("decrease", ["consistently_pass", "consistently_fail", "hit_and_miss"]),
        ("neutral", [None, None, None]),
    ],
)
def test_assurance_ported(improvement: str, expected: list[str | None]) -> None:
    for (lpl, upl), assurance in zip([(1, 3), (5, 7), (1, 5)], expected, strict=True):
        chart = xmr([2.0, 2.5, 1.5, 2.0], improvement=improvement)  # type: ignore[arg-type]
        chart["lpl"], chart["upl"] = float(lpl), float(upl)
        assert summarise(chart, target=4).assurance == assurance


@pytest.mark.parametrize("target", [1.0, 3.0])
def test_a_target_exactly_on_a_limit_is_hit_and_miss(target: float) -> None:
    # ptd_calculate_assurance_type compares strictly (target > upl, target < lpl).
    chart = xmr([2.0, 2.5, 1.5, 2.0])
    chart["lpl"], chart["upl"] = 1.0, 3.0
    assert summarise(chart, target=target).assurance == "hit_and_miss"


def test_assurance_is_none_without_a_target() -> None:
    assert summarise(xmr(RNORM_20)).assurance is None


def test_assurance_uses_the_latest_period() -> None:
    # "it returns correct values for assurance when rebase": only the last row counts.
    values = [10.0, 11, 10, 11, 10, 11, 20, 21, 20, 21, 20, 21]
    chart = xmr(values, rebase=[6])
    assert summarise(chart, target=15).assurance == "consistently_pass"
    assert summarise(xmr(values), target=15).assurance == "hit_and_miss"


# ---------------------------------------------------------------------------
# NHSRplotthedots' own output for 52 series (fixtures/spc/README.md).
# ---------------------------------------------------------------------------


def _reference() -> dict[str, pd.DataFrame]:
    # Numbers are read as text and converted by float(), which round-trips R's 17 digits exactly.
    exact = ("y", "mean", "lpl", "upl")
    table = pd.read_csv(
        FIXTURES / "reference_xmr.csv",
        dtype=dict.fromkeys([*exact, "rebase"], str),
        keep_default_na=False,
    )
    for column in exact:
        table[column] = table[column].map(float)
    return dict(tuple(table.groupby("case", sort=False)))


REFERENCE = _reference()


@pytest.mark.parametrize("case", list(REFERENCE))
def test_matches_nhsrplotthedots(case: str) -> None:
    expected = REFERENCE[case].reset_index(drop=True)
    first = expected.iloc[0]
    chart = xmr(
        expected["y"].to_numpy(),
        improvement=first["improvement"],
        screen_outliers=bool(first["screen_outliers"]),
        rebase=[int(p) for p in first["rebase"].split()],
    )
    for column in ("mean", "lpl", "upl"):
        # R sums in extended precision: agreement to a few units in the last place.
        np.testing.assert_allclose(chart[column], expected[column], rtol=1e-13, atol=1e-13)
    close = close_to_limits(
        chart["value"], chart["lpl"], chart["upl"], chart["near_lpl"], chart["near_upl"]
    )
    assert close.tolist() == expected["close_to_limits"].tolist()
    assert chart["rule_outside"].tolist() == expected["outside_limits"].tolist()
    for rule in ("rule_shift", "rule_trend", "rule_two_in_three"):
        assert chart[rule].tolist() == expected[rule].tolist(), rule
    assert chart["point_type"].tolist() == expected["point_type"].tolist()
    assert (
        chart["special_cause"].tolist()
        == (expected["special_cause_type"] != "Common Cause").tolist()
    )


def test_reference_covers_every_rule_and_point_type() -> None:
    table = pd.concat(REFERENCE.values())
    assert set(table["point_type"]) == set(POINT_TYPES)
    assert table[["outside_limits", "rule_shift", "rule_trend", "rule_two_in_three"]].any().all()
    assert (table["relative_to_mean"] == 0).any(), "no point exactly on the mean"
    assert (table["rebase"] != "").any()


# ---------------------------------------------------------------------------
# Hand-computed charts.
# ---------------------------------------------------------------------------


def test_xmr_columns_and_hand_computed_limits() -> None:
    chart = xmr([1, 3, 2, 4], labels=["Jan", "Feb", "Mar", "Apr"])
    assert chart.columns.tolist()[: len(COLUMNS)] == COLUMNS
    mean, average_range = 2.5, 5 / 3  # moving ranges 2, 1, 2
    assert chart["mean"].tolist() == pytest.approx([mean] * 4)
    assert chart["upl"].iloc[0] == pytest.approx(mean + 2.66 * average_range)
    assert chart["lpl"].iloc[0] == pytest.approx(mean - 2.66 * average_range)
    assert chart["near_upl"].iloc[0] == pytest.approx(mean + 2 / 3 * 2.66 * average_range)
    assert chart["near_lpl"].iloc[0] == pytest.approx(mean - 2 / 3 * 2.66 * average_range)
    assert chart["x"].tolist() == ["Jan", "Feb", "Mar", "Apr"]
    assert chart["point_type"].eq("common_cause").all()


def test_xmr_default_labels_and_flag_types() -> None:
    chart = xmr([1, 2, 3])
    assert chart["x"].tolist() == [1, 2, 3]
    for column in (
        "rule_outside",
        "rule_shift",
        "rule_trend",
        "rule_two_in_three",
        "special_cause",
    ):
        assert chart[column].dtype == bool, column


def test_screen_outliers_drops_large_moving_ranges() -> None:
    values = [10.0, 11, 10, 11, 10, 11, 10, 11, 40, 11]
    plain = xmr(values)
    screened = xmr(values, screen_outliers=True)
    ranges = np.abs(np.diff(values))
    kept = ranges[ranges < 3.267 * ranges.mean()]
    assert screened["upl"].iloc[0] == pytest.approx(np.mean(values) + 2.66 * kept.mean())
    assert screened["upl"].iloc[0] < plain["upl"].iloc[0]
    assert screened["rule_outside"].iloc[8]


def test_p_chart_hand_computed_stepped_limits() -> None:
    chart = p_chart([10, 20, 15], [100, 200, 100])
    p_bar = 45 / 400
    sigma = np.sqrt(p_bar * (1 - p_bar) / np.array([100, 200, 100]))
    assert chart["value"].tolist() == pytest.approx([0.10, 0.10, 0.15])
    assert chart["mean"].tolist() == pytest.approx([p_bar] * 3)
    np.testing.assert_allclose(chart["upl"], p_bar + 3 * sigma)
    np.testing.assert_allclose(chart["lpl"], p_bar - 3 * sigma)
    np.testing.assert_allclose(chart["near_upl"], p_bar + 2 * sigma)
    np.testing.assert_allclose(chart["near_lpl"], p_bar - 2 * sigma)
    assert chart["upl"].iloc[1] < chart["upl"].iloc[0], "a bigger month has narrower limits"


def test_p_chart_limits_stay_within_0_and_1() -> None:
    chart = p_chart([1, 0, 2, 1], [10, 10, 10, 10])
    assert (chart["lpl"] == 0).all() and (chart["near_lpl"] >= 0).all()
    assert (chart["upl"] <= 1).all()
    assert not chart["rule_outside"].any(), "0% is not below a lower limit clipped to 0%"


def test_p_chart_flags_a_month_outside_the_limits() -> None:
    numerators = [30, 32, 29, 31, 30, 33, 31, 60, 30, 29]
    chart = p_chart(numerators, [100] * 10, improvement="decrease")
    assert chart["rule_outside"].tolist() == [i == 7 for i in range(10)]
    assert chart["point_type"].iloc[7] == "special_cause_concern"


def test_p_chart_applies_the_run_rules() -> None:
    numerators = [20, 22, 21, 19, 20, 22, 21] + [30, 31, 29, 30, 32, 30, 31]
    chart = p_chart(numerators, [100] * 14, improvement="increase")
    assert chart["rule_shift"].iloc[7:].all()
    assert (chart["point_type"].iloc[7:] == "special_cause_improvement").all()


def test_rules_do_not_run_across_a_rebase() -> None:
    # Points 6-12 rise steadily: a trend without a rebase, none with one inside it.
    values = [5, 1, 5, 1, 5, 1, 1, 2, 3, 4, 5, 6, 7, 1, 7, 1, 7, 1, 7]
    assert xmr(values)["rule_trend"].iloc[6:13].all()
    rebased = xmr(values, rebase=[10])
    assert not rebased["rule_trend"].any()
    assert rebased["period"].tolist() == [0] * 10 + [1] * 9
    assert rebased["mean"].iloc[0] == pytest.approx(np.mean(values[:10]))
    assert rebased["mean"].iloc[-1] == pytest.approx(np.mean(values[10:]))


def test_outside_limits_is_strict() -> None:
    assert rule_outside_limits([1, 2, 3, 0.9, 3.1], [1] * 5, [3] * 5).tolist() == flags("00011")


def test_close_to_limits_excludes_points_beyond_the_process_limit() -> None:
    close = close_to_limits([5, 8.5, 10, 1.5, 0], [1] * 5, [9] * 5, [2] * 5, [8] * 5)
    assert close.tolist() == flags("01010")


@pytest.mark.parametrize("run", [3, 5, 6, 8])
def test_run_lengths_are_parameters(run: int) -> None:
    assert rule_trend(list(range(run)), run).all()
    assert not rule_trend(list(range(run - 1)), run).any()
    assert rule_shift([1] * run, run).all()
    assert not rule_shift([1] * (run - 1), run).any()


# ---------------------------------------------------------------------------
# Properties.
# ---------------------------------------------------------------------------

integers = st.lists(st.integers(0, 60), min_size=2, max_size=40)
directions = st.sampled_from(["increase", "decrease", "neutral"])


@QUICK
@given(value=st.floats(-1e6, 1e6, allow_nan=False), size=st.integers(2, 40), screen=st.booleans())
def test_constant_series_has_no_special_cause(value: float, size: int, screen: bool) -> None:
    chart = xmr([value] * size, screen_outliers=screen)
    assert not chart["special_cause"].any()
    assert summarise(chart).variation == "common_cause"


@QUICK
@given(values=integers)
def test_swapping_direction_swaps_improvement_and_concern(values: list[int]) -> None:
    up = xmr(values, improvement="increase")["point_type"]
    down = xmr(values, improvement="decrease")["point_type"]
    neutral = xmr(values, improvement="neutral")["point_type"]
    swap = {
        "special_cause_improvement": "special_cause_concern",
        "special_cause_concern": "special_cause_improvement",
    }
    assert down.tolist() == [swap.get(kind, kind) for kind in up]
    as_neutral = {
        "special_cause_improvement": "special_cause_neutral_high",
        "special_cause_concern": "special_cause_neutral_low",
    }
    assert neutral.tolist() == [as_neutral.get(kind, kind) for kind in up]


@QUICK
@given(values=integers, shift=st.integers(-1000, 1000), screen=st.booleans())
def test_rules_are_unchanged_by_adding_a_constant(
    values: list[int], shift: int, screen: bool
) -> None:
    chart = xmr(values, screen_outliers=screen)
    moved = xmr([v + shift for v in values], screen_outliers=screen)
    # Exact ties with a limit can round either way once shifted; everything else must agree.
    limits = chart[["lpl", "upl", "near_lpl", "near_upl"]].to_numpy()
    assume(np.abs(chart["value"].to_numpy()[:, None] - limits).min() > 1e-9)
    assert moved["point_type"].tolist() == chart["point_type"].tolist()
    np.testing.assert_allclose(moved["upl"] - moved["lpl"], chart["upl"] - chart["lpl"], atol=1e-9)


@QUICK
@given(
    first=integers.filter(lambda v: len(v) >= 2),
    second=integers,
    level=st.integers(100, 1000),
    way=directions,
)
def test_rebase_makes_each_period_its_own_chart(
    first: list[int], second: list[int], level: int, way: str
) -> None:
    # A second period lifted wholly above the first: rebased, it is charted as if alone.
    lifted = [v + level for v in second]
    chart = xmr(first + lifted, rebase=[len(first)], improvement=way)  # type: ignore[arg-type]
    alone = xmr(lifted, improvement=way)  # type: ignore[arg-type]
    tail = chart.iloc[len(first) :].reset_index(drop=True)
    assert tail["point_type"].tolist() == alone["point_type"].tolist()
    np.testing.assert_allclose(tail["upl"], alone["upl"])
    head = xmr(first, improvement=way)  # type: ignore[arg-type]
    assert chart["point_type"].iloc[: len(first)].tolist() == head["point_type"].tolist()
    if len(second) >= 7 and min(lifted) > np.mean(first + lifted):
        # Without the rebase the lifted period is a shift above the overall mean.
        assert xmr(first + lifted)["rule_shift"].iloc[-7:].all()


@QUICK
@given(
    values=st.lists(st.floats(-100, 100, allow_nan=False), min_size=0, max_size=30),
    run=st.integers(3, 9),
)
def test_trend_flags_match_a_brute_force_count(values: list[float], run: int) -> None:
    expected = [False] * len(values)
    for end in range(run - 1, len(values)):
        window = values[end - run + 1 : end + 1]
        steps = np.sign(np.diff(window))
        if (steps == 1).all() or (steps == -1).all():
            expected[end - run + 1 : end + 1] = [True] * run
    assert rule_trend(values, run).tolist() == expected


@QUICK
@given(close=st.lists(st.booleans(), max_size=30), data=st.data())
def test_two_in_three_only_flags_close_points(close: list[bool], data: st.DataObject) -> None:
    side = data.draw(
        st.lists(st.sampled_from([-1, 0, 1]), min_size=len(close), max_size=len(close))
    )
    flagged = rule_two_in_three(close, side)
    assert not (flagged & ~np.array(close, dtype=bool)).any()


# ---------------------------------------------------------------------------
# Input checks.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: xmr([1.0]), "at least 2 points"),
        (lambda: xmr([1, 2, None, 4]), "point 3"),
        (lambda: xmr([1, 2, "n/a", 4, float("nan")]), "points 3 and 5"),
        (lambda: xmr([1, 2, float("inf")]), "not a number"),
        (lambda: xmr([1, 2, 3], labels=["a", "b"]), "2 labels but 3 values"),
        (lambda: xmr([1, 2, 3], improvement="up"), "'increase', 'decrease' or 'neutral'"),
        (lambda: xmr([1, 2, 3], rebase=[1]), "fewer than 2 points"),
        (lambda: xmr([1, 2, 3, 4], rebase=[4]), "fewer than 2 points"),
        (lambda: xmr([1, 2, 3, 4], rebase=["March"]), "positions"),
        (lambda: xmr([1, 2, 3], shift_run=2), "shift_run"),
        (lambda: p_chart([1, 2], [10, 10, 10]), "2 numerators but 3 denominators"),
        (lambda: p_chart([1, 2, 0], [10, 0, 10]), "Check point 2: the denominator is 0"),
        (lambda: p_chart([1, 12, 3], [10, 10, 10]), "Check point 2: the numerator is larger"),
        (lambda: p_chart([1, -1, 3], [10, 10, 10]), "negative"),
        (
            lambda: p_chart([0.5, 0.4, 0.3], [10, 10, 10]),
            "Check points 1, 2 and 3: a count is not a whole number",
        ),
    ],
)
def test_bad_input_is_explained(call: Callable[[], object], words: str) -> None:
    with pytest.raises(DataError, match=re.escape(words)) as caught:
        call()
    assert isinstance(caught.value, ValueError)


def test_a_pandas_series_with_a_gap_names_the_point() -> None:
    with pytest.raises(DataError, match="point 2 is blank"):
        xmr(pd.Series([1.0, np.nan, 3.0]))


# ---------------------------------------------------------------------------
# Summary.
# ---------------------------------------------------------------------------


def test_summary_of_a_stable_process() -> None:
    summary = summarise(xmr(RNORM_20, labels=pd.date_range("2024-01-01", periods=20, freq="MS")))
    assert isinstance(summary, SpcSummary)
    assert summary.variation == "common_cause"
    assert summary.text.startswith(
        "The latest month (Aug 2025, -0.47) shows common cause variation"
    )
    assert summary.text.endswith(".") and ". " not in summary.text, "one sentence"


def test_summary_names_the_rule_and_the_direction() -> None:
    values = [50, 52, 49, 51, 50, 53, 48, 51, 50, 52, 49, 51, 80]
    summary = summarise(xmr(values, improvement="decrease"), target=55)
    assert summary.variation == "special_cause_concern"
    assert "a concern" in summary.text and "outside the usual range" in summary.text
    assert summary.assurance == "hit_and_miss"
    assert "sometimes meet it and sometimes miss it" in summary.text


def test_summary_of_a_p_chart_uses_percentages_and_warns_when_short() -> None:
    chart = p_chart([30, 32, 29, 31, 30, 33, 31, 30], [100] * 8)
    summary = summarise(chart, target=0.9)
    assert summary.assurance == "consistently_fail"
    assert "90.0%" in summary.text and "consistently miss it" in summary.text
    assert "only 8 points" in summary.text and "provisional" in summary.text


def test_summary_with_a_target_but_no_better_direction() -> None:
    summary = summarise(xmr(RNORM_20, improvement="neutral"), target=0.5)
    assert summary.assurance is None
    assert "cannot be judged" in summary.text


def test_summary_of_a_run_and_of_a_neutral_shift() -> None:
    values = [10.0, 12, 11, 10, 12, 11, 10, 12, 11, 10, 12, 11, 13, 14, 13, 14, 13, 14, 13]
    chart = xmr(values, improvement="neutral")
    summary = summarise(chart)
    assert summary.variation == "special_cause_neutral_high"
    assert "unusually high" in summary.text and "7 or more points on the same side" in summary.text


def test_summary_refuses_a_table_that_is_not_a_chart() -> None:
    with pytest.raises(DataError, match="xmr\\(\\) or p_chart\\(\\)"):
        summarise(pd.DataFrame({"value": [1, 2]}))


# ---------------------------------------------------------------------------
# Plot.
# ---------------------------------------------------------------------------


def _mixed_chart() -> pd.DataFrame:
    values = [10.0, 12, 11] * 8 + [30, 11, 10, -4, 11]  # one point far above, one far below
    return xmr(values, labels=pd.date_range("2024-01-01", periods=29, freq="MS"))


def test_plot_returns_a_figure_with_a_legend_for_each_point_type() -> None:
    fig = plot_spc(_mixed_chart(), title="Referrals", y_label="Referrals a month", target=20)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == [
        "Average",
        "Usual range (process limits)",
        "Target",
        "Common cause",
        "Special cause: improvement",
        "Special cause: concern",
    ]
    assert ax.get_title() == "Referrals" and ax.get_ylabel() == "Referrals a month"
    assert ax.get_xticklabels()[0].get_text() == "Jan 2024"


def test_plot_is_readable_in_greyscale() -> None:
    fig = plot_spc(_mixed_chart(), title="t", y_label="y")
    handles = fig.axes[0].get_legend().legend_handles
    markers = [handle.get_marker() for handle in handles if handle.get_linestyle() == "None"]
    assert len(markers) == len(set(markers)) == 3, "each point type needs its own marker shape"
    styles = {line.get_linestyle() for line in fig.axes[0].get_lines()}
    assert "--" in styles, "process limits are dashed"
    assert COLOURS["special_cause_improvement"] != COLOURS["special_cause_concern"]


def test_plot_percent_axis_on_given_axes_with_a_rebase() -> None:
    fig = Figure()
    ax = fig.add_subplot()
    chart = p_chart([30, 32, 29, 31, 20, 21, 19, 22], [100] * 8, rebase=[4])
    assert plot_spc(chart, title="t", y_label="%", percent=True, ax=ax) is fig
    assert isinstance(ax.yaxis.get_major_formatter(), PercentFormatter)
    mean_lines = [line for line in ax.get_lines() if line.get_color() == COLOURS["mean"]]
    assert len(mean_lines) == 2, "one mean line per period"


# ---------------------------------------------------------------- boundaries, pinned


def _run_above_the_mean(run: int) -> list[int]:
    """Counts out of 100 that alternate around the mean except for exactly ``run`` in a row above it."""
    low, high = 29, 33
    return [high, low] * 4 + [high] * run + [low, high] * 4


def _shift_flagged(chart: Callable[[list[int]], pd.DataFrame], run: int) -> bool:
    values = _run_above_the_mean(run)
    table = chart(values)
    above = (table["value"] > table["mean"]).tolist()
    assert above[8 : 8 + run] == [True] * run and not above[7] and not above[8 + run]
    return bool(table["rule_shift"].any())


BOUNDARIES: dict[str, Callable[[int], bool]] = {
    "p-chart shift flagged": lambda run: _shift_flagged(lambda v: p_chart(v, [100] * len(v)), run),
    "XmR shift flagged": lambda run: _shift_flagged(xmr, run),
    "limits called provisional": lambda points: (
        "provisional" in summarise(p_chart(([30, 32] * 6)[:points], [100] * points)).text
    ),
}


@pytest.mark.parametrize(
    ("what", "points", "expected"),
    [
        ("p-chart shift flagged", 6, False),
        ("p-chart shift flagged", 7, True),
        ("XmR shift flagged", 6, False),
        ("XmR shift flagged", 7, True),
        ("limits called provisional", 11, True),
        ("limits called provisional", 12, False),
    ],
)
def test_making_data_count_boundaries(what: str, points: int, expected: bool) -> None:
    """Each default on both sides of its edge: a shift is 7 points (not 6); 12 points make limits
    stable (11 are provisional), as NHSRplotthedots has them."""
    assert BOUNDARIES[what](points) is expected
