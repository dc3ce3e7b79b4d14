"""An economic outline of a service change: activity avoided, savings, break-even, sensitivity.

Built for case study 3, a GP-practice baby clinic for feeding problems, but
the model is the one any "does it pay for itself?" question needs:

1. **Activity avoided**: contacts per 1,000 infants before the clinic give
   the number expected after it; expected minus observed is what the clinic
   avoided (``activity_table``, ``estimate_activity``).
2. **Savings and costs**: activity avoided priced at national unit costs is
   the gross saving; staff time priced the same way plus a one-off set-up
   cost is the clinic's cost; the difference is the net saving
   (``gross_saving``, ``clinic_cost``, ``net_saving``). The unit costs are
   costs of providing care (PSSRU; NHS England's National Cost Collection),
   not tariffs or prices, so a "saving" is cost avoided: under the NHS Payment
   Scheme (from April 2023) urgent and emergency care is paid mostly through
   the fixed element of aligned payment and incentive agreements, so most of
   it frees capacity and staff time rather than releasing cash.
3. **Break-even**: the month in which the cumulative net saving first reaches
   zero (``break_even_month``, ``plot_break_even``).
4. **Uncertainty**: change one input at a time and watch the net saving
   (``one_way_sensitivity``, ``plot_tornado``, ``cost_sliders``).
5. **Spread**: the same model in other practices (``spread_saving``).

Costs are a plain ``{item: cost in GBP}`` dict (``unit_costs``), so every
cost can be changed; the table they come from keeps each cost's source and
price year beside it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from changekit.charts import MID, PALE, finish, new_figure
from changekit.data import Column, Schema, read_table, require_columns
from changekit.errors import DataError
from changekit.paths import data_dir
from changekit.synthetic import ATTR, is_synthetic
from changekit.tables import require_unique, rows_where

#: Each kind of contact the clinic may avoid, and the unit cost that prices it.
ACTIVITY_ITEMS: dict[str, str] = {
    "gp_consultations": "gp_consultation",
    "health_visitor_contacts": "health_visitor_contact",
    "ae_attendances": "ae_attendance",
    "admissions": "admission",
    "outpatient_attendances": "outpatient_attendance",
}
#: The contacts that count as attendances (an admission follows an A&E attendance).
ATTENDANCES: tuple[str, ...] = tuple(a for a in ACTIVITY_ITEMS if a != "admissions")
#: Each kind of staff time the clinic uses: the unit cost that prices it and units per hour.
STAFF_ITEMS: dict[str, tuple[str, float]] = {
    "consultant_hours": ("consultant_hour", 1.0),
    "gp_hours": ("gp_consultation", 6.0),  # six 10-minute consultations an hour
    "nurse_hours": ("practice_nurse", 6.0),  # six 10-minute units an hour
}
SETUP_ITEM = "clinic_setup"
#: Every unit cost the model needs.
COST_ITEMS: tuple[str, ...] = tuple(
    dict.fromkeys(
        [*ACTIVITY_ITEMS.values(), *(item for item, _ in STAFF_ITEMS.values()), SETUP_ITEM]
    )
)

#: Plain-English names for charts and messages.
LABELS: dict[str, str] = {
    "gp_consultation": "GP consultation (10 min)",
    "practice_nurse": "Practice nurse (10 min)",
    "health_visitor_contact": "Health visitor contact",
    "ae_attendance": "A&E attendance",
    "admission": "Short-stay admission",
    "outpatient_attendance": "Outpatient first attendance",
    "consultant_hour": "Consultant (per hour)",
    "clinic_setup": "Clinic set-up (one-off)",
    "gp_consultations": "GP consultations avoided",
    "health_visitor_contacts": "Health visitor contacts avoided",
    "ae_attendances": "A&E attendances avoided",
    "admissions": "Admissions avoided",
    "outpatient_attendances": "Outpatient attendances avoided",
}

UNIT_COSTS_SCHEMA = Schema(
    "unit costs",
    (
        Column("item"),
        Column("cost_gbp", "number", minimum=0),
        Column("unit"),
        Column("source"),
        Column("price_year"),
    ),
)

BABY_CLINIC_SCHEMA = Schema(
    "baby clinic",
    (
        Column("month", "date"),
        Column("period", allowed=("before", "after")),
        Column("infants_0_6m", "int", minimum=1),
        *(Column(activity, "int", minimum=0) for activity in ACTIVITY_ITEMS),
        Column("clinic_sessions", "int", minimum=0),
        Column("babies_seen", "int", minimum=0),
        *(Column(staff, "number", minimum=0) for staff in STAFF_ITEMS),
    ),
)


@dataclass(frozen=True)
class ClinicActivity:
    """What the clinic changes in an average month once it runs.

    ``avoided_per_month``: contacts avoided per month, by activity column;
    ``staff_hours_per_month``: staff hours used per month, by staff column;
    ``infants``: average infants aged 0-6 months covered (for scaling to other
    practices); ``months_observed``: months of data after the launch;
    ``synthetic``: estimated from the course's made-up sample data.
    """

    avoided_per_month: Mapping[str, float]
    staff_hours_per_month: Mapping[str, float]
    infants: float
    months_observed: int
    synthetic: bool = False


# ---------------------------------------------------------------- reading


def read_unit_costs(path: str | Path | None = None) -> pd.DataFrame:
    """The unit-cost table (default ``data/unit_costs.csv``), checked.

    Columns item, cost_gbp, unit, source, price_year. Each item appears once,
    and each price year is a financial year written like ``2024/25``, so that
    every cost can be shown with its price year.
    """
    path = Path(path) if path is not None else data_dir() / "unit_costs.csv"
    table = read_table(path, UNIT_COSTS_SCHEMA)
    require_unique(
        table,
        "item",
        path,
        problem="name the same cost",
        fix="keep one row per item (change the cost there instead of adding a row)",
    )
    bad_year = ~table["price_year"].str.fullmatch(r"\d{4}/\d{2}")
    if bad_year.any():
        raise DataError(
            f"{path.name}: column 'price_year' is not a financial year in {rows_where(bad_year)}. "
            "Write it like 2024/25 (the year the cost was measured in)."
        )
    return table


def read_baby_clinic(path: str | Path | None = None) -> pd.DataFrame:
    """The baby clinic's monthly table (default ``data/baby_clinic.csv``), checked.

    Besides the column checks of ``read_table``: each month appears once, in
    order, with every "before" month ahead of every "after" month, and there
    is at least one month of each.
    """
    path = Path(path) if path is not None else data_dir() / "baby_clinic.csv"
    clinic = read_table(path, BABY_CLINIC_SCHEMA)
    if clinic.empty:
        raise DataError(
            f"{path.name} has no months (row 2 onwards is empty). Add one row per month."
        )
    out_of_order = clinic["month"].diff() <= pd.Timedelta(0)
    if out_of_order.any():
        raise DataError(
            f"{path.name}: column 'month' repeats or goes back in time in "
            f"{rows_where(out_of_order)}. Give one row per month, oldest first."
        )
    after = clinic["period"] == "after"
    if after.all() or not after.any():
        raise DataError(
            f"{path.name}: column 'period' must have both 'before' and 'after' months; "
            f"every row says '{clinic['period'].iloc[0]}'. A before/after outline needs both."
        )
    mixed = ~after & after.cummax()
    if mixed.any():
        raise DataError(
            f"{path.name}: column 'period' says 'before' after an 'after' month in "
            f"{rows_where(mixed)}. Every month before the launch comes first."
        )
    return clinic


def unit_costs(table: pd.DataFrame) -> dict[str, float]:
    """The unit-cost table as ``{item: cost in GBP}``: the dict every model function takes.

    Raises ``DataError`` naming any item the model needs that the table lacks.
    """
    costs = dict(zip(table["item"], table["cost_gbp"].astype(float), strict=True))
    _check_costs(costs)
    return costs


def cost_labels(table: pd.DataFrame) -> dict[str, str]:
    """Each item as a label with its cost, unit, source and price year, for display."""
    return {
        row.item: f"{LABELS.get(row.item, row.item)}: {format_gbp(row.cost_gbp)} {row.unit} "
        f"({row.price_year} prices; {row.source})"
        for row in table.itertuples()
    }


# ---------------------------------------------------------------- activity


def activity_table(clinic: pd.DataFrame) -> pd.DataFrame:
    """Contacts before and after the clinic, per 1,000 infants, and the contacts avoided.

    One row per activity. ``before_rate`` and ``after_rate`` are contacts per
    1,000 infants aged 0-6 months per month; ``expected_after`` is what the
    before rate predicts for the infants covered after the launch;
    ``observed_after`` is what happened; ``avoided`` is expected minus
    observed over the whole after period and ``avoided_per_month`` that
    divided by the months after the launch.
    """
    _require(clinic, ["period", "infants_0_6m", *ACTIVITY_ITEMS])
    before, after = clinic[clinic["period"] == "before"], clinic[clinic["period"] == "after"]
    if before.empty or after.empty:
        raise DataError("The clinic table needs months with period 'before' and 'after'.")
    rows = {}
    for activity in ACTIVITY_ITEMS:
        rate_before = before[activity].sum() / before["infants_0_6m"].sum()
        expected = rate_before * after["infants_0_6m"].sum()
        observed = float(after[activity].sum())
        rows[activity] = {
            "before_rate": 1000 * rate_before,
            "after_rate": 1000 * observed / after["infants_0_6m"].sum(),
            "expected_after": expected,
            "observed_after": observed,
            "avoided": expected - observed,
            "avoided_per_month": (expected - observed) / len(after),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("activity")


def estimate_activity(clinic: pd.DataFrame) -> ClinicActivity:
    """The clinic's average month after the launch: contacts avoided and staff hours used."""
    _require(clinic, [*STAFF_ITEMS])
    table = activity_table(clinic)
    after = clinic[clinic["period"] == "after"]
    return ClinicActivity(
        avoided_per_month=table["avoided_per_month"].astype(float).to_dict(),
        staff_hours_per_month={s: float(after[s].mean()) for s in STAFF_ITEMS},
        infants=float(after["infants_0_6m"].mean()),
        months_observed=len(after),
        synthetic=is_synthetic(clinic),
    )


