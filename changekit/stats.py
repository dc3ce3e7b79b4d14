"""Proportions and rates with confidence intervals, before/after comparisons and funnel plots.

The methods are the ones a clinical audience meets in NHS and public-health
reports, chosen because they behave well with the small counts a single
practice or a single month produces:

- one proportion: the Wilson score interval (statsmodels ``proportion_confint``,
  ``method="wilson"``), which stays inside 0-100% and keeps its coverage when
  the count is small, unlike the textbook "p +/- 1.96 SE" (Wald) interval;
- one rate (events per 1,000 children a year, ``rate_per_1000``): the exact
  (Garwood) Poisson interval that public-health reports use for counts of
  events;
- two proportions (before and after a change): the difference with Newcombe's
  hybrid Wilson score interval (Newcombe, Stat Med 1998;17:873-890, method 10;
  statsmodels ``confint_proportions_2indep``, ``method="newcomb"``) and a
  p-value from the score test without continuity correction (statsmodels
  ``test_proportions_2indep``, ``method="score"``, ``correction=False``), which is
  the familiar Pearson chi-squared test of a 2 x 2 table;
- funnel plots: exact binomial control limits around a target, with
  Spiegelhalter's interpolation between the discrete binomial steps
  (Spiegelhalter, Stat Med 2005;24:1185-1202, appendix A.1.1), drawn at 95%
  (about 2 standard deviations) and 99.8% (about 3), as in NHS and Public
  Health England funnel plots. A group outside the 99.8% limits is unlikely to
  differ from the target by chance alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from changekit.charts import finish, new_figure, percent
from changekit.data import require_columns
from changekit.errors import DataError
from changekit.synthetic import carry, is_synthetic

DEFAULT_LEVELS: tuple[float, ...] = (0.95, 0.998)
# Line styles for the funnel limits, narrowest level first: readable in greyscale.
_LIMIT_STYLES: tuple[tuple[str, str], ...] = (("--", "0.45"), (":", "0.0"), ("-.", "0.25"))


@dataclass(frozen=True)
class Proportion:
    """A count out of a total, with its Wilson confidence interval."""

    successes: int
    total: int
    p: float
    low: float
    high: float
    confidence: float = 0.95

    def __str__(self) -> str:
        return f"{self.p:.1%} ({_level_text(self.confidence)} CI {self.low:.1%} to {self.high:.1%})"


@dataclass(frozen=True)
class ProportionComparison:
    """Two proportions, before and after a change, and the difference after minus before.

    ``difference``, ``low`` and ``high`` are on the proportion scale (-0.15 is a
    fall of 15 percentage points); ``p_value`` is two-sided.
    """

    before: Proportion
    after: Proportion
    difference: float
    low: float
    high: float
    p_value: float
    confidence: float = 0.95

    def __str__(self) -> str:
        return (
            f"before {self.before}; after {self.after}; "
            f"change {100 * self.difference:+.1f} percentage points "
            f"({_level_text(self.confidence)} CI {100 * self.low:+.1f} to {100 * self.high:+.1f}); "
            f"{_p_text(self.p_value)}"
        )


@dataclass(frozen=True)
class Rate:
    """Events per 1,000 children a year, with an exact Poisson confidence interval."""

    events: int
    children: int
    rate: float
    low: float
    high: float
    confidence: float = 0.95

    def __str__(self) -> str:
        return (
            f"{self.rate:,.1f} per 1,000 ({self.confidence:.0%} CI "
            f"{self.low:,.1f} to {self.high:,.1f})"
        )


def proportion(successes: int, total: int, *, confidence: float = 0.95) -> Proportion:
    """The proportion ``successes / total`` with its Wilson score interval.

    ``successes`` is the number with the outcome (e.g. referrals redirected) and
    ``total`` the number it is out of (all referrals).
    """
    k, n = _check_counts(successes, total)
    _check_confidence(confidence)
    from statsmodels.stats.proportion import proportion_confint  # 4 s to import: only when needed

    low, high = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    # At 0 or n the Wilson limit is exactly 0 or 1; statsmodels can be 1e-17 off.
    low = 0.0 if k == 0 else _clip(low)
    high = 1.0 if k == n else _clip(high)
    return Proportion(k, n, k / n, low, high, confidence)


def compare_proportions(
    k1: int, n1: int, k2: int, n2: int, *, confidence: float = 0.95
) -> ProportionComparison:
    """Compare ``k1/n1`` (before) with ``k2/n2`` (after): difference, Newcombe interval, p-value.

    The difference is after minus before, so a fall is negative. The interval is
    Newcombe's hybrid Wilson score interval; the p-value is the score test
    (Pearson chi-squared, no continuity correction). When both groups have no
    events, or both have only events, there is no evidence of a difference and
    the p-value is 1.
    """
    from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep

    before = proportion(k1, n1, confidence=confidence)
    after = proportion(k2, n2, confidence=confidence)
    counts = (after.successes, after.total, before.successes, before.total)
    low, high = confint_proportions_2indep(
        *counts, method="newcomb", compare="diff", alpha=1 - confidence
    )
    pooled = (before.successes + after.successes) / (before.total + after.total)
    if pooled in (0.0, 1.0):
        p_value = 1.0
    else:
        # statsmodels also computes a ratio and odds ratio we do not use; with a
        # count of zero those divide by zero, so silence that warning only.
        with np.errstate(divide="ignore", invalid="ignore"):
            test = test_proportions_2indep(
                *counts, method="score", compare="diff", correction=False
            )
        p_value = float(test.pvalue)
    return ProportionComparison(
        before, after, after.p - before.p, float(low), float(high), p_value, confidence
    )


def rate_per_1000(events: int, children: int, *, confidence: float = 0.95) -> Rate:
    """``events`` per 1,000 ``children`` with the exact (Garwood) Poisson interval.

    The exact interval is the one public-health reports use for counts of
    events; it stays sensible for a small practice with few events. Its limits
    are gamma quantiles (the chi-squared form halved): lower ``G(k, alpha/2)``,
    upper ``G(k + 1, 1 - alpha/2)``.
    """
    if children < 1 or events < 0 or int(events) != events or int(children) != children:
        raise DataError(
            f"A rate needs a whole number of events (0 or more) and of children (1 or more); "
            f"got events={events!r}, children={children!r}. Give the count first, then the "
            "number of children, e.g. rate_per_1000(attendances, children)."
        )
    if not 0 < confidence < 1:
        raise DataError(f"The confidence level is {confidence!r}; give a fraction such as 0.95.")
    from scipy.special import gammaincinv  # scipy is slow to import: only when a rate is asked for

    alpha = 1 - confidence
    low = float(gammaincinv(events, alpha / 2)) if events > 0 else 0.0
    high = float(gammaincinv(events + 1, 1 - alpha / 2))
    scale = 1000 / children
    return Rate(int(events), int(children), events * scale, low * scale, high * scale, confidence)


def funnel_limits(
    denominators: Iterable[int], target: float, *, levels: Sequence[float] = DEFAULT_LEVELS
) -> pd.DataFrame:
    """Exact binomial funnel-plot limits around ``target`` for each denominator.

    One row per denominator: column ``n`` and, for each level, ``lower_<L>`` and
    ``upper_<L>`` where ``<L>`` is the level in per cent with ``_`` for the
    decimal point (``lower_95``, ``upper_99_8``). Limits are proportions.

    The interpolation spreads each count over the step below it, so where the
    expected count is tiny (n x target under about 0.03, when even one event is
    rarer than the tail probability) a limit can sit just past the target.
    """
    n = _check_denominators(denominators)
    _check_target(target)
    limits: dict[str, np.ndarray] = {"n": n.astype(int)}
    for level in levels:
        _check_confidence(level)
        tail = (1 - level) / 2
        label = _level_label(level)
        limits[f"lower_{label}"] = _binomial_limit(n, target, tail)
        limits[f"upper_{label}"] = _binomial_limit(n, target, 1 - tail)
    return pd.DataFrame(limits)


def funnel_table(
    frame: pd.DataFrame,
    group: str,
    outcome: str,
    *,
    target: float | None = None,
    levels: Sequence[float] = DEFAULT_LEVELS,
) -> pd.DataFrame:
    """Count an outcome per group and place each group on a funnel plot.

    ``frame`` has one row per case (e.g. per referral); ``group`` names the
    column to group by (e.g. ``"practice"``) and ``outcome`` a column of
    True/False or 1/0 (e.g. ``"redirected"``). The target is the overall
    proportion unless given. Returns one row per group, indexed by group, with
    ``k``, ``n``, ``p``, the limits of ``funnel_limits`` and ``flag``:
    ``"above"`` or ``"below"`` the widest limits (99.8% by default), else
    ``"within"``.
    """
    require_columns(frame, (group, outcome))
    events = _as_binary(frame[outcome], outcome)
    missing = frame[group].isna().to_numpy()
    if missing.any():
        raise DataError(
            f"The column '{group}' is empty in {_rows_text(missing)}. "
            f"Fill in the {group} for those rows or drop them before making the funnel table."
        )
    counts = events.groupby(frame[group], sort=True).agg(["sum", "count"])
    table = pd.DataFrame(
        {"k": counts["sum"].astype(int), "n": counts["count"].astype(int)}, index=counts.index
    )
    table["p"] = table["k"] / table["n"]
    if target is None:
        target = table["k"].sum() / table["n"].sum()
    limits = funnel_limits(table["n"], target, levels=levels).drop(columns="n")
    table = table.join(limits.set_axis(table.index))
    widest = _level_label(max(levels))
    table["flag"] = _flags(table["p"], table[f"lower_{widest}"], table[f"upper_{widest}"])
    return carry(table, frame)


_FLAG_WORDS = {
    "above": "above the usual range",
    "below": "below the usual range",
    "within": "within the usual range",
}


def funnel_in_words(
    table: pd.DataFrame, *, levels: Sequence[float] = DEFAULT_LEVELS
) -> pd.DataFrame:
    """A ``funnel_table`` (or some of its rows) to show people: columns in words, % as %.

    One row per group: how many had the outcome, out of how many, the
    percentage, the lowest and highest percentage usual for a group of that
    size (the widest funnel limits) and where the group lies. The numbers stay
    in ``funnel_table``'s own columns for code; this is for reading.
    """
    require_columns(table, ("n", "p"), "the funnel table", "Pass the table funnel_table() made.")
    widest = max(levels)
    label = _level_label(widest)
    words = pd.DataFrame(index=table.index)
    if "k" in table.columns:
        words["with the outcome"] = table["k"]
    words["out of"] = table["n"]
    words["%"] = table["p"].map(percent)
    if f"lower_{label}" in table.columns:
        words[f"lowest usual % ({_level_text(widest)} limits)"] = table[f"lower_{label}"].map(
            percent
        )
        words[f"highest usual % ({_level_text(widest)} limits)"] = table[f"upper_{label}"].map(
            percent
        )
    if "flag" in table.columns:
        words["compared with the average"] = table["flag"].map(_FLAG_WORDS)
    return words


def plot_funnel(
    table: pd.DataFrame,
    target: float,
    *,
    title: str,
    y_label: str,
    x_label: str = "Number in group (denominator)",
    centre: str = "Borough average",
    levels: Sequence[float] = DEFAULT_LEVELS,
    ax: Axes | None = None,
) -> Figure:
    """Draw a funnel plot of a ``funnel_table``: one point per group against its size.

    Limits are drawn as curves around the centre line at ``target`` (named
    ``centre`` in the legend, e.g. "Borough average 34.0%"; narrower level
    dashed, wider dotted); groups outside the widest limits are drawn as filled
    triangles (up for above, down for below) and labelled with their name, so
    the chart reads in greyscale. The figure carries its text alternative
    (``funnel_in_words``) and, for the sample data, the synthetic caption.
    """
    require_columns(table, ("n", "p"))
    _check_target(target)
    fig, ax = new_figure(9, 5, ax=ax)
    n = table["n"].to_numpy(dtype=float)
    grid = np.unique(np.linspace(max(1.0, 0.8 * n.min()), 1.1 * n.max(), 300).round())
    curves = funnel_limits(grid, target, levels=levels)
    handles = [Line2D([], [], color="0.0", linestyle="-", label=f"{centre} {target:.1%}")]
    ax.axhline(target, color="0.0", linestyle="-", linewidth=1)
    for level, (style, shade) in zip(sorted(levels), _LIMIT_STYLES, strict=False):
        label = _level_label(level)
        for side in ("lower", "upper"):
            ax.plot(curves["n"], curves[f"{side}_{label}"], linestyle=style, color=shade)
        handles.append(
            Line2D([], [], linestyle=style, color=shade, label=f"{_level_text(level)} limits")
        )
    at_points = funnel_limits(n, target, levels=[max(levels)])
    widest = _level_label(max(levels))
    flags = _flags(table["p"], at_points[f"lower_{widest}"], at_points[f"upper_{widest}"])
    handles += _plot_points(ax, table, flags, _level_text(max(levels)))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    ax.set(title=title, xlabel=x_label, ylabel=y_label)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    outside = [str(name) for name, flag in zip(table.index, flags, strict=True) if flag != "within"]
    return finish(
        fig,
        alt_text=(
            f"Funnel plot: {title}. {len(table)} groups by size, against the {centre.lower()} of "
            f"{target:.1%} and its {' and '.join(_level_text(v) for v in sorted(levels))} limits. "
            + (
                f"Outside the {_level_text(max(levels))} limits: {', '.join(outside)}."
                if outside
                else f"Every group lies within the {_level_text(max(levels))} limits."
            )
        ),
        table=funnel_in_words(
            table[[c for c in ("k", "n", "p") if c in table.columns]]
            .join(at_points.drop(columns="n").set_axis(table.index))
            .assign(flag=flags),
            levels=[max(levels)],
        ),
        synthetic=is_synthetic(table),
    )


def _plot_points(ax: Axes, table: pd.DataFrame, flags: np.ndarray, widest: str) -> list[Line2D]:
    """Plot the groups (hollow circles within, labelled triangles outside); return legend handles."""
    markers = {
        "within": ("o", "white", f"Within {widest} limits"),
        "above": ("^", "black", f"Above {widest} limits"),
        "below": ("v", "black", f"Below {widest} limits"),
    }
    handles = []
    for flag, (marker, face, label) in markers.items():
        chosen = table[flags == flag]
        if chosen.empty:
            continue
        ax.scatter(
            chosen["n"],
            chosen["p"],
            marker=marker,
            facecolors=face,
            edgecolors="black",
            s=40,
            zorder=3,
        )
        handles.append(
            Line2D(
                [],
                [],
                marker=marker,
                linestyle="",
                markerfacecolor=face,
                markeredgecolor="black",
                color="black",
                label=label,
            )
        )
        if flag != "within":
            # Alternate labels above and below so neighbouring outliers stay readable.
            for i, (name, row) in enumerate(chosen.sort_values("n").iterrows()):
                ax.annotate(
                    str(name),
                    (row["n"], row["p"]),
                    xytext=(6, 6 if i % 2 == 0 else -14),
                    textcoords="offset points",
                    fontsize="small",
                )
    return handles


def _binomial_limit(n: np.ndarray, target: float, probability: float) -> np.ndarray:
    """Spiegelhalter's interpolated binomial quantile, as a proportion of ``n``.

    ``r`` is the smallest count with P(R <= r) >= probability; the limit moves
    back from ``r`` by the fraction of the step P(R = r) that overshoots the
    probability, so the curves are smooth rather than stepped.
    """
    from scipy.stats import binom  # 3 s to import: only when a funnel is drawn

    r = binom.ppf(probability, n, target)
    at_r = binom.cdf(r, n, target)
    below_r = binom.cdf(r - 1, n, target)
    alpha = (at_r - probability) / (at_r - below_r)
    return np.clip((r - alpha) / n, 0.0, 1.0)


def _flags(p: pd.Series, lower: pd.Series, upper: pd.Series) -> np.ndarray:
    """``"above"``, ``"below"`` or ``"within"`` the limits, strictly outside to be flagged."""
    p, lower, upper = (np.asarray(x, dtype=float) for x in (p, lower, upper))
    return np.select([p > upper, p < lower], ["above", "below"], default="within")


def _check_counts(successes: object, total: object) -> tuple[int, int]:
    """Both counts as whole numbers with 0 <= successes <= total and total > 0."""
    k = _as_count(successes, "count (the first number)")
    n = _as_count(total, "total (the second number)")
    if n <= 0:
        raise DataError(
            f"The total is {n}, but it must be at least 1: a proportion needs something to be "
            "out of. Check that the second number is the total (the denominator)."
        )
    if k < 0:
        raise DataError(f"The count is {k}, but a count cannot be negative.")
    if k > n:
        raise DataError(
            f"The count ({k}) is larger than the total ({n}). Give the number with the outcome "
            "first and the total second, e.g. proportion(redirected, all_referrals)."
        )
    return k, n


def _as_count(value: object, name: str) -> int:
    """``value`` as an int if it is a whole number (an int, or a float like 12.0)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DataError(f"The {name} must be a whole number, but it is {value!r}.") from None
    if not number.is_integer():
        raise DataError(
            f"The {name} must be a whole number (a count of people or referrals), "
            f"but it is {value!r}. Did you pass a proportion instead of a count?"
        )
    return int(number)


