"""Tests for changekit.stats: published values, independent re-computation, properties."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from scipy.stats import chi2_contingency

from changekit.errors import DataError
from changekit.stats import (
    compare_proportions,
    funnel_limits,
    funnel_table,
    plot_funnel,
    proportion,
    rate_per_1000,
)

# Wilson score intervals published by Newcombe (Stat Med 1998;17:857-872, table II).
NEWCOMBE_SINGLE = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
    (29, 29, 0.8830, 1.0),
]

# Hybrid score (method 10) intervals for p1 - p2 published by Newcombe
# (Stat Med 1998;17:873-890, table II): (k1, n1, k2, n2, low, high).
NEWCOMBE_DIFFERENCE = [
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (5, 56, 0, 29, -0.0381, 0.1926),
]


@pytest.mark.parametrize(("k", "n", "low", "high"), NEWCOMBE_SINGLE)
def test_proportion_matches_newcombes_published_wilson_intervals(k, n, low, high):
    result = proportion(k, n)
    assert result.p == pytest.approx(k / n)
    assert result.low == pytest.approx(low, abs=5e-5)
    assert result.high == pytest.approx(high, abs=5e-5)
    assert (result.successes, result.total) == (k, n)


def test_proportion_matches_the_wilson_formula_at_another_confidence():
    k, n, confidence = 37, 120, 0.9
    z = 1.6448536269514722  # standard normal quantile for 95% (two-sided 90%)
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    result = proportion(k, n, confidence=confidence)
    assert result.low == pytest.approx(centre - half, abs=1e-9)
    assert result.high == pytest.approx(centre + half, abs=1e-9)


def test_proportion_reads_as_a_percentage_with_its_interval():
    assert str(proportion(81, 263)) == "30.8% (95% CI 25.5% to 36.6%)"
    assert str(proportion(81, 263, confidence=0.9)).startswith("30.8% (90% CI ")


@pytest.mark.parametrize(
    ("k", "n", "words"),
    [
        (5, 0, "at least 1"),
        (7, 5, "larger than the total"),
        (-1, 5, "cannot be negative"),
        (2.5, 10, "whole number"),
        ("many", 10, "whole number"),
        (3, float("nan"), "whole number"),
    ],
)
def test_proportion_refuses_impossible_counts_in_plain_english(k, n, words):
    with pytest.raises(DataError, match=words):
        proportion(k, n)


def test_proportion_accepts_whole_numbers_stored_as_floats_or_numpy():
    assert proportion(np.int64(3), 12.0).p == 0.25


@pytest.mark.parametrize("confidence", [95, 0, 1, -0.5])
def test_confidence_must_be_a_fraction(confidence):
    with pytest.raises(DataError, match="between 0 and 1"):
        proportion(3, 10, confidence=confidence)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_contains_p_and_stays_within_0_and_1(counts):
    k, n = counts
    result = proportion(k, n)
    assert 0.0 <= result.low <= result.p <= result.high <= 1.0


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(2, 20),
)
def test_wilson_interval_narrows_as_n_grows_at_the_same_proportion(counts, factor):
    k, n = counts
    small, large = proportion(k, n), proportion(k * factor, n * factor)
    assert large.high - large.low < small.high - small.low


@settings(max_examples=50, deadline=None)
@given(
    st.floats(0.5, 0.999),
    st.integers(1, 2000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
)
def test_a_higher_confidence_gives_a_wider_interval(confidence, counts):
    k, n = counts
    narrow = proportion(k, n, confidence=confidence * 0.5)
    wide = proportion(k, n, confidence=confidence)
    assert wide.low <= narrow.low and narrow.high <= wide.high


@pytest.mark.parametrize(("k1", "n1", "k2", "n2", "low", "high"), NEWCOMBE_DIFFERENCE)
def test_comparison_matches_newcombes_published_hybrid_score_intervals(k1, n1, k2, n2, low, high):
    # Newcombe reports p1 - p2; compare_proportions reports after - before,
    # so his first group is our "after".
    result = compare_proportions(k2, n2, k1, n1)
    assert result.difference == pytest.approx(k1 / n1 - k2 / n2)
    assert result.low == pytest.approx(low, abs=5e-5)
    assert result.high == pytest.approx(high, abs=5e-5)


@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2"), [(48, 80, 56, 70), (350, 1000, 180, 700), (3, 29, 9, 31)]
)
def test_comparison_p_value_is_pearsons_chi_squared_without_correction(k1, n1, k2, n2):
    table = [[k1, n1 - k1], [k2, n2 - k2]]
    expected = chi2_contingency(table, correction=False).pvalue
    assert compare_proportions(k1, n1, k2, n2).p_value == pytest.approx(expected, rel=1e-9)


def test_comparison_keeps_both_proportions_and_reads_plainly():
    result = compare_proportions(350, 1000, 180, 900)
    assert result.before == proportion(350, 1000)
    assert result.after == proportion(180, 900)
    assert result.difference == pytest.approx(0.2 - 0.35)
    assert result.low < result.difference < result.high < 0
    text = str(result)
    assert "before 35.0%" in text and "after 20.0%" in text
    assert "change -15.0 percentage points" in text and "p < 0.001" in text


@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2"),
    [(0, 10, 0, 20), (10, 10, 20, 20), (1, 1, 500, 500)],
    ids=["no events anywhere", "only events", "only events, unequal groups"],
)
def test_comparison_without_any_variation_has_p_value_one_and_no_warnings(k1, n1, k2, n2):
    with np.errstate(all="raise"):
        result = compare_proportions(k1, n1, k2, n2)
    assert result.p_value == 1.0
    assert result.difference == 0.0
    assert result.low < 0 < result.high


def test_comparison_checks_each_group():
    with pytest.raises(DataError, match="larger than the total"):
        compare_proportions(10, 20, 30, 20)


def _exact_limit(n: int, target: float, probability: float) -> float:
    """Spiegelhalter's interpolated binomial limit, recomputed with math.comb only."""
    cdf = 0.0
    for r in range(n + 1):
        below = cdf
        cdf += math.comb(n, r) * target**r * (1 - target) ** (n - r)
        if cdf >= probability:
            alpha = (cdf - probability) / (cdf - below)
            return min(1.0, max(0.0, (r - alpha) / n))
    return 1.0