# ---------------------------------------------------------------- the cost model


def monthly_gross_saving(activity: ClinicActivity, costs: Mapping[str, float]) -> float:
    """Contacts avoided in an average month, each priced at its unit cost (GBP)."""
    _check_costs(costs)
    return sum(activity.avoided_per_month[a] * costs[item] for a, item in ACTIVITY_ITEMS.items())


def monthly_running_cost(activity: ClinicActivity, costs: Mapping[str, float]) -> float:
    """The clinic's staff time in an average month, priced at unit costs (GBP)."""
    _check_costs(costs)
    return sum(
        activity.staff_hours_per_month[staff] * per_hour * costs[item]
        for staff, (item, per_hour) in STAFF_ITEMS.items()
    )


def gross_saving(
    activity: ClinicActivity, costs: Mapping[str, float], *, months: int = 12
) -> float:
    """The cost of the contacts avoided over ``months`` months (GBP)."""
    return _check_months(months) * monthly_gross_saving(activity, costs)


def clinic_cost(activity: ClinicActivity, costs: Mapping[str, float], *, months: int = 12) -> float:
    """What the clinic costs over ``months`` months: set-up once plus staff time (GBP)."""
    return setup_cost(costs) + _check_months(months) * monthly_running_cost(activity, costs)


def net_saving(activity: ClinicActivity, costs: Mapping[str, float], *, months: int = 12) -> float:
    """Gross saving minus the clinic's cost over ``months`` months (GBP; negative is a loss)."""
    return gross_saving(activity, costs, months=months) - clinic_cost(
        activity, costs, months=months
    )


