"""A synthetic download from OHID Fingertips, shaped exactly like the real export, for practice offline.

Same columns, in the same order, as a CSV exported from a Fingertips chart.
Every value is made up (and says so in ``Value note``): two synthetic boroughs,
their synthetic region and an England row, four child-health indicators over
three periods. Indicator ids 1 to 4 are the course's own, not Fingertips'.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 20261202
#: The export's columns, in the order Fingertips writes them.
COLUMNS = [
    "Indicator ID",
    "Indicator Name",
    "Parent Code",
    "Parent Name",
    "Area Code",
    "Area Name",
    "Area Type",
    "Sex",
    "Age",
    "Category Type",
    "Category",
    "Time period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Lower CI 99.8 limit",
    "Upper CI 99.8 limit",
    "Count",
    "Denominator",
    "Value note",
    "Recent Trend",
    "Compared to England value or percentiles",
    "Compared to percentiles",
    "Time period Sortable",
    "New data",
    "Compared to goal",
]
#: (id, name, age, per, England's synthetic rate, period label pattern)
INDICATORS = (
    (1, "A&E attendances (0 to 4 years)", "0-4 yrs", 1000, 650.0, "{y}/{z}"),
    (2, "Hospital admissions for asthma (under 19 years)", "<19 yrs", 100000, 150.0, "{y}/{z}"),
    (3, "Infant mortality rate", "<1 yr", 1000, 4.0, "{y} - {w}"),  # pooled over three years
    (4, "Children in relative low income families (under 16s)", "<16 yrs", 100, 20.0, "{y}/{z}"),
)
YEARS = (2021, 2022, 2023)
REGION = ("E12999999", "Synthetic region")
ENGLAND = ("E92000001", "England")
BOROUGHS = (
    ("E09999901", "Synthetic borough A", 1.25, 60000),
    ("E09999902", "Synthetic borough B", 0.85, 45000),
)
NOTE = "Synthetic value for practice: not real data"


def _row(
    indicator: tuple,
    year: int,
    area: tuple[str, str],
    area_type: str,
    parent: tuple[str, str],
    count: int,
    denominator: int,
    england_rate: float | None,
) -> dict:
    """One export row: value, both intervals (normal approximation) and the comparison with England."""
    ident, name, age, per, _, period = indicator
    rate = count / denominator * per
    spread = np.sqrt(max(count, 1)) / denominator * per
    compared = (
        ""
        if england_rate is None
        else (
            "Higher"
            if rate - 1.96 * spread > england_rate
            else "Lower"
            if rate + 1.96 * spread < england_rate
            else "Similar"
        )
    )
    return {
        "Indicator ID": ident,
        "Indicator Name": name,
        "Parent Code": parent[0],
        "Parent Name": parent[1],
        "Area Code": area[0],
        "Area Name": area[1],
        "Area Type": area_type,
        "Sex": "Persons",
        "Age": age,
        "Category Type": "",
        "Category": "",
        "Time period": period.format(y=year, z=str(year + 1)[2:], w=str(year + 2)[2:]),
        "Value": round(rate, 1),
        "Lower CI 95.0 limit": round(rate - 1.96 * spread, 1),
        "Upper CI 95.0 limit": round(rate + 1.96 * spread, 1),
        "Lower CI 99.8 limit": round(rate - 3.09 * spread, 1),
        "Upper CI 99.8 limit": round(rate + 3.09 * spread, 1),
        "Count": count,
        "Denominator": denominator,
        "Value note": NOTE,
        "Recent Trend": "",
        "Compared to England value or percentiles": compared,
        "Compared to percentiles": "Not compared",
        "Time period Sortable": year * 10000,
        "New data": "",
        "Compared to goal": "",
    }


def generate() -> dict[str, pd.DataFrame]:
    """``fingertips_sample.csv``: the synthetic export."""
    rng = np.random.default_rng(SEED)
    rows = []
    for indicator in INDICATORS:
        per, england_rate = indicator[3], indicator[4]
        for year in YEARS:
            boroughs = []
            for code, name, factor, children in BOROUGHS:
                expected = england_rate * factor * children / per
                boroughs.append(((code, name), int(rng.poisson(expected)), children))
            england_children = 10_000_000
            england_count = round(england_rate * england_children / per)
            rows.append(
                _row(
                    indicator,
                    year,
                    ENGLAND,
                    "England",
                    ("", ""),
                    england_count,
                    england_children,
                    None,
                )
            )
            region_count = sum(count for _, count, _ in boroughs) * 12
            region_children = sum(children for *_, children in boroughs) * 12
            rows.append(
                _row(
                    indicator,
                    year,
                    REGION,
                    "Region",
                    ENGLAND,
                    region_count,
                    region_children,
                    england_rate,
                )
            )
            for area, count, children in boroughs:
                rows.append(
                    _row(
                        indicator,
                        year,
                        area,
                        "Counties & UAs (from Apr 2023)",
                        REGION,
                        count,
                        children,
                        england_rate,
                    )
                )
    return {"fingertips_sample.csv": pd.DataFrame(rows, columns=COLUMNS)}