def _check_confidence(confidence: float) -> None:
    """A confidence level is a fraction strictly between 0 and 1 (0.95, not 95)."""
    if not 0 < confidence < 1:
        raise DataError(
            f"The confidence level is {confidence!r}; give it as a fraction between 0 and 1, "
            "e.g. 0.95 for a 95% interval."
        )


def _check_target(target: float) -> None:
    """A funnel target is a proportion strictly between 0 and 1."""
    if not 0 < target < 1:
        raise DataError(
            f"The target is {target!r}; give it as a proportion strictly between 0 and 1 "
            "(e.g. 0.35 for 35%). With a target of 0 or 1 there is no variation to plot."
        )


def _check_denominators(denominators: Iterable[int]) -> np.ndarray:
    """The denominators as a 1-D float array of whole numbers of at least 1."""
    n = np.asarray(list(denominators), dtype=float)
    if n.ndim != 1 or n.size == 0:
        raise DataError("Give the funnel limits a list of group sizes (whole numbers, at least 1).")
    bad = ~np.isfinite(n) | (n < 1) | (n != np.round(n))
    if bad.any():
        raise DataError(
            f"Every group size must be a whole number of at least 1; {_rows_text(bad)} "
            "are not. Drop empty groups before making funnel limits."
        )
    return n