def setup_cost(costs: Mapping[str, float]) -> float:
    """The one-off set-up cost (GBP)."""
    _check_costs(costs)
    return float(costs[SETUP_ITEM])


def cost_per_attendance_avoided(
    activity: ClinicActivity, costs: Mapping[str, float], *, months: int = 12
) -> float:
    """The clinic's cost over ``months`` months divided by the attendances it avoided (GBP).

    Attendances are GP, health visitor, A&E and outpatient contacts
    (admissions are counted in the saving, not here). Compare it with what
    one attendance costs to see whether the clinic is a cheaper way to meet
    the same need.
    """
    attendances = _check_months(months) * sum(activity.avoided_per_month[a] for a in ATTENDANCES)
    if attendances <= 0:
        raise DataError(
            "The clinic avoided no attendances (the after period had as many or more than "
            "expected), so there is no cost per attendance avoided. Check the before/after data."
        )
    return clinic_cost(activity, costs, months=months) / attendances


def break_even_month(
    activity: ClinicActivity, costs: Mapping[str, float], *, horizon: int = 1200
) -> int | None:
    """The first month after launch in which the cumulative net saving reaches zero or more.

    The set-up cost is paid in month 1; each month then adds the monthly gross
    saving minus the monthly running cost. Returns ``None`` when the clinic
    does not pay back its set-up cost within ``horizon`` months (100 years by
    default), e.g. because each month costs more than it saves. The answer
    always agrees with ``net_saving``: net saving is at least zero at the
    month returned and below zero the month before.
    """
    margin = monthly_gross_saving(activity, costs) - monthly_running_cost(activity, costs)
    setup = setup_cost(costs)
    if margin < 0 or (margin == 0 and setup > 0):
        return None
    if setup == 0:
        return 1
    if setup / margin > horizon:
        return None
    month = max(1, math.ceil(setup / margin))
    while net_saving(activity, costs, months=month) < 0:  # guards against rounding
        month += 1
    while month > 1 and net_saving(activity, costs, months=month - 1) >= 0:
        month -= 1
    return month if month <= horizon else None


