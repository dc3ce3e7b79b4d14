"""Statistical process control (SPC) charts as NHS England's "Making Data Count" draws them.

Two charts, one set of rules:

- ``xmr(values)``: the XmR (individuals) chart for any measure over time. The
  centre line is the mean; the moving range is ``|x_i - x_(i-1)|``; the process
  limits are ``mean +/- 2.66 x mean moving range`` and the "near" (2 sigma)
  limits ``mean +/- (2/3 x 2.66) x mean moving range``. With
  ``screen_outliers=True`` moving ranges of ``3.267 x`` the mean moving range
  or more are left out and the mean moving range recomputed, as
  NHSRplotthedots does (the Making Data Count Excel tool does not screen).
- ``p_chart(numerators, denominators)``: for a proportion (k out of n each
  month). The centre line is ``p-bar = sum(k) / sum(n)``; the limits are
  ``p-bar +/- 3 sqrt(p-bar (1 - p-bar) / n_i)``, stepped when ``n`` varies and
  kept inside 0-100%; the near limits are the same at 2 sigma.

The special-cause rules, and how each point is then labelled, are a port of
the NHS-R Community package NHSRplotthedots (``R/ptd_spc_standard.R`` and
``R/ptd_calculate_point_type.R``, version 0.2), the reference implementation
of Making Data Count:

- ``rule_outside_limits``: a point above the upper or below the lower limit;
- ``rule_shift``: ``shift_run`` (7) or more points in a row on the same side of
  the mean; a point exactly on the mean breaks the run;
- ``rule_trend``: ``trend_run`` (7) or more points in a row each higher than
  the one before (or each lower): 7 points, 6 rises; a repeated value breaks
  the trend; a trend may cross the mean;
- ``rule_two_in_three``: two of three points in a row beyond the same near
  limit. All three must be on the same side of the mean; a point beyond the
  process limit does not count as beyond the near limit (it is flagged by
  the first rule); only the points beyond the near limit are flagged, not
  the third point.

Every point of a run or trend is flagged, not only the one that completes it.
Rules never reach across a rebase: each period (``rebase``) has its own mean,
limits and runs. When a point breaks several rules its side comes from the
first of: outside the limits, trend (its direction), two in three, shift;
``point_type`` then says whether that side is an improvement or a concern
(or, with ``improvement="neutral"``, simply high or low).

NHSRplotthedots has no p-chart: ``p_chart`` applies the same rule functions to
p-chart limits. Besides the contract's columns, each chart has a ``period``
column (0, 1, ... counting rebases) and keeps its settings in ``chart.attrs``
for ``summarise`` and ``plot_spc``. Colours are NHSRplotthedots' defaults
since version 0.2 (aligned with the Making Data Count team, issue #196).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator, PercentFormatter
from numpy.lib.stride_tricks import sliding_window_view

from changekit.charts import GREY, MID, finish, new_figure
from changekit.errors import DataError
from changekit.synthetic import carry, is_synthetic

__all__ = [
    "COLOURS",
    "POINT_TYPES",
    "SpcSummary",
    "chart_in_words",
    "close_to_limits",
    "p_chart",
    "plot_spc",
    "point_types",
    "rule_outside_limits",
    "rule_shift",
    "rule_trend",
    "rule_two_in_three",
    "special_cause_side",
    "summarise",
    "xmr",
]

Improvement = Literal["increase", "decrease", "neutral"]

# XmR constants (Making Data Count; NHSRplotthedots R/ptd_spc_standard.R).
LIMIT = 2.66
NEAR_LIMIT = 2 * (LIMIT / 3)  # same arithmetic as NHSRplotthedots, so limits agree to the bit
OUTLIER_SCREEN = 3.267
# NHSRplotthedots warns that limits are provisional below 12 points in a period.
MIN_STABLE_POINTS = 12

POINT_TYPES: tuple[str, ...] = (
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
)

# Point fills: NHSRplotthedots ptd_spc_colours() defaults since version 0.2 (issue #196
# aligned them with the Making Data Count team's Power BI colours). Each point has a black
# outline and its own shape, so the fills need not contrast with white; the lines do (WCAG
# AA, 3:1 for marks): the data line and limits are darker greys than NHSRplotthedots' and
# the target a darker red (ratios in tests/unit/test_charts.py).
COLOURS: dict[str, str] = {
    "common_cause": "#A6A6A6",
    "special_cause_improvement": "#00B0F0",
    "special_cause_concern": "#E46C0A",
    "special_cause_neutral_high": "#490092",
    "special_cause_neutral_low": "#490092",
    "line": GREY,
    "mean": "#000000",
    "limits": MID,
    "target": "#C00000",
}
# Marker shapes keep the point types apart in greyscale and for colour-blind readers.
_MARKERS: dict[str, tuple[str, str]] = {
    "common_cause": ("o", "Common cause"),
    "special_cause_improvement": ("s", "Special cause: improvement"),
    "special_cause_concern": ("X", "Special cause: concern"),
    "special_cause_neutral_high": ("^", "Special cause: high"),
    "special_cause_neutral_low": ("v", "Special cause: low"),
}
_DIRECTIONS: dict[str, int] = {"increase": 1, "decrease": -1, "neutral": 0}
_RULES: tuple[str, ...] = ("rule_outside", "rule_shift", "rule_trend", "rule_two_in_three")


@dataclass(frozen=True)
class SpcSummary:
    """Making Data Count's two icons for the latest point, and a sentence explaining them.

    ``variation`` is the latest point's ``point_type``; ``assurance`` is
    ``"consistently_pass"``, ``"consistently_fail"``, ``"hit_and_miss"`` or
    ``None`` (no target, or no direction is better); ``text`` is one plain
    sentence for a clinical reader.
    """

    variation: str
    assurance: str | None
    text: str


# ---------------------------------------------------------------------------
# The rules: each takes one period and returns one flag per point.
# ---------------------------------------------------------------------------


def rule_outside_limits(
    values: Sequence[float], lpl: Sequence[float], upl: Sequence[float]
) -> np.ndarray:
    """Points strictly above the upper or below the lower process limit."""
    y = np.asarray(values, dtype=float)
    return (y > np.asarray(upl, dtype=float)) | (y < np.asarray(lpl, dtype=float))


def rule_shift(side: Sequence[int], run: int = 7) -> np.ndarray:
    """Points in a run of ``run`` or more in a row on the same side of the mean.

    ``side`` is -1, 0 or +1 per point (below, on, above the mean); a point on
    the mean (0) belongs to no run and breaks one.
    """
    s = np.asarray(side, dtype=int)
    ends = np.zeros(s.size, dtype=bool)
    if s.size >= run:
        windows = sliding_window_view(s, run)
        ends[run - 1 :] = (windows != 0).all(axis=1) & (windows == windows[:, :1]).all(axis=1)
    return _spread_back(ends, run)


def rule_trend(values: Sequence[float], run: int = 7) -> np.ndarray:
    """Points in a run of ``run`` or more in a row, each higher (or each lower) than the last.

    ``run`` counts points, so 7 points means 6 rises; a repeated value (no
    change) breaks a trend. The mean plays no part, so a trend may cross it.
    """
    y = np.asarray(values, dtype=float)
    steps = np.sign(np.diff(y))
    ends = np.zeros(y.size, dtype=bool)
    if steps.size >= run - 1:
        windows = sliding_window_view(steps, run - 1)
        ends[run - 1 :] = (windows == 1).all(axis=1) | (windows == -1).all(axis=1)
    return _spread_back(ends, run)


def close_to_limits(
    values: Sequence[float],
    lpl: Sequence[float],
    upl: Sequence[float],
    near_lpl: Sequence[float],
    near_upl: Sequence[float],
) -> np.ndarray:
    """Points beyond a near (2 sigma) limit but not beyond the process limit itself."""
    y = np.asarray(values, dtype=float)
    beyond_near = (y < np.asarray(near_lpl, dtype=float)) | (y > np.asarray(near_upl, dtype=float))
    return beyond_near & ~rule_outside_limits(y, lpl, upl)


def rule_two_in_three(close: Sequence[bool], side: Sequence[int]) -> np.ndarray:
    """Points beyond a near limit that are two (or three) of three in a row on one side of the mean.

    ``close`` comes from ``close_to_limits``; ``side`` is -1, 0 or +1 per
    point. A window of three qualifies when at least two of its points are
    close to a limit and all three lie on the same side of the mean; only the
    close points of a qualifying window are flagged.
    """
    near = np.asarray(close, dtype=bool)
    s = np.asarray(side, dtype=int)
    in_window = np.zeros(near.size, dtype=bool)
    if near.size >= 3:
        windows_ok = (sliding_window_view(near, 3).sum(axis=1) >= 2) & (
            np.abs(sliding_window_view(s, 3).sum(axis=1)) == 3
        )
        for start in np.flatnonzero(windows_ok):
            in_window[start : start + 3] = True
    return in_window & near


def _spread_back(ends: np.ndarray, run: int) -> np.ndarray:
    """Flag every point of each run, given flags on the points that complete a run."""
    part = np.zeros(ends.size, dtype=bool)
    for end in np.flatnonzero(ends):
        part[end - run + 1 : end + 1] = True
    return part


# ---------------------------------------------------------------------------
# From rules to point types.
# ---------------------------------------------------------------------------


def special_cause_side(
    values: Sequence[float],
    side: Sequence[int],
    *,
    outside: Sequence[bool],
    trend: Sequence[bool],
    two_in_three: Sequence[bool],
    shift: Sequence[bool],
) -> np.ndarray:
    """+1 (high or rising), -1 (low or falling) or 0 (common cause) for each point.

    As NHSRplotthedots' ``ptd_special_cause_type``: the first rule that fires,
    in the order outside limits, trend, two in three, shift, decides. Outside
    the limits and the two run rules use the point's side of the mean; a trend
    uses its own direction, which is why a rising trend below the mean still
    counts as high.
    """
    high_low = np.where(np.asarray(side, dtype=int) > 0, 1, -1)
    rules = [np.asarray(rule, dtype=bool) for rule in (outside, trend, two_in_three, shift)]
    return np.select(
        rules, [high_low, _trend_direction(values, trend), high_low, high_low], default=0
    )


def _trend_direction(values: Sequence[float], trend: Sequence[bool]) -> np.ndarray:
    """+1 where a trend point is rising, -1 where falling, as NHSRplotthedots reads it.

    A trend point followed by another trend point takes the direction of the
    step after it; the last point of a trend takes the step before it. A step
    of zero between two touching trends reads as falling, as in the R code.
    """
    steps = np.sign(np.diff(np.asarray(values, dtype=float)))
    if steps.size == 0:
        return np.zeros(len(values), dtype=int)
    part = np.asarray(trend, dtype=bool)
    next_is_trend = np.append(part[1:], False) & part
    step = np.where(next_is_trend, np.append(steps, steps[-1]), np.insert(steps, 0, 0))
    return np.where(step == 1, 1, -1)


def point_types(side: Sequence[int], improvement: Improvement) -> list[str]:
    """Name each point from ``special_cause_side`` and the improvement direction."""
    direction = _DIRECTIONS[improvement]
    names = []
    for value in np.asarray(side, dtype=int):
        if value == 0:
            names.append("common_cause")
        elif direction == 0:
            names.append("special_cause_neutral_high" if value > 0 else "special_cause_neutral_low")
        else:
            names.append(
                "special_cause_improvement" if value * direction > 0 else "special_cause_concern"
            )
    return names


# ---------------------------------------------------------------------------
# The charts.
# ---------------------------------------------------------------------------


def xmr(
    values: Iterable[float],
    *,
    improvement: Improvement = "increase",
    screen_outliers: bool = False,
    shift_run: int = 7,
    trend_run: int = 7,
    rebase: Iterable[int] = (),
    labels: Iterable[object] | None = None,
) -> pd.DataFrame:
    """An XmR chart: one row per point with its period's mean, limits, rules and ``point_type``.

    ``values`` are in time order. ``rebase`` lists the positions (counting the
    first point as 0, as in the returned table's index) where a new period
    with its own mean and limits starts, e.g. the month a change went live.
    ``labels`` (dates or names) fill the ``x`` column; by default 1, 2, 3...
    """
    y = _as_numbers(values, "values")
    x = _labels(labels, y.size)
    starts = _periods(rebase, y.size)
    _check_settings(improvement, shift_run, trend_run)
    limits = pd.concat(
        [_xmr_limits(y[start:stop], screen_outliers) for start, stop in starts], ignore_index=True
    )
    return _chart(
        x,
        y,
        limits,
        starts,
        improvement,
        shift_run,
        trend_run,
        kind="xmr",
        sources=[values, labels],
    )


def p_chart(
    numerators: Iterable[int],
    denominators: Iterable[int],
    *,
    improvement: Improvement = "increase",
    shift_run: int = 7,
    trend_run: int = 7,
    rebase: Iterable[int] = (),
    labels: Iterable[object] | None = None,
) -> pd.DataFrame:
    """A p-chart of ``numerators / denominators``: same columns as ``xmr``, ``value`` a proportion.

    Each numerator is a count out of its denominator (e.g. referrals
    redirected out of referrals received that month). Limits are stepped by
    each month's denominator and kept within 0 and 1.
    """
    k = _as_numbers(numerators, "numerators")
    n = _as_numbers(denominators, "denominators")
    _check_counts(k, n)
    x = _labels(labels, k.size)
    starts = _periods(rebase, k.size)
    _check_settings(improvement, shift_run, trend_run)
    limits = pd.concat(
        [_p_limits(k[start:stop], n[start:stop]) for start, stop in starts], ignore_index=True
    )
    return _chart(
        x,
        k / n,
        limits,
        starts,
        improvement,
        shift_run,
        trend_run,
        kind="p",
        sources=[numerators, denominators, labels],
    )


def _xmr_limits(y: np.ndarray, screen_outliers: bool) -> pd.DataFrame:
    """Mean, process limits and near limits of one period of an XmR chart."""
    moving_ranges = np.abs(np.diff(y))
    average_range = _mean(moving_ranges)
    if screen_outliers:
        kept = moving_ranges[moving_ranges < OUTLIER_SCREEN * average_range]
        # Nothing is kept only when every range is 0 (R then gives no limits; we keep 0).
        average_range = _mean(kept) if kept.size else average_range
    centre = _mean(y)
    return _limits_frame(
        y.size,
        mean=centre,
        lpl=centre - LIMIT * average_range,
        upl=centre + LIMIT * average_range,
        near_lpl=centre - NEAR_LIMIT * average_range,
        near_upl=centre + NEAR_LIMIT * average_range,
    )


def _p_limits(k: np.ndarray, n: np.ndarray) -> pd.DataFrame:
    """p-bar and its 3 and 2 sigma limits, stepped by each denominator and clipped to [0, 1]."""
    p_bar = math.fsum(k) / math.fsum(n)
    sigma = np.sqrt(p_bar * (1 - p_bar) / n)
    return _limits_frame(
        k.size,
        mean=p_bar,
        lpl=np.clip(p_bar - 3 * sigma, 0, 1),
        upl=np.clip(p_bar + 3 * sigma, 0, 1),
        near_lpl=np.clip(p_bar - 2 * sigma, 0, 1),
        near_upl=np.clip(p_bar + 2 * sigma, 0, 1),
    )


def _limits_frame(size: int, **columns: float | np.ndarray) -> pd.DataFrame:
    """The limit columns of one period, broadcast to ``size`` rows."""
    return pd.DataFrame(
        {name: np.broadcast_to(value, size).astype(float) for name, value in columns.items()}
    )


def _mean(values: np.ndarray) -> float:
    """The mean as R computes it: an accurate sum, then a second pass over the residuals.

    The correction matters: without it the mean of a constant series can differ
    from the constant in the last digit, and every point would then sit on one
    side of the mean and form a false shift.
    """
    first = math.fsum(values) / values.size
    return first + math.fsum(values - first) / values.size


def _chart(
    x: list[object],
    y: np.ndarray,
    limits: pd.DataFrame,
    starts: list[tuple[int, int]],
    improvement: Improvement,
    shift_run: int,
    trend_run: int,
    *,
    kind: str,
    sources: Sequence[object] = (),
) -> pd.DataFrame:
    """Assemble the chart table: values, limits, each rule per period, and the point types.

    ``sources`` are the inputs: the chart is tagged synthetic when any of them is.
    """
    chart = pd.DataFrame({"x": x, "value": y}).join(limits)
    chart["period"] = np.repeat(np.arange(len(starts)), [stop - start for start, stop in starts])
    flags = pd.concat(
        [_apply_rules(chart.iloc[start:stop], shift_run, trend_run) for start, stop in starts]
    )
    side = flags.pop("side_of_cause")
    chart = chart.join(flags)
    chart["special_cause"] = side != 0
    chart["point_type"] = point_types(side, improvement)
    chart.attrs.update(kind=kind, improvement=improvement, shift_run=shift_run, trend_run=trend_run)
    carry(chart, *sources)
    columns = ["x", "value", "mean", "lpl", "upl", "near_lpl", "near_upl", *_RULES]
    return chart[[*columns, "special_cause", "point_type", "period"]]


def _apply_rules(period: pd.DataFrame, shift_run: int, trend_run: int) -> pd.DataFrame:
    """The four rules and the deciding side for the points of one period."""
    y = period["value"].to_numpy()
    side = np.sign(y - period["mean"].to_numpy()).astype(int)
    close = close_to_limits(y, period["lpl"], period["upl"], period["near_lpl"], period["near_upl"])
    flags = {
        "rule_outside": rule_outside_limits(y, period["lpl"], period["upl"]),
        "rule_shift": rule_shift(side, shift_run),
        "rule_trend": rule_trend(y, trend_run),
        "rule_two_in_three": rule_two_in_three(close, side),
    }
    decided = special_cause_side(
        y,
        side,
        outside=flags["rule_outside"],
        trend=flags["rule_trend"],
        two_in_three=flags["rule_two_in_three"],
        shift=flags["rule_shift"],
    )
    return pd.DataFrame({**flags, "side_of_cause": decided}, index=period.index)


# ---------------------------------------------------------------------------
# Input checks: plain English, naming the point and the fix.
# ---------------------------------------------------------------------------


def _as_numbers(values: Iterable[object], name: str) -> np.ndarray:
    """The values as floats; a blank, text or infinite entry is an error naming its position."""
    series = pd.Series(list(values), dtype=object)
    numbers = pd.to_numeric(series, errors="coerce").astype(float)
    bad = ~np.isfinite(numbers.to_numpy())
    if bad.any():
        rows = _positions_text(np.flatnonzero(bad))
        raise DataError(
            f"The {name} must all be numbers, but {rows} {'is' if bad.sum() == 1 else 'are'} "
            f"blank or not a number (e.g. {series[bad].iloc[0]!r}). Fill in or remove those "
            "points, then try again."
        )
    if numbers.size < 2:
        raise DataError(
            f"An SPC chart needs at least 2 points, but {numbers.size} {name} were given; "
            f"Making Data Count recommends at least {MIN_STABLE_POINTS}."
        )
    return numbers.to_numpy()


def _check_counts(k: np.ndarray, n: np.ndarray) -> None:
    """Numerators and denominators must pair up as whole counts with 0 <= k <= n and n > 0."""
    if k.size != n.size:
        raise DataError(
            f"There are {k.size} numerators but {n.size} denominators; "
            "give one of each per time period."
        )
    checks = [
        (n <= 0, "the denominator is 0 or less, but a proportion needs at least one case in it"),
        (k < 0, "the numerator is negative, but numerators are counts"),
        (
            (k != np.round(k)) | (n != np.round(n)),
            "a count is not a whole number: give counts (e.g. 34 out of 100), not percentages",
        ),
        (k > n, "the numerator is larger than the denominator: check the two are not swapped"),
    ]
    for bad, problem in checks:
        if bad.any():
            raise DataError(f"Check {_positions_text(np.flatnonzero(bad))}: {problem}.")


def _labels(labels: Iterable[object] | None, size: int) -> list[object]:
    """The x labels: given ones (one per point) or 1, 2, 3..."""
    if labels is None:
        return list(range(1, size + 1))
    given = list(labels)
    if len(given) != size:
        raise DataError(
            f"There are {len(given)} labels but {size} values; "
            "give exactly one label (e.g. a month) per value."
        )
    return given


def _periods(rebase: Iterable[int], size: int) -> list[tuple[int, int]]:
    """(start, stop) of each period; each rebase must leave at least 2 points on each side."""
    try:
        positions = sorted({int(position) for position in rebase})
    except (TypeError, ValueError) as error:
        raise DataError(
            "rebase must list positions (whole numbers) where a new period starts, "
            "e.g. rebase=[12] for the 13th point."
        ) from error
    bounds = [0, *positions, size]
    for start, stop in itertools.pairwise(bounds):
        if stop - start < 2:
            raise DataError(
                f"rebase={positions} leaves a period with fewer than 2 points (or a position "
                f"outside 1 to {size - 1}); positions count from 0 and each period needs at "
                "least 2 points."
            )
    return list(itertools.pairwise(bounds))


def _check_settings(improvement: str, shift_run: int, trend_run: int) -> None:
    """The improvement direction must be known and the run lengths sensible."""
    if improvement not in _DIRECTIONS:
        raise DataError(
            f"improvement must be 'increase', 'decrease' or 'neutral' (which direction is better), "
            f"not {improvement!r}."
        )
    for name, run in (("shift_run", shift_run), ("trend_run", trend_run)):
        if isinstance(run, bool) or not isinstance(run, int) or run < 3:
            raise DataError(
                f"{name} must be a whole number of points, 3 or more (Making Data Count uses 7)."
            )


def _positions_text(positions: np.ndarray) -> str:
    """'point 3' or 'points 3, 5 and 9' (counting from 1, as a reader would), at most 5 listed."""
    numbers = [str(p + 1) for p in positions[:5]]
    more = f" and {positions.size - 5} more" if positions.size > 5 else ""
    if len(numbers) == 1:
        return f"point {numbers[0]}"
    listed = (
        ", ".join(numbers[:-1]) + f" and {numbers[-1]}" if not more else ", ".join(numbers) + more
    )
    return f"points {listed}"


# ---------------------------------------------------------------------------
# Summary and plot.
# ---------------------------------------------------------------------------


def summarise(chart: pd.DataFrame, *, target: float | None = None) -> SpcSummary:
    """Making Data Count's variation and assurance icons for the latest point, in words.

    Variation is the last point's ``point_type``. Assurance compares the
    target with the last point's process limits (the latest period), as
    NHSRplotthedots does: beyond the limits on the good side the process will
    consistently pass, on the bad side consistently fail, between them hit
    and miss. It is ``None`` without a target or when no direction is better.
    """
    improvement = _chart_setting(chart, "improvement")
    last = chart.iloc[-1]
    assurance = _assurance(target, float(last["lpl"]), float(last["upl"]), improvement)
    period_size = int((chart["period"] == last["period"]).sum())
    clauses = [_variation_text(chart, last)]
    if target is not None:
        clauses.append(_assurance_text(assurance, _number(chart, target)))
    if period_size < MIN_STABLE_POINTS:
        clauses.append(
            f"with only {period_size} {_unit(chart)}s in the latest period the usual range is "
            f"provisional (at least {MIN_STABLE_POINTS} are recommended)"
        )
    return SpcSummary(
        variation=str(last["point_type"]), assurance=assurance, text="; ".join(clauses) + "."
    )


def _assurance(target: float | None, lpl: float, upl: float, improvement: str) -> str | None:
    """Consistently pass / fail, or hit and miss, from where the target sits against the limits."""
    if target is None or improvement == "neutral":
        return None
    higher_is_better = improvement == "increase"
    if target > upl:
        return "consistently_fail" if higher_is_better else "consistently_pass"
    if target < lpl:
        return "consistently_pass" if higher_is_better else "consistently_fail"
    return "hit_and_miss"


def _variation_text(chart: pd.DataFrame, last: pd.Series) -> str:
    """The variation clause: what kind of variation the latest point shows and why."""
    where = f"The latest {_unit(chart)} ({_label_text(last['x'])}, {_number(chart, last['value'])})"
    average = _number(chart, last["mean"])
    kind = last["point_type"]
    if kind == "common_cause":
        return (
            f"{where} shows common cause variation only, nothing unusual: the process is stable "
            f"around an average of {average}, and any value between "
            f"{_number(chart, last['lpl'])} and {_number(chart, last['upl'])} would be within "
            "the usual range"
        )
    meaning = {
        "special_cause_improvement": "special cause variation that is an improvement",
        "special_cause_concern": "special cause variation that is a concern",
        "special_cause_neutral_high": "special cause variation: unusually high",
        "special_cause_neutral_low": "special cause variation: unusually low",
    }[kind]
    return f"{where} shows {meaning}, because {_reason(chart, last)} (average {average})"


def _reason(chart: pd.DataFrame, last: pd.Series) -> str:
    """Which rule marked the point, in the order that decides its side."""
    unit = _unit(chart)
    if last["rule_outside"]:
        return "it lies outside the usual range (the process limits)"
    if last["rule_trend"]:
        run = _chart_setting(chart, "trend_run")
        return f"it is part of a run of {run} or more {unit}s each going the same way"
    if last["rule_two_in_three"]:
        return (
            f"two of the last three {unit}s were near the same edge of the usual range, "
            "which suggests a change"
        )
    run = _chart_setting(chart, "shift_run")
    return f"it is part of a run of {run} or more {unit}s on the same side of the average"


def _assurance_text(assurance: str | None, target: str) -> str:
    """The assurance clause for a given target."""
    if assurance is None:
        return (
            "no direction is better for this measure, so whether it will meet the target of "
            f"{target} cannot be judged"
        )
    return {
        "consistently_pass": f"the target of {target} lies outside the usual range "
        "on the good side, "
        "so the process will consistently meet it",
        "consistently_fail": f"the target of {target} lies outside the usual range "
        "on the wrong side, "
        "so the process will consistently miss it unless the process itself changes",
        "hit_and_miss": f"the target of {target} lies within the usual range, "
        "so the process will sometimes meet it and sometimes miss it",
    }[assurance]


def _chart_setting(chart: pd.DataFrame, name: str) -> object:
    """A setting that ``xmr`` or ``p_chart`` stored on the chart; a plain error if it is lost."""
    if name not in chart.attrs or chart.empty:
        raise DataError(
            "This table is not a chart made by xmr() or p_chart() (or it has lost its settings "
            "after being changed); make the chart again with xmr() or p_chart() and pass that."
        )
    return chart.attrs[name]


def _number(chart: pd.DataFrame, value: float) -> str:
    """A value as a reader would want it: a percentage on a p-chart, else a few figures."""
    if chart.attrs.get("kind") == "p":
        return f"{value:.1%}"
    size = abs(value)
    decimals = 0 if size >= 100 else 1 if size >= 10 else 2
    return f"{value:,.{decimals}f}"


def _unit(chart: pd.DataFrame) -> str:
    """What one point is, for sentences: "month" when every label is a different month, else "point"."""
    labels = chart["x"]
    if labels.map(lambda v: isinstance(v, str | pd.Timestamp | pd.Period | np.datetime64)).all():
        dates = pd.to_datetime(labels.astype(str), errors="coerce", format="mixed")
        if dates.notna().all() and dates.dt.to_period("M").is_unique:
            return "month"
    return "point"


_POINT_WORDS: dict[str, str] = {
    "common_cause": "common cause: usual variation",
    "special_cause_improvement": "special cause: improvement",
    "special_cause_concern": "special cause: concern",
    "special_cause_neutral_high": "special cause: unusually high",
    "special_cause_neutral_low": "special cause: unusually low",
}


def chart_in_words(chart: pd.DataFrame) -> pd.DataFrame:
    """A chart from ``xmr`` or ``p_chart`` to show people: one row per point, columns in words.

    Each point's value, its period's average and the lowest and highest value
    usual for it (the process limits), as percentages on a p-chart, and what
    the point shows. The chart's own columns stay as they are for code.
    """
    _chart_setting(chart, "improvement")
    unit = _unit(chart)
    words = pd.DataFrame(
        {
            unit: chart["x"].map(_label_text),
            "value": chart["value"].map(lambda v: _number(chart, v)),
            "average": chart["mean"].map(lambda v: _number(chart, v)),
            "lowest usual": chart["lpl"].map(lambda v: _number(chart, v)),
            "highest usual": chart["upl"].map(lambda v: _number(chart, v)),
            "what it shows": chart["point_type"].map(_POINT_WORDS),
        }
    )
    return words.set_index(unit)


def _label_text(label: object) -> str:
    """A label for text and ticks: dates as 'Mar 2024', anything else as given."""
    if isinstance(label, pd.Timestamp | np.datetime64) or hasattr(label, "strftime"):
        return pd.Timestamp(label).strftime("%b %Y")
    return str(label)


def plot_spc(
    chart: pd.DataFrame,
    *,
    title: str,
    y_label: str,
    percent: bool = False,
    target: float | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Draw a chart from ``xmr`` or ``p_chart`` in the Making Data Count style; return the Figure.

    Points are coloured and shaped by ``point_type`` (so the chart reads in
    greyscale too), the mean is a solid line and the process limits dashed,
    both drawn per period; an optional target is a dash-dot line. With
    ``percent=True`` the y axis shows percentages (for a p-chart). The figure
    carries its text alternative (the summary and ``chart_in_words``) and, for
    the sample data, the synthetic caption.
    """
    _chart_setting(chart, "improvement")
    fig, ax = new_figure(10, 5, ax=ax)
    position = np.arange(len(chart))
    ax.plot(position, chart["value"], color=COLOURS["line"], linewidth=1, zorder=1)
    for period in chart["period"].unique():
        rows = (chart["period"] == period).to_numpy()
        ax.plot(position[rows], chart["mean"][rows], color=COLOURS["mean"], linewidth=1.2)
        for column in ("lpl", "upl"):
            ax.plot(
                position[rows],
                chart[column][rows],
                color=COLOURS["limits"],
                linestyle="--",
                drawstyle="steps-mid",
            )
    handles = [
        Line2D([], [], color=COLOURS["mean"], label="Average"),
        Line2D(
            [], [], color=COLOURS["limits"], linestyle="--", label="Usual range (process limits)"
        ),
    ]
    if target is not None:
        ax.axhline(target, color=COLOURS["target"], linestyle="-.", linewidth=1.2)
        handles.append(Line2D([], [], color=COLOURS["target"], linestyle="-.", label="Target"))
    handles += _plot_points(ax, chart, position)
    _label_axes(ax, chart, position, title=title, y_label=y_label, percent=percent)
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False
    )
    kind = "p-chart" if chart.attrs.get("kind") == "p" else "XmR chart"
    first, last = _label_text(chart["x"].iloc[0]), _label_text(chart["x"].iloc[-1])
    return finish(
        fig,
        alt_text=(
            f"Statistical process control {kind}: {title}, {len(chart)} {_unit(chart)}s from "
            f"{first} to {last}. " + summarise(chart, target=target).text
        ),
        table=chart_in_words(chart),
        synthetic=is_synthetic(chart),
    )


