"""Audit a practice asthma register for children against NICE quality standard QS25.

A borough's register has one row per child aged 5-16 (see ``data/README.md``).
This module turns it into the audit a trainee presents: each quality statement
as a count out of its own denominator, per practice (for funnel plots) and for
the whole borough beside the national figures, plus the risk flags the
National Review of Asthma Deaths (RCP 2014) named, so that the children most
at risk can be recalled first.

Every measure covers the 12 months up to ``audit_end`` (31 March 2026 for the
course data). "Within 2 working days" counts working days after the attack,
skipping weekends and bank holidays in England.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from changekit.charts import PALE, finish, new_figure, percent
from changekit.data import Column, Schema, read_table, require_columns
from changekit.errors import DataError
from changekit.paths import data_dir
from changekit.stats import proportion
from changekit.synthetic import carry, is_synthetic
from changekit.tables import require_unique, rows_where

#: The last day of the audit year in the course data (the end of the 2025/26 financial year).
AUDIT_END = date(2026, 3, 31)

#: Bank holidays in England, 2024 to 2026 (gov.uk/bank-holidays): not working days.
ENGLAND_BANK_HOLIDAYS: tuple[date, ...] = (
    date(2024, 1, 1),
    date(2024, 3, 29),
    date(2024, 4, 1),
    date(2024, 5, 6),
    date(2024, 5, 27),
    date(2024, 8, 26),
    date(2024, 12, 25),
    date(2024, 12, 26),
    date(2025, 1, 1),
    date(2025, 4, 18),
    date(2025, 4, 21),
    date(2025, 5, 5),
    date(2025, 5, 26),
    date(2025, 8, 25),
    date(2025, 12, 25),
    date(2025, 12, 26),
    date(2026, 1, 1),
    date(2026, 4, 3),
    date(2026, 4, 6),
    date(2026, 5, 4),
    date(2026, 5, 25),
    date(2026, 8, 31),
    date(2026, 12, 25),
    date(2026, 12, 28),
)

#: NRAD (RCP 2014): of the 195 asthma deaths its panels reviewed in detail, 39% had been
#: prescribed more than 12 reliever inhalers in the year. A register counts prescription
#: items, and one item can be for more than one inhaler, so "more than 12 items" is a
#: cautious stand-in for NRAD's "more than 12 inhalers".
SABA_THRESHOLD = 12

#: NICE quality standard QS25 (Asthma, 2013, updated 2018), its statements as published.
QS25_URL = "https://www.nice.org.uk/guidance/qs25/chapter/Quality-statements"
QS25_STATEMENTS: dict[int, str] = {
    1: "People aged 5 years and over with suspected asthma have objective tests to support diagnosis.",
    2: "People aged 5 years and over with asthma discuss and agree a documented personalised "
    "action plan.",
    3: "People with asthma have their asthma control monitored at every asthma review.",
    4: "People who receive treatment in an emergency care setting for an asthma attack are "
    "followed up by their general practice within 2 working days of discharge.",
    5: "People with suspected severe asthma are referred to a specialist multidisciplinary "
    "severe asthma service.",
}
#: Two statements of the 2013 standard that NICE says may still be useful locally.
QS25_RETIRED_STATEMENTS: dict[str, str] = {
    "annual_review": "People with asthma receive a structured review at least annually.",
    "inhaler_technique": "People with asthma are given specific training and assessment in "
    "inhaler technique before starting any new inhaler treatment.",
}


@dataclass(frozen=True)
class Measure:
    """One audit measure: what it counts, out of whom, and the national comparator if any.

    ``standard`` names the QS25 statement (its text is in ``QS25_STATEMENTS``) or
    the retired 2013 statement (``QS25_RETIRED_STATEMENTS``) the measure audits.
    """

    key: str
    label: str
    standard: str
    denominator: str
    national: float | None = None
    national_source: str | None = None


_ASTHMA_UK = (
    "Asthma UK annual asthma survey 2017 (self-selected, all ages; the charity "
    "is now Asthma + Lung UK)"
)

#: The measures in the order the audit reports them.
MEASURES: tuple[Measure, ...] = (
    Measure(
        "objective_test",
        "Objective test at diagnosis",
        "QS25 statement 1",
        "children diagnosed at age 5 or over",
    ),
    Measure(
        "action_plan",
        "Documented personalised action plan",
        "QS25 statement 2",
        "all children on the register",
        0.44,
        _ASTHMA_UK,
    ),
    Measure(
        "control_assessed",
        "Control assessed at review",
        "QS25 statement 3",
        "children reviewed in the audit year",
    ),
    Measure(
        "followup_2wd",
        "Follow-up within 2 working days of emergency care",
        "QS25 statement 4",
        "children treated in hospital or out of hours for an attack",
    ),
    Measure(
        "annual_review",
        "Asthma review in the last 12 months",
        "retired QS25 statement, still audited",
        "all children on the register",
        0.77,
        _ASTHMA_UK,
    ),
    Measure(
        "inhaler_technique",
        "Inhaler technique checked in the last 12 months",
        "retired QS25 statement, still audited",
        "all children on the register",
        0.76,
        _ASTHMA_UK,
    ),
)
MEASURE_KEYS: tuple[str, ...] = tuple(m.key for m in MEASURES)

#: How a yes/no cell may be written (pandas and Excel write True/FALSE; clinical systems yes/no).
YES_NO = {"True": True, "False": False, "TRUE": True, "FALSE": False, "yes": True, "no": False}
_YES_NO_COLUMNS = ("objective_test", "action_plan", "control_assessed", "inhaler_technique_checked")

REGISTER_SCHEMA = Schema(
    "asthma register",
    (
        Column("child_id"),
        Column("practice_code"),
        Column("age_years", "int", minimum=5, maximum=16),
        Column("age_at_diagnosis", "int", minimum=0, maximum=16),
        Column("objective_test", allowed=tuple(YES_NO)),
        Column("action_plan", allowed=tuple(YES_NO)),
        Column("last_review_date", "date", required=False),
        Column("control_assessed", allowed=tuple(YES_NO)),
        Column("inhaler_technique_checked", allowed=tuple(YES_NO)),
        Column("emergency_care_date", "date", required=False),
        Column("followup_date", "date", required=False),
        Column("saba_items_12m", "int", minimum=0, maximum=100),
        Column("ics_items_12m", "int", minimum=0, maximum=100),
    ),
)

MONTHLY_SCHEMA = Schema(
    "monthly asthma reviews",
    (
        Column("month", "date"),
        Column("reviews", "int", minimum=0),
        Column("action_plan", "int", minimum=0),
        Column("control_assessed", "int", minimum=0),
    ),
)


def read_asthma_register(path: str | Path | None = None) -> pd.DataFrame:
    """The asthma register (default ``data/asthma_register.csv``), checked and typed.

    A trainee's own extract goes through the same checks as the course data:
    column names, types and ranges, and the refusal of patient-identifiable
    data (``read_table``); then one row per child (no repeated ``child_id``)
    and no diagnosis at an age older than the child is now. Yes/no columns
    become True/False.
    """
    path = Path(path) if path is not None else data_dir() / "asthma_register.csv"
    register = read_table(path, REGISTER_SCHEMA)
    require_unique(
        register,
        "child_id",
        path,
        problem="repeat the same child",
        why="The register needs one row per child.",
        fix="remove the duplicate rows from the extract",
    )
    late = register["age_at_diagnosis"] > register["age_years"]
    if late.any():
        raise DataError(
            f"{path.name}: column 'age_at_diagnosis' is older than 'age_years' in "
            f"{rows_where(late)}. A child cannot be diagnosed older than they are now; "
            "check those ages in the extract."
        )
    for column in _YES_NO_COLUMNS:
        register[column] = register[column].map(YES_NO).astype(bool)
    return register


def read_asthma_monthly(path: str | Path | None = None) -> pd.DataFrame:
    """Monthly asthma reviews (default ``data/asthma_reviews_monthly.csv``), checked and typed.

    ``month`` is the first day of each month. The reviews that gave an action
    plan, or assessed control, cannot outnumber that month's reviews.
    """
    path = Path(path) if path is not None else data_dir() / "asthma_reviews_monthly.csv"
    monthly = read_table(path, MONTHLY_SCHEMA)
    for column in ("action_plan", "control_assessed"):
        over = monthly[column] > monthly["reviews"]
        if over.any():
            raise DataError(
                f"{path.name}: column '{column}' is larger than 'reviews' in {rows_where(over)}. "
                "Each month counts the reviews first, then how many of them did this."
            )
    return monthly


def audit_start(audit_end: date = AUDIT_END) -> date:
    """The first day of the 12 months that end on ``audit_end`` (1 April 2025 for 31 March 2026)."""
    return (pd.Timestamp(audit_end) - pd.DateOffset(years=1) + pd.Timedelta(days=1)).date()


def working_days_after(
    start: pd.Series, end: pd.Series, holidays: tuple[date, ...] = ENGLAND_BANK_HOLIDAYS
) -> pd.Series:
    """Working days after ``start`` up to and including ``end`` (weekends, bank holidays skipped).

    An attack on a Friday followed up on the Tuesday is 2 working days (Monday,
    Tuesday). Missing dates, or an end before the start, give a missing value.
    """
    start, end = pd.to_datetime(start), pd.to_datetime(end)
    known = (start.notna() & end.notna() & (end >= start)).to_numpy()
    result = pd.Series(pd.NA, index=start.index, dtype="Int64")
    if known.any():
        begin = (start[known] + pd.Timedelta(days=1)).to_numpy("datetime64[D]")
        stop = (end[known] + pd.Timedelta(days=1)).to_numpy("datetime64[D]")
        result[known] = np.busday_count(begin, stop, holidays=list(holidays))
    return result


def qs25_indicators(
    register: pd.DataFrame,
    *,
    audit_end: date = AUDIT_END,
    holidays: tuple[date, ...] = ENGLAND_BANK_HOLIDAYS,
) -> pd.DataFrame:
    """One row per child: True/False for each measure, or missing if the child is not counted.

    A child is counted for a measure only if they are in its denominator (see
    ``MEASURES``): control at review only for children reviewed in the audit
    year, follow-up only for children with emergency care whose 2 working days
    had passed by ``audit_end``, objective testing only for children diagnosed
    at age 5 or over.
    """
    _require(register, [c.name for c in REGISTER_SCHEMA.columns])
    start, end = pd.Timestamp(audit_start(audit_end)), pd.Timestamp(audit_end)
    reviewed = _within(register["last_review_date"], start, end)
    emergency = pd.to_datetime(register["emergency_care_date"])
    closed = working_days_after(emergency, pd.Series(end, index=register.index), holidays) >= 2
    had_emergency = _within(emergency, start, end) & closed.fillna(False).astype(bool)
    followed = working_days_after(emergency, register["followup_date"], holidays) <= 2
    indicators = {
        "objective_test": _counted(register["objective_test"], register["age_at_diagnosis"] >= 5),
        "action_plan": _counted(register["action_plan"], None),
        "control_assessed": _counted(register["control_assessed"], reviewed),
        "followup_2wd": _counted(followed.fillna(False).astype(bool), had_emergency),
        "annual_review": _counted(reviewed, None),
        "inhaler_technique": _counted(register["inhaler_technique_checked"], None),
    }
    table = pd.concat([register[["child_id", "practice_code"]], pd.DataFrame(indicators)], axis=1)
    return carry(table, register)


def measure_cases(indicators: pd.DataFrame, measure: str) -> pd.DataFrame:
    """The children counted for one measure: ``practice_code`` and the measure as True/False.

    This is the frame ``funnel_table(cases, "practice_code", measure)`` needs.
    """
    _check_measure(measure)
    _require(indicators, ["practice_code", measure])
    counted = indicators[measure].notna()
    cases = indicators.loc[counted, ["practice_code", measure]].copy()
    cases[measure] = cases[measure].astype(bool)
    return cases.reset_index(drop=True)


def practice_measures(indicators: pd.DataFrame) -> pd.DataFrame:
    """Every measure for every practice, long format: practice_code, measure, k, n, p."""
    rows = []
    for key in MEASURE_KEYS:
        counts = measure_cases(indicators, key).groupby("practice_code")[key].agg(["sum", "count"])
        rows.append(
            pd.DataFrame(
                {
                    "practice_code": counts.index,
                    "measure": key,
                    "k": counts["sum"].astype(int).to_numpy(),
                    "n": counts["count"].astype(int).to_numpy(),
                }
            )
        )
    table = pd.concat(rows, ignore_index=True)
    table["p"] = table["k"] / table["n"]
    return table


def qs25_summary(indicators: pd.DataFrame) -> pd.DataFrame:
    """The borough's result for each measure beside the national figure and the gaps.

    Indexed by measure key, in ``MEASURES`` order: label, standard, k, n, p,
    low and high (95% Wilson interval), national, national_source,
    ``gap_to_standard`` (1 - p: every eligible child should have it) and
    ``gap_to_national`` (national - p, percentage points as a fraction;
    missing where there is no national figure).
    """
    rows = []
    for measure in MEASURES:
        cases = measure_cases(indicators, measure.key)
        result = proportion(int(cases[measure.key].sum()), len(cases))
        national = np.nan if measure.national is None else measure.national
        rows.append(
            {
                "measure": measure.key,
                "label": measure.label,
                "standard": measure.standard,
                "k": result.successes,
                "n": result.total,
                "p": result.p,
                "low": result.low,
                "high": result.high,
                "national": national,
                "national_source": measure.national_source or "",
                "gap_to_standard": 1 - result.p,
                "gap_to_national": national - result.p,
            }
        )
    return carry(pd.DataFrame(rows).set_index("measure"), indicators)


def nrad_flags(
    register: pd.DataFrame, *, audit_end: date = AUDIT_END, saba_threshold: int = SABA_THRESHOLD
) -> pd.DataFrame:
    """The risk factors the National Review of Asthma Deaths (RCP 2014) named, per child.

    Columns: child_id, practice_code, saba_items_12m, ics_items_12m,
    ``excess_reliever`` (more than ``saba_threshold`` reliever prescription
    items in 12 months: NRAD counted inhalers, see ``SABA_THRESHOLD``),
    ``no_review`` (no asthma review in the audit year), ``no_action_plan`` and ``recall_first``
    (excess reliever use together with
    no review or no action plan: the children to call in first).
    """
    _require(
        register,
        [
            "child_id",
            "practice_code",
            "saba_items_12m",
            "ics_items_12m",
            "last_review_date",
            "action_plan",
        ],
    )
    start, end = pd.Timestamp(audit_start(audit_end)), pd.Timestamp(audit_end)
    flags = register[["child_id", "practice_code", "saba_items_12m", "ics_items_12m"]].copy()
    flags["excess_reliever"] = register["saba_items_12m"] > saba_threshold
    flags["no_review"] = ~_within(register["last_review_date"], start, end)
    flags["no_action_plan"] = ~register["action_plan"].astype(bool)
    flags["recall_first"] = flags["excess_reliever"] & (
        flags["no_review"] | flags["no_action_plan"]
    )
    return flags


def plot_against_national(summary: pd.DataFrame, *, title: str) -> Figure:
    """Each measure as a bar with its 95% interval, the national figure as a diamond beside it.

    Pale bars outlined in black and black diamonds, so the chart reads in
    greyscale; measures without a national figure simply have no diamond. The
    figure carries its text alternative and, for the sample data, the
    synthetic caption.
    """
    _require(summary, ["label", "p", "low", "high", "national"])
    fig, ax = new_figure(10, 0.7 * len(summary) + 2)
    y = np.arange(len(summary))[::-1]
    errors = np.vstack([summary["p"] - summary["low"], summary["high"] - summary["p"]])
    ax.barh(y, summary["p"], color=PALE, edgecolor="black", label="This borough (95% CI)")
    ax.errorbar(summary["p"], y, xerr=errors, fmt="none", ecolor="black", capsize=3)
    national = summary["national"].notna().to_numpy()
    ax.scatter(
        summary["national"][national],
        y[national],
        marker="D",
        color="black",
        zorder=3,
        label="National (Asthma UK 2017)",
    )
    ax.set_yticks(y, summary["label"])
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set(xlim=(0, 1), title=title, xlabel="Children who had it (of those eligible)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
    table = pd.DataFrame(
        {
            "measure": summary["label"],
            "this borough": [percent(p, 0) for p in summary["p"]],
            "95% interval": [
                f"{percent(lo, 0)} to {percent(hi, 0)}"
                for lo, hi in zip(summary["low"], summary["high"], strict=True)
            ],
            "national": [percent(v, 0) for v in summary["national"]],
        }
    ).set_index("measure")
    return finish(
        fig,
        alt_text=(
            f"Bar chart: {title}. For each of {len(summary)} measures, the share of eligible "
            "children who had it, with its 95% interval, beside the national figure where there is one."
        ),
        table=table,
        synthetic=is_synthetic(summary),
    )


def _within(dates: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    """True where the date falls from ``start`` to ``end`` inclusive; missing dates are False."""
    values = pd.to_datetime(dates)
    return ((values >= start) & (values <= end)).fillna(False).astype(bool)


def _counted(values: pd.Series, eligible: pd.Series | None) -> pd.Series:
    """``values`` as a True/False column, missing where the child is not ``eligible``."""
    result = values.astype(bool).astype("boolean")
    if eligible is not None:
        result = result.where(eligible.astype(bool).to_numpy(), pd.NA)
    return result


def _check_measure(measure: str) -> None:
    """``measure`` is one of the audit's measure keys."""
    if measure not in MEASURE_KEYS:
        raise DataError(
            f"There is no measure called {measure!r}. Use one of: {', '.join(MEASURE_KEYS)}."
        )


def _require(frame: pd.DataFrame, columns: list[str]) -> None:
    """The shared column check, with this module's advice."""
    require_columns(
        frame,
        columns,
        "the table",
        "Read the register with read_asthma_register() and pass that table "
        "(or the output of qs25_indicators) unchanged.",
    )