def spread_saving(
    activity: ClinicActivity,
    costs: Mapping[str, float],
    *,
    sites: int,
    infants_per_site: float | None = None,
    effect: float = 1.0,
    months: int = 12,
) -> float:
    """Total net saving if ``sites`` more practices each ran the same clinic (GBP).

    Each new site pays its own set-up and the same staff time; the contacts
    it avoids scale with its infants (``infants_per_site``, by default as
    many as the first clinic) and with ``effect``, the share of the first
    clinic's effect it achieves (1.0 = all of it; spread rarely keeps all of
    it).
    """
    if isinstance(sites, bool) or not isinstance(sites, int | np.integer) or sites < 0:
        raise DataError(f"sites is {sites!r}; give the number of new practices as a whole number.")
    if effect < 0:
        raise DataError(
            f"effect is {effect!r}; give the share of the effect kept, e.g. 0.7 for 70%."
        )
    infants = activity.infants if infants_per_site is None else infants_per_site
    if infants <= 0:
        raise DataError(f"infants_per_site is {infants!r}; it must be more than 0.")
    site = _scaled(activity, effect * infants / activity.infants)
    return sites * net_saving(site, costs, months=months)


# ---------------------------------------------------------------- sensitivity


def one_way_sensitivity(
    activity: ClinicActivity,
    costs: Mapping[str, float],
    *,
    low: float = 0.5,
    high: float = 1.5,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    months: int = 12,
) -> pd.DataFrame:
    """Net saving with one input at a time set low and high, the others at their base values.

    Every unit cost goes from ``low`` to ``high`` times its base value unless
    ``ranges`` gives its own (low, high) values, e.g.
    ``{"ae_attendance": (127, 280)}``. ``ranges`` may also name a kind of
    contact avoided (e.g. ``{"admissions": (0.2, 0.8)}`` contacts per month),
    to test how sure the clinic's effect is. One row per input, the widest
    swing first: parameter, label, kind, base, low, high, net_at_low,
    net_at_high, swing (the difference) and base_net (the net saving with
    every input at its base value).
    """
    if not 0 <= low <= high:
        raise DataError(
            f"low ({low}) and high ({high}) must satisfy 0 <= low <= high, e.g. 0.5 and 1.5."
        )
    ranges = dict(ranges or {})
    unknown = sorted(set(ranges) - set(COST_ITEMS) - set(ACTIVITY_ITEMS))
    if unknown:
        raise DataError(
            f"ranges names {', '.join(map(repr, unknown))}, which the model does not use. "
            f"Use cost items ({', '.join(COST_ITEMS)}) or activities ({', '.join(ACTIVITY_ITEMS)})."
        )
    base_net = net_saving(activity, costs, months=months)
    rows = []
    for name in (*COST_ITEMS, *(a for a in ACTIVITY_ITEMS if a in ranges)):
        is_cost = name in COST_ITEMS
        base = float(costs[name] if is_cost else activity.avoided_per_month[name])
        at_low, at_high = ranges.get(name, (base * low, base * high))
        nets = [_net_with(activity, costs, name, value, months) for value in (at_low, at_high)]
        rows.append(
            {
                "parameter": name,
                "label": LABELS[name],
                "kind": "unit cost" if is_cost else "contacts avoided per month",
                "base": base,
                "low": float(at_low),
                "high": float(at_high),
                "net_at_low": nets[0],
                "net_at_high": nets[1],
                "swing": abs(nets[1] - nets[0]),
                "base_net": base_net,
            }
        )
    table = (
        pd.DataFrame(rows)
        .sort_values("swing", ascending=False, kind="stable")
        .reset_index(drop=True)
    )
    table.attrs[ATTR] = activity.synthetic
    return table


