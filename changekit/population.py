"""The whole-population approach: segments, rates per 1,000, cost concentration and gaps.

A borough's children are placed in the six Connecting Care for Children
(CC4C, North West London) segments. This module turns one row per child into
the tables a trainee needs to describe the local landscape:

- ``segment_summary``: how many children are in each segment and what share
  of the cost they carry;
- ``rate_table``: service use per 1,000 children a year (a single rate with
  its exact Poisson interval is ``changekit.stats.rate_per_1000``);
- ``service_users``: who uses which service (share with at least one contact);
- ``share_of_cost``, ``children_for_share``, ``cost_curve`` and
  ``plot_pareto``: how concentrated the cost is (the Pareto of cost);
- ``variation_by_group``: rates by practice, deprivation quintile or any
  other group, as rate ratios against a reference group;
- ``map_gaps`` and ``gap_summary``: each segment's needs set against the
  services that meet them, to find the gaps.

Each child is registered for a whole year, so children equal child-years and
a rate "per 1,000 children" is a rate per 1,000 child-years.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from changekit.charts import GREY, finish, new_figure, percent
from changekit.data import Column, Schema, read_table, require_columns
from changekit.errors import DataError
from changekit.paths import data_dir
from changekit.stats import rate_per_1000
from changekit.synthetic import is_synthetic

SEGMENTS: dict[str, str] = {
    "healthy": "Healthy child",
    "vulnerable": "Vulnerable child with social needs",
    "single_ltc": "Single long-term condition",
    "complex": "Complex health needs",
    "acute_mild": "Acutely mildly-moderately unwell",
    "acute_severe": "Acutely severely unwell",
}
"""The six CC4C segments (key in the data -> name), in the order CC4C lists them."""

AGE_BANDS: tuple[str, ...] = ("under 1", "1-4", "5-10", "11-15")
"""Age bands in the population data, youngest first."""

SERVICES: dict[str, str] = {
    "gp_contacts": "GP consultations",
    "ed_attendances": "A&E attendances",
    "emergency_admissions": "Emergency admissions",
    "outpatient_attendances": "Outpatient attendances",
    "community_contacts": "Community contacts",
}
"""Service-use columns (counts over the year) -> what they count."""

YES_NO: tuple[str, ...] = ("yes", "no")

POPULATION = Schema(
    "population",
    (
        Column("practice_code"),
        Column("pcn"),
        Column("age_band", allowed=AGE_BANDS),
        Column("imd_quintile", "int", minimum=1, maximum=5),
        Column("segment", allowed=tuple(SEGMENTS)),
        Column("ltc_count", "int", minimum=0),
        Column("asthma", allowed=YES_NO),
        *(Column(name, "int", minimum=0) for name in SERVICES),
        Column("cost_gbp", "number", minimum=0),
    ),
)
SEGMENT_NEEDS = Schema(
    "segment_needs", (Column("segment", allowed=tuple(SEGMENTS)), Column("need"))
)
SERVICE_MAP = Schema(
    "service_map", (Column("service"), Column("provider"), Column("hours"), Column("need"))
)


# ---------------------------------------------------------------- reading


def read_population(path: str | Path | None = None) -> pd.DataFrame:
    """One row per child (default: ``data/population.csv``), checked against ``POPULATION``.

    A trainee's own extract gets the same checks: named columns, whole numbers
    of contacts, segments and age bands spelt as in ``SEGMENTS`` and
    ``AGE_BANDS``, and no patient-identifiable data.
    """
    return read_table(data_dir() / "population.csv" if path is None else path, POPULATION)


def read_segment_needs(path: str | Path | None = None) -> pd.DataFrame:
    """What each segment needs, one row per need (default: ``data/segment_needs.csv``)."""
    return read_table(data_dir() / "segment_needs.csv" if path is None else path, SEGMENT_NEEDS)


def read_service_map(path: str | Path | None = None) -> pd.DataFrame:
    """Which service meets which need, one row per pair (default: ``data/service_map.csv``)."""
    return read_table(data_dir() / "service_map.csv" if path is None else path, SERVICE_MAP)


# ---------------------------------------------------------------- segments and rates


def segment_summary(population: pd.DataFrame) -> pd.DataFrame:
    """Children, share, long-term conditions and cost per segment, in CC4C order.

    One row per segment present, indexed by segment key, with columns
    ``name``, ``children``, ``share`` (of all children), ``with_ltc`` (share
    of the segment with at least one long-term condition), ``cost_gbp``
    (total), ``cost_share`` (of the whole borough's cost) and
    ``cost_per_child``.
    """
    require_columns(population, ("segment", "ltc_count", "cost_gbp"), "the population table")
    grouped = population.groupby("segment", sort=False)
    table = pd.DataFrame(
        {
            "children": grouped.size(),
            "with_ltc": grouped["ltc_count"].apply(lambda counts: float((counts > 0).mean())),
            "cost_gbp": grouped["cost_gbp"].sum(),
        }
    )
    table = table.reindex(
        [s for s in SEGMENTS if s in table.index] + [s for s in table.index if s not in SEGMENTS]
    )
    table.insert(0, "name", [SEGMENTS.get(s, s) for s in table.index])
    table.insert(2, "share", table["children"] / table["children"].sum())
    table["cost_share"] = table["cost_gbp"] / table["cost_gbp"].sum()
    table["cost_per_child"] = table["cost_gbp"] / table["children"]
    table.index.name = "segment"
    return table


def rate_table(
    population: pd.DataFrame, *, by: str | None = None, services: Sequence[str] = tuple(SERVICES)
) -> pd.DataFrame:
    """Use of each service per 1,000 children a year, overall or for each group of ``by``.

    One row per group (or one row ``"all children"``), with ``children`` and one
    column per service holding the rate per 1,000. Age bands come youngest first
    and segments in CC4C order.
    """
    require_columns(population, [*services, *([by] if by else [])], "the population table")
    groups = (
        population.groupby(by, sort=True)
        if by
        else population.groupby(pd.Series("all children", index=population.index, name="group"))
    )
    table = groups[list(services)].sum().div(groups.size(), axis=0) * 1000
    table.insert(0, "children", groups.size())
    return _in_natural_order(table)


def service_users(
    population: pd.DataFrame, *, by: str = "segment", services: Sequence[str] = tuple(SERVICES)
) -> pd.DataFrame:
    """Who uses which service: the share of children in each group with at least one contact."""
    require_columns(population, [by, *services], "the population table")
    used = population[list(services)].gt(0)
    table = used.groupby(population[by], sort=True).mean()
    table.insert(0, "children", population.groupby(by, sort=True).size())
    return _in_natural_order(table)


def _in_natural_order(table: pd.DataFrame) -> pd.DataFrame:
    """Segments in CC4C order and age bands youngest first; anything else as it is."""
    for order in (list(SEGMENTS), list(AGE_BANDS)):
        if set(table.index) <= set(order):
            return table.reindex([key for key in order if key in table.index])
    return table


# ---------------------------------------------------------------- cost concentration


def _costs(costs: Iterable[float]) -> np.ndarray:
    """Costs as a float array, costliest first; refuses blanks, negatives and an all-zero total."""
    values = np.asarray(pd.Series(costs, dtype="float64"), dtype=float)
    if values.size == 0 or np.isnan(values).any() or (values < 0).any() or values.sum() <= 0:
        raise DataError(
            "The costs must be one number per child, none missing or negative, with a total "
            "above zero. Pass the cost column, e.g. population['cost_gbp']."
        )
    return np.sort(values)[::-1]


def share_of_cost(costs: Iterable[float], top: float) -> float:
    """The share of the total cost carried by the costliest ``top`` fraction of children.

    ``top=0.05`` means the costliest 5% of children (rounded to a whole number
    of children, at least one).
    """
    if not 0 < top <= 1:
        raise DataError(f"top is {top!r}; give a fraction of children such as 0.05 for 5%.")
    ranked = _costs(costs)
    count = max(1, round(top * ranked.size))
    return float(ranked[:count].sum() / ranked.sum())


def children_for_share(costs: Iterable[float], share: float = 0.5) -> float:
    """The smallest fraction of children (costliest first) whose costs reach ``share`` of the total."""
    if not 0 < share <= 1:
        raise DataError(f"share is {share!r}; give a fraction of the cost such as 0.5 for half.")
    ranked = _costs(costs)
    cumulative = ranked.cumsum() / ranked.sum()
    count = int(np.searchsorted(cumulative, share - 1e-12)) + 1
    return count / ranked.size


def cost_curve(costs: Iterable[float]) -> pd.DataFrame:
    """The Pareto (concentration) curve: cumulative shares of children and of cost, costliest first."""
    ranked = _costs(costs)
    return pd.DataFrame(
        {
            "children_share": np.arange(1, ranked.size + 1) / ranked.size,
            "cost_share": ranked.cumsum() / ranked.sum(),
        }
    )


def plot_pareto(
    costs: Iterable[float], *, title: str, marks: Sequence[float] = (0.05, 0.2)
) -> Figure:
    """Draw the cost curve with the line of equality and the shares at ``marks`` labelled.

    The figure carries its text alternative (the shares of cost carried by
    the costliest 1%, 5%, 10%, 20% and 50% of children) and, for the sample
    data, the synthetic caption.
    """
    curve = cost_curve(costs)
    fig, ax = new_figure(8, 6)
    ax.plot(
        curve["children_share"],
        curve["cost_share"],
        color="black",
        linestyle="-",
        label="Children, costliest first",
    )
    ax.plot([0, 1], [0, 1], color=GREY, linestyle="--", label="If every child cost the same")
    for mark in marks:
        share = share_of_cost(costs, mark)
        ax.plot([mark], [share], marker="o", color="black", linestyle="")
        ax.annotate(
            f"{mark:.0%} of children: {share:.0%} of cost",
            (mark, share),
            xytext=(10, -14),
            textcoords="offset points",
        )
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set(
        title=title,
        xlabel="Share of children (costliest first)",
        ylabel="Share of the total cost",
        xlim=(0, 1),
        ylim=(0, 1.02),
    )
    ax.legend(loc="lower right")
    steps = sorted({0.01, 0.05, 0.1, 0.2, 0.5, *marks})
    table = pd.DataFrame(
        {
            "costliest children": [percent(step, 0) for step in steps],
            "share of the total cost": [percent(share_of_cost(costs, step), 0) for step in steps],
        }
    ).set_index("costliest children")
    return finish(
        fig,
        alt_text=(
            f"Pareto (cost concentration) curve: {title}. "
            + "; ".join(
                f"the costliest {m:.0%} of children carry {share_of_cost(costs, m):.0%} of the cost"
                for m in marks
            )
            + ". A straight diagonal would mean every child cost the same."
        ),
        table=table,
        synthetic=is_synthetic(costs),
    )


# ---------------------------------------------------------------- variation


def variation_by_group(
    population: pd.DataFrame,
    group: str,
    service: str,
    *,
    reference: object = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """A service's rate per 1,000 for each group, with its interval and a rate ratio.

    One row per group: ``children``, ``events``, ``rate``, ``low``, ``high``
    and ``rate_ratio`` (the group's rate divided by the ``reference`` group's;
    by default the group with the most children). With deprivation, use the
    least deprived quintile as the reference: ``reference=5``.
    """
    require_columns(population, (group, service), "the population table")
    grouped = population.groupby(group, sort=True)
    table = pd.DataFrame({"children": grouped.size(), "events": grouped[service].sum()})
    if reference is None:
        reference = table["children"].idxmax()
    if reference not in table.index:
        raise DataError(
            f"The reference group {reference!r} is not in the column '{group}'. "
            f"Its groups are: {', '.join(map(str, table.index))}."
        )
    rates = [
        rate_per_1000(int(e), int(c), confidence=confidence)
        for e, c in zip(table["events"], table["children"], strict=True)
    ]
    table["rate"] = [r.rate for r in rates]
    table["low"] = [r.low for r in rates]
    table["high"] = [r.high for r in rates]
    table["rate_ratio"] = table["rate"] / table.loc[reference, "rate"]
    return _in_natural_order(table)


# ---------------------------------------------------------------- gaps


def map_gaps(needs: pd.DataFrame, service_map: pd.DataFrame) -> pd.DataFrame:
    """Each segment's needs against the services that meet them.

    One row per segment and need (in the order of ``needs``) with ``services``
    (the names, joined by "; "), ``n_services`` and ``gap`` (True where no
    service meets the need). Needs are matched on their exact wording, ignoring
    capitals and spaces at either end.
    """
    require_columns(needs, ("segment", "need"), "the needs table")
    require_columns(service_map, ("service", "need"), "the service map")
    key = service_map["need"].str.strip().str.lower()
    providers = service_map.groupby(key)["service"].agg(lambda s: "; ".join(dict.fromkeys(s)))
    table = needs[["segment", "need"]].reset_index(drop=True)
    matched = table["need"].str.strip().str.lower().map(providers)
    table["services"] = matched.fillna("")
    table["n_services"] = matched.fillna("").map(lambda s: len(s.split("; ")) if s else 0)
    table["gap"] = table["n_services"] == 0
    return table


def gap_summary(gaps: pd.DataFrame, population: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per segment: needs, unmet needs and (with ``population``) the children affected.

    ``gaps`` is the table from ``map_gaps``. Rows in CC4C order with
    ``needs``, ``unmet``, ``unmet_needs`` (joined by "; ") and, if a population
    is given, ``children`` and ``cost_share`` so that gaps can be weighed by
    how many children, and how much cost, sit behind them.
    """
    require_columns(gaps, ("segment", "need", "gap"), "the gaps table")
    grouped = gaps.groupby("segment", sort=False)
    table = pd.DataFrame(
        {
            "needs": grouped.size(),
            "unmet": grouped["gap"].sum().astype(int),
            "unmet_needs": grouped.apply(
                lambda g: "; ".join(g.loc[g["gap"], "need"]), include_groups=False
            ),
        }
    )
    if population is not None:
        summary = segment_summary(population)
        table = table.join(summary[["children", "cost_share"]])
    return _in_natural_order(table)