@pytest.mark.parametrize(("n", "target"), [(20, 0.5), (37, 0.35), (150, 0.1), (400, 0.35)])
def test_funnel_limits_match_an_independent_exact_binomial_calculation(n, target):
    row = funnel_limits([n], target).iloc[0]
    assert row["n"] == n
    assert row["lower_95"] == pytest.approx(_exact_limit(n, target, 0.025), abs=1e-9)
    assert row["upper_95"] == pytest.approx(_exact_limit(n, target, 0.975), abs=1e-9)
    assert row["lower_99_8"] == pytest.approx(_exact_limit(n, target, 0.001), abs=1e-9)
    assert row["upper_99_8"] == pytest.approx(_exact_limit(n, target, 0.999), abs=1e-9)


def test_funnel_limits_approach_the_normal_approximation_for_large_groups():
    n, target = 20000, 0.35
    se = math.sqrt(target * (1 - target) / n)
    row = funnel_limits([n], target).iloc[0]
    assert row["upper_95"] == pytest.approx(target + 1.959964 * se, abs=2e-4)
    assert row["lower_99_8"] == pytest.approx(target - 3.090232 * se, abs=2e-4)


def test_funnel_limit_columns_follow_the_levels_asked_for():
    limits = funnel_limits([10, 20], 0.3, levels=[0.9])
    assert list(limits.columns) == ["n", "lower_90", "upper_90"]
    assert limits["n"].tolist() == [10, 20]


@settings(max_examples=100, deadline=None)
@given(st.integers(5, 3000), st.floats(0.01, 0.99))
def test_funnel_bands_nest_around_the_target(n, target):
    # n >= 5 keeps the expected count >= 0.05: see funnel_limits on tiny counts.
    row = funnel_limits([n], target).iloc[0]
    assert 0 <= row["lower_99_8"] <= row["lower_95"] <= target
    assert target <= row["upper_95"] <= row["upper_99_8"] <= 1


@settings(max_examples=100, deadline=None)
@given(st.integers(5, 1000), st.floats(0.05, 0.95))
def test_funnel_narrows_as_groups_grow(n, target):
    small, large = funnel_limits([n, 16 * n], target).to_dict("records")
    assert large["upper_99_8"] - large["lower_99_8"] < small["upper_99_8"] - small["lower_99_8"]


@pytest.mark.parametrize(
    ("denominators", "target", "words"),
    [
        ([10, 0], 0.3, "at least 1"),
        ([10.5], 0.3, "whole number"),
        ([], 0.3, "list of group"),
        ([10], 0.0, "strictly between 0 and 1"),
        ([10], 35, "strictly between 0 and 1"),
    ],
)
def test_funnel_limits_refuse_bad_input(denominators, target, words):
    with pytest.raises(DataError, match=words):
        funnel_limits(denominators, target)