def plot_tornado(
    sensitivity: pd.DataFrame,
    *,
    title: str = "One-way sensitivity analysis: net saving",
    top: int | None = None,
    ax: Axes | None = None,
) -> Figure:
    """A tornado chart of ``one_way_sensitivity``: the widest swing at the top.

    Each input is a bar from the base net saving to its value at the low end
    (hatched) and at the high end (solid grey); a solid line marks the base
    case and a dotted line zero, where the clinic breaks even. Readable in
    greyscale; the figure carries its text alternative and, for the sample
    data, the synthetic caption.
    """
    _require(sensitivity, ["label", "low", "high", "net_at_low", "net_at_high", "base_net"])
    table = sensitivity.head(top) if top else sensitivity
    fig, ax = new_figure(10, 0.5 * len(table) + 2, ax=ax)
    base = float(table["base_net"].iloc[0])
    y = np.arange(len(table))[::-1]
    for column, style in (
        ("net_at_low", {"color": "white", "hatch": "///"}),
        ("net_at_high", {"color": PALE}),
    ):
        ax.barh(y, table[column] - base, left=base, edgecolor="black", **style)
    ax.axvline(base, color="black", linewidth=1.2)
    ax.axvline(0, color="black", linestyle=":", linewidth=1)
    ticks = [
        f"{row.label} ({_value_text(row, 'low')} to {_value_text(row, 'high')})"
        for row in table.itertuples()
    ]
    ax.set_yticks(y, ticks)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: format_gbp(value)))
    ax.set(
        title=title, xlabel=f"Net saving (base case {format_gbp(base)}; dotted line: break-even)"
    )
    ax.legend(
        handles=[
            Patch(facecolor="white", edgecolor="black", hatch="///", label="Input at low value"),
            Patch(facecolor=PALE, edgecolor="black", label="Input at high value"),
        ],
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        fontsize="small",
        frameon=False,
    )
    words = pd.DataFrame(
        {
            "input": table["label"],
            "low value": [_value_text(row, "low") for row in table.itertuples()],
            "high value": [_value_text(row, "high") for row in table.itertuples()],
            "net saving at low": table["net_at_low"].map(format_gbp),
            "net saving at high": table["net_at_high"].map(format_gbp),
        }
    ).set_index("input")
    widest = table.iloc[0]
    return finish(
        fig,
        alt_text=(
            f"Tornado chart: {title}. The base case net saving is {format_gbp(base)}; "
            f"{len(table)} inputs each set low and high. The widest swing is {widest['label']}: "
            f"{format_gbp(widest['net_at_low'])} to {format_gbp(widest['net_at_high'])}."
        ),
        table=words,
        synthetic=is_synthetic(sensitivity),
    )


def plot_break_even(
    activity: ClinicActivity,
    costs: Mapping[str, float],
    *,
    months: int = 24,
    title: str = "Cumulative net saving after the clinic opened",
    ax: Axes | None = None,
) -> Figure:
    """The cumulative net saving month by month, with zero and the break-even month marked.

    Month 1 carries the set-up cost, so the line starts below zero and climbs
    (or falls) by the monthly margin; circles and a dashed marker keep it
    readable in greyscale. The figure carries its text alternative and, for
    the sample data, the synthetic caption.
    """
    fig, ax = new_figure(10, 5, ax=ax)
    x = np.arange(1, _check_months(months) + 1)
    cumulative = [net_saving(activity, costs, months=int(m)) for m in x]
    ax.plot(x, cumulative, color="black", marker="o", markersize=4, label="Cumulative net saving")
    ax.axhline(0, color="black", linestyle=":", linewidth=1)
    month = break_even_month(activity, costs)
    if month is not None and month <= months:
        ax.axvline(month, color=MID, linestyle="--", label=f"Break-even: month {month}")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: format_gbp(value)))
    ax.set(title=title, xlabel="Months since the clinic opened", ylabel="Net saving so far")
    ax.legend(loc="upper left", fontsize="small")
    reached = (
        f"It breaks even in month {month}."
        if month is not None and month <= months
        else f"It does not break even within {months} months."
    )
    return finish(
        fig,
        alt_text=(
            f"Line chart: {title}, month 1 to {months}. It starts at {format_gbp(cumulative[0])} "
            f"(the set-up cost included) and reaches {format_gbp(cumulative[-1])}. {reached}"
        ),
        table=pd.DataFrame(
            {"month": x, "net saving so far": [format_gbp(v) for v in cumulative]}
        ).set_index("month"),
        synthetic=activity.synthetic,
    )