def _plot_points(ax: Axes, chart: pd.DataFrame, position: np.ndarray) -> list[Line2D]:
    """One marker style per point type present; return their legend handles."""
    handles = []
    for kind, (marker, label) in _MARKERS.items():
        chosen = (chart["point_type"] == kind).to_numpy()
        if not chosen.any():
            continue
        style = {
            "marker": marker,
            "color": COLOURS[kind],
            "markeredgecolor": "black",
            "markersize": 8,
        }
        ax.plot(position[chosen], chart["value"][chosen], linestyle="", zorder=3, **style)
        handles.append(Line2D([], [], linestyle="", label=label, **style))
    return handles


def _label_axes(
    ax: Axes, chart: pd.DataFrame, position: np.ndarray, *, title: str, y_label: str, percent: bool
) -> None:
    """Title, axis labels, about 12 x ticks showing the chart's labels, optional percent axis."""
    ax.set(title=title, ylabel=y_label)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=12, integer=True))
    ticks = [tick for tick in ax.get_xticks() if 0 <= tick < len(chart)]
    ax.set_xticks(
        ticks, [_label_text(chart["x"].iloc[int(tick)]) for tick in ticks], rotation=45, ha="right"
    )
    ax.set_xlim(-0.5, position.size - 0.5)
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