def _referrals() -> pd.DataFrame:
    """Four practices around 20% redirected; P4 far above (60 of 100)."""
    counts = {"P1": (20, 100), "P2": (40, 200), "P3": (30, 150), "P4": (60, 100)}
    rows = [
        {"practice": name, "redirected": i < k} for name, (k, n) in counts.items() for i in range(n)
    ]
    return pd.DataFrame(rows)


def test_funnel_table_counts_each_group_and_flags_outliers_against_the_overall_rate():
    table = funnel_table(_referrals(), "practice", "redirected")
    assert table.index.tolist() == ["P1", "P2", "P3", "P4"]
    assert table.index.name == "practice"
    assert table["k"].tolist() == [20, 40, 30, 60]
    assert table["n"].tolist() == [100, 200, 150, 100]
    assert table["p"].tolist() == pytest.approx([0.2, 0.2, 0.2, 0.6])
    target = 150 / 550
    expected = funnel_limits(table["n"], target)
    assert table["upper_99_8"].tolist() == pytest.approx(expected["upper_99_8"].tolist())
    assert table["flag"].tolist() == ["within", "within", "within", "above"]


def test_funnel_table_accepts_a_target_and_flags_groups_below_it():
    table = funnel_table(_referrals(), "practice", "redirected", target=0.5)
    assert table["flag"].tolist() == ["below", "below", "below", "within"]


def test_funnel_table_accepts_ones_and_zeros():
    frame = _referrals().assign(redirected=lambda t: t["redirected"].astype(int))
    assert funnel_table(frame, "practice", "redirected")["k"].tolist() == [20, 40, 30, 60]


def test_funnel_table_names_a_missing_column_and_lists_the_real_ones():
    with pytest.raises(DataError, match=r"no column 'gp_practice'.*practice, redirected"):
        funnel_table(_referrals(), "gp_practice", "redirected")


def test_funnel_table_refuses_an_outcome_that_is_not_true_or_false():
    frame = _referrals().astype({"redirected": object})
    frame.loc[3, "redirected"] = "yes"
    with pytest.raises(DataError, match=r"'redirected' must hold True/False.*row 4 .*'yes'"):
        funnel_table(frame, "practice", "redirected")


def test_funnel_table_refuses_blank_groups():
    frame = _referrals()
    frame.loc[[0, 1], "practice"] = None
    with pytest.raises(DataError, match=r"'practice' is empty in rows 1, 2"):
        funnel_table(frame, "practice", "redirected")


def test_plot_funnel_draws_limits_target_and_labels_only_outliers():
    table = funnel_table(_referrals(), "practice", "redirected")
    fig = plot_funnel(
        table, 150 / 550, title="Redirected referrals by practice", y_label="Referrals redirected"
    )
    try:
        assert isinstance(fig, Figure)
        ax = fig.axes[0]
        assert ax.get_title() == "Redirected referrals by practice"
        assert ax.get_ylabel() == "Referrals redirected"
        assert [text.get_text() for text in ax.texts] == ["P4"]
        styles = {line.get_linestyle() for line in ax.lines}
        assert {"-", "--", ":"} <= styles  # target, 95% and 99.8% differ by line style
        legend = [text.get_text() for text in ax.get_legend().get_texts()]
        assert "95% limits" in legend and "99.8% limits" in legend
        assert "Above 99.8% limits" in legend and "Borough average 27.3%" in legend
    finally:
        plt.close(fig)


def test_plot_funnel_draws_on_given_axes():
    fig, ax = plt.subplots()
    try:
        table = funnel_table(_referrals(), "practice", "redirected")
        assert plot_funnel(table, 0.27, title="t", y_label="y", ax=ax) is fig
        assert ax.collections  # the points went onto these axes
    finally:
        plt.close(fig)


# ---------------------------------------------------------------- rates per 1,000


def test_rate_per_1000_uses_the_exact_poisson_interval() -> None:
    rate = rate_per_1000(10, 1000)
    assert rate.rate == pytest.approx(10)
    assert (rate.low, rate.high) == pytest.approx((4.7954, 18.3904), abs=1e-3)
    none = rate_per_1000(0, 1000)
    assert none.low == 0 and none.high == pytest.approx(3.6889, abs=1e-3)
    assert str(rate) == "10.0 per 1,000 (95% CI 4.8 to 18.4)"


@pytest.mark.parametrize(("events", "children"), [(-1, 10), (3, 0), (2.5, 10)])
def test_rate_per_1000_refuses_impossible_counts(events: float, children: int) -> None:
    with pytest.raises(DataError, match="whole number of events"):
        rate_per_1000(events, children)