def outline_text(activity: ClinicActivity, costs: Mapping[str, float], *, months: int = 12) -> str:
    """The outline in one paragraph: gross saving, clinic cost, net saving and break-even."""
    month = break_even_month(activity, costs)
    pays_back = f"it breaks even in month {month}" if month else "it never breaks even"
    return (
        f"Over {months} months: gross saving {format_gbp(gross_saving(activity, costs, months=months))}; "
        f"clinic cost {format_gbp(clinic_cost(activity, costs, months=months))} "
        f"(set-up {format_gbp(setup_cost(costs))}); "
        f"net saving {format_gbp(net_saving(activity, costs, months=months))}; {pays_back}."
    )


def cost_sliders(
    activity: ClinicActivity, cost_table: pd.DataFrame, *, months: int = 12
) -> widgets.VBox:
    """One labelled slider per unit cost (0 to 3 times its value) and the outline, recomputed live.

    Each slider's label shows the item and its price year; moving any slider
    recomputes ``outline_text`` with every slider's current value.
    """
    costs = unit_costs(cost_table)
    years = dict(zip(cost_table["item"], cost_table["price_year"], strict=True))
    sliders = {
        item: widgets.FloatSlider(
            value=costs[item],
            min=0.0,
            max=3 * costs[item] or 100.0,
            step=max(costs[item] / 100, 0.5),
            description=f"{LABELS[item]}, £ ({years[item]})",
            readout_format=",.0f",
            continuous_update=False,
            style={"description_width": "280px"},
            layout=widgets.Layout(width="640px"),
        )
        for item in COST_ITEMS
    }
    result = widgets.HTML()

    def update(_change: object = None) -> None:
        current = {item: slider.value for item, slider in sliders.items()}
        result.value = f"<p><b>{outline_text(activity, current, months=months)}</b></p>"

    for slider in sliders.values():
        slider.observe(update, names="value")
    update()
    return widgets.VBox([*sliders.values(), result])


def format_gbp(value: float) -> str:
    """An amount in pounds to the nearest pound: ``£2,900`` or ``-£1,250``."""
    sign = "-" if round(value) < 0 else ""
    return f"{sign}£{abs(value):,.0f}"


# ---------------------------------------------------------------- helpers


def _net_with(
    activity: ClinicActivity, costs: Mapping[str, float], name: str, value: float, months: int
) -> float:
    """Net saving with one cost item, or one kind of contact avoided, set to ``value``."""
    if name in COST_ITEMS:
        return net_saving(activity, {**costs, name: value}, months=months)
    changed = replace(activity, avoided_per_month={**activity.avoided_per_month, name: value})
    return net_saving(changed, costs, months=months)


def _scaled(activity: ClinicActivity, factor: float) -> ClinicActivity:
    """The same clinic with every kind of contact avoided multiplied by ``factor``."""
    avoided = {a: v * factor for a, v in activity.avoided_per_month.items()}
    return replace(activity, avoided_per_month=avoided)


def _value_text(row: object, field: str) -> str:
    """A sensitivity input's low or high value for a chart label."""
    value = getattr(row, field)
    if row.kind != "unit cost":  # type: ignore[attr-defined]
        return f"{value:.1f}"
    return f"£{value:.2f}" if value < 100 and value % 1 else format_gbp(value)


def _check_costs(costs: Mapping[str, float]) -> None:
    """Every cost the model needs is present, a number, and not negative."""
    missing = [item for item in COST_ITEMS if item not in costs]
    if missing:
        raise DataError(
            f"The costs have no {', '.join(map(repr, missing))}. Make them with "
            "unit_costs(read_unit_costs(...)) and add a row to the unit-cost table for each."
        )
    bad = [
        item
        for item in COST_ITEMS
        if not isinstance(costs[item], int | float | np.number) or not costs[item] >= 0
    ]
    if bad:
        raise DataError(
            f"The cost of {', '.join(map(repr, bad))} is not a number of 0 or more. "
            "Give each cost in pounds, e.g. 127 for an A&E attendance."
        )


def _check_months(months: int) -> int:
    """A horizon is a whole number of months, at least 1."""
    if isinstance(months, bool) or not isinstance(months, int | np.integer) or months < 1:
        raise DataError(
            f"months is {months!r}; give a whole number of months, at least 1 (e.g. 12)."
        )
    return int(months)


def _require(frame: pd.DataFrame, columns: list[str]) -> None:
    """The shared column check, with this module's advice."""
    require_columns(
        frame,
        columns,
        "the table",
        "Pass the table read_baby_clinic() (or one_way_sensitivity()) returned, unchanged.",
    )