def _as_binary(values: pd.Series, column: str) -> pd.Series:
    """An outcome column as 0/1 integers; True/False or 1/0 only, no blanks."""
    valid = values.isin([0, 1]).to_numpy() & values.notna().to_numpy()
    if not valid.all():
        examples = ", ".join(repr(v) for v in values[~valid].unique()[:3])
        raise DataError(
            f"The column '{column}' must hold True/False (or 1/0) only, but {_rows_text(~valid)} "
            f"hold other values ({examples}). Make a True/False column first, e.g. "
            f"table['{column}'] == 'yes'."
        )
    return values.astype(int)


def _rows_text(mask: np.ndarray) -> str:
    """Plain words for the positions flagged in ``mask``, numbered from 1, at most five listed."""
    rows = [str(i + 1) for i in np.flatnonzero(mask)]
    listed = ", ".join(rows[:5]) + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")
    return f"row{'s' if len(rows) > 1 else ''} {listed} (counting from 1)"


def _level_label(level: float) -> str:
    """A level as a column-name fragment: 0.95 -> ``"95"``, 0.998 -> ``"99_8"``."""
    return f"{level * 100:g}".replace(".", "_")


def _level_text(level: float) -> str:
    """A level for people to read: 0.95 -> ``"95%"``, 0.998 -> ``"99.8%"``."""
    return f"{level * 100:g}%"


def _p_text(p_value: float) -> str:
    """A p-value as reported in clinical papers: ``p < 0.001`` or ``p = 0.042``."""
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3f}"


def _clip(value: float) -> float:
    """A limit kept inside [0, 1]."""
    return float(min(1.0, max(0.0, value)))
