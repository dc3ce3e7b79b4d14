"""Your own area's child-health indicators, from OHID Fingertips, beside your region and England.

Fingertips (fingertips.phe.org.uk, run by the Office for Health Improvement and
Disparities, which took over Public Health England's health improvement work in
October 2021) publishes indicators for every local authority: the Child and
Maternal Health profile holds A&E attendances of children under 5, emergency
admissions for asthma, infant mortality and children in low-income families,
among many others. Its download (a chart's "Export table as CSV file", or the
profile's "Download" page) has the same columns as its API, so one reader
serves both:

- ``read_fingertips(path)`` reads a downloaded CSV with the course's clear-error
  rules (and its identifier check: the export holds no personal data, so any
  hit means a wrong file);
- ``fetch_fingertips(indicator_ids, area_type_id)`` asks the Fingertips API
  through the ``fingertips_py`` package, where the hub can reach the internet
  and the package is installed (it is GPL-3 licensed, so the course does not
  ship it: an admin adds it with ``pip install fingertips_py``);
- ``area_in_context(table, area)`` picks each indicator's latest period for the
  area, its region and England, with the intervals and comparisons Fingertips
  publishes, and ``plot_area_in_context`` draws them.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from changekit.charts import finish, new_grid
from changekit.data import Column, Schema, read_table
from changekit.errors import DataError
from changekit.synthetic import carry, is_synthetic

#: The export's columns the course uses (a download has more; they are kept).
FINGERTIPS = Schema(
    "fingertips",
    (
        Column("Indicator ID", "int"),
        Column("Indicator Name"),
        Column("Parent Code", required=False),
        Column("Parent Name", required=False, place_name=True),
        Column("Area Code"),
        Column("Area Name", place_name=True),
        Column("Area Type"),
        Column("Sex"),
        Column("Age"),
        Column("Time period"),
        Column("Value", "number", required=False),
        Column("Lower CI 95.0 limit", "number", required=False),
        Column("Upper CI 95.0 limit", "number", required=False),
        Column("Count", "number", required=False),
        Column("Denominator", "number", required=False),
        Column("Compared to England value or percentiles", required=False),
    ),
)
ENGLAND = "England"
#: The columns of ``area_in_context``'s table, in order.
CONTEXT_COLUMNS = (
    "indicator",
    "period",
    "place",
    "name",
    "value",
    "lower_95",
    "upper_95",
    "count",
    "denominator",
    "compared_to_england",
)
SOURCE = "Source: OHID Fingertips"


def read_fingertips(path: str | Path) -> pd.DataFrame:
    """A CSV downloaded from Fingertips (any profile, any indicators), checked and typed."""
    table = read_table(path, FINGERTIPS)
    return _with_period_order(table)


def fetch_fingertips(indicator_ids: Iterable[int], area_type_id: int) -> pd.DataFrame:
    """The same table straight from the Fingertips API, where this hub can reach it.

    ``area_type_id`` is Fingertips' id for the kind of area (its API lists
    them; upper-tier local authorities have had several ids as boundaries
    changed, so check the current one on the profile's Download page).
    """
    try:
        api = importlib.import_module("fingertips_py")
    except ImportError:
        raise DataError(
            "The fingertips_py package is not installed on this hub, so Fingertips cannot be asked "
            "directly. To fix: download the CSV from the Fingertips website (a chart's 'Export table as "
            "CSV file') and read it with read_fingertips('<file name>.csv'), or ask your admin to run "
            "`pip install fingertips_py`."
        ) from None
    try:
        frame = api.get_data_by_indicator_ids(list(indicator_ids), area_type_id)
    except OSError as error:
        raise DataError(
            f"Fingertips could not be reached from this hub ({type(error).__name__}). To fix: download the "
            "CSV from the Fingertips website and read it with read_fingertips('<file name>.csv')."
        ) from None
    table = frame.astype(str).replace({"nan": ""})
    missing = [name for name in FINGERTIPS.names if name not in table.columns]
    if missing:
        raise DataError(
            f"Fingertips answered without the columns {', '.join(map(repr, missing))}; "
            "download the CSV from its website instead."
        )
    for column in FINGERTIPS.columns:
        if column.kind != "text":
            table[column.name] = pd.to_numeric(table[column.name], errors="coerce")
    return _with_period_order(table)


def _with_period_order(table: pd.DataFrame) -> pd.DataFrame:
    """The table with a ``period_order`` column: time periods ranked by the year they start."""
    start = table["Time period"].str.extract(r"(\d{4})", expand=False).astype(float)
    return table.assign(period_order=start)


def find_area(table: pd.DataFrame, area: str) -> pd.Series:
    """The rows of ``area`` (its name or code, any case); a clear error with near names if there are none."""
    wanted = area.strip().lower()
    rows = (table["Area Name"].str.lower() == wanted) | (table["Area Code"].str.lower() == wanted)
    if rows.any():
        return rows
    names = sorted(set(table["Area Name"]))
    close = difflib.get_close_matches(area, names, n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    raise DataError(
        f"No area called {area!r} in this Fingertips table.{hint} It holds {len(names)} areas, e.g. "
        f"{', '.join(map(repr, names[:5]))}. To fix: copy the name as Fingertips writes it, or use its code "
        "(E09000005 and the like)."
    )


def area_in_context(table: pd.DataFrame, area: str) -> pd.DataFrame:
    """For each indicator, its latest period's value for ``area``, the area's region and England.

    One row per indicator and place ("area", "region", "England"), with the
    95% interval, count and denominator as published and Fingertips' own
    comparison with England. Only rows for all persons of the indicator's
    usual age band are used where the export has several (the first listed).
    """
    chosen = find_area(table, area)
    rows = []
    for indicator, of_indicator in table.groupby("Indicator Name", sort=False):
        own = of_indicator[chosen.loc[of_indicator.index]]
        if own.empty:
            continue
        latest = own.sort_values("period_order").iloc[-1]
        same = of_indicator[
            (of_indicator["Time period"] == latest["Time period"])
            & (of_indicator["Sex"] == latest["Sex"])
            & (of_indicator["Age"] == latest["Age"])
        ]
        places = {
            "area": same[same["Area Code"] == latest["Area Code"]],
            "region": same[same["Area Code"] == latest.get("Parent Code", "")],
            ENGLAND: same[same["Area Type"] == ENGLAND],
        }
        for place, found in places.items():
            if found.empty:
                continue
            row = found.iloc[0]
            rows.append(
                (
                    indicator,
                    latest["Time period"],
                    place,
                    row["Area Name"],
                    row["Value"],
                    row["Lower CI 95.0 limit"],
                    row["Upper CI 95.0 limit"],
                    row["Count"],
                    row["Denominator"],
                    row.get("Compared to England value or percentiles", ""),
                )
            )
    return carry(pd.DataFrame(rows, columns=list(CONTEXT_COLUMNS)), table)


#: How each place is drawn: marker, face colour (hollow, grey, black: readable in greyscale).
_PLACE_STYLE = {"area": ("o", "black"), "region": ("s", "0.6"), ENGLAND: ("D", "white")}


def plot_area_in_context(context: pd.DataFrame, *, synthetic: bool | None = None) -> Figure:
    """One row per indicator: the area, its region and England, each with its 95% interval.

    Each place has its own marker shape, so the chart reads in greyscale and
    for colour-blind readers; the caption gives the source and periods. The
    figure carries its text alternative (the table) and, when the values are
    the course's synthetic sample (``synthetic``; by default, when ``context``
    came from the sample file), the synthetic caption.
    """
    indicators = list(dict.fromkeys(context["indicator"]))
    fig, axes = new_grid(10, 1.4 + 1.3 * len(indicators), len(indicators))
    for ax, indicator in zip(axes, indicators, strict=True):
        rows = context[context["indicator"] == indicator]
        for position, (_, row) in enumerate(rows.iterrows()):
            marker, face = _PLACE_STYLE[row["place"]]
            error = [[row["value"] - row["lower_95"]], [row["upper_95"] - row["value"]]]
            ax.errorbar(
                row["value"],
                -position,
                xerr=None if np.isnan(error).any() else error,
                fmt=marker,
                markerfacecolor=face,
                markeredgecolor="black",
                ecolor="black",
                capsize=4,
                markersize=8,
            )
            compared = str(row["compared_to_england"] or "").lower()
            versus = (
                f" ({compared} than England)"
                if compared in {"higher", "lower"}
                else (" (similar to England)" if compared == "similar" else "")
            )
            ax.annotate(
                f"{row['name']} {row['value']:,.1f}{versus}",
                (row["value"], -position),
                xytext=(0, 7),
                textcoords="offset points",
                ha="center",
                fontsize="small",
            )
        ax.margins(x=0.25)
        ax.set_yticks([])
        ax.set_ylim(-len(rows) + 0.3, 0.9)
        ax.set_title(f"{indicator} ({rows['period'].iloc[0]})", loc="left", fontsize="medium")
    fig.supxlabel(f"{SOURCE}; bars are 95% confidence intervals as published.")
    table = (
        context[["indicator", "period", "name", "value", "lower_95", "upper_95"]]
        .rename(columns={"lower_95": "lower 95% limit", "upper_95": "upper 95% limit"})
        .set_index("indicator")
    )
    return finish(
        fig,
        alt_text=(
            f"{len(indicators)} indicators, each showing the area, its region and England with "
            f"95% intervals: {', '.join(indicators)}."
        ),
        table=table,
        synthetic=is_synthetic(context) if synthetic is None else synthetic,
    )
