"""Patients' experience: why parents bring children to A&E (case study 2).

Two kinds of evidence, used side by side:

- numbers: children's A&E attendances set against when GP practices are open
  (``OpeningHours``, ``in_hours``, ``arrivals_vs_opening``, ``plot_arrivals``);
- words: parents' quotes coded into themes with a codebook
  (``changekit.answer_models.THEMES``), using the codebook form
  (``changekit.widgets.quote_coding.codebook``), saved as a ``QuoteCoding``
  answer (``changekit.answer_models``) under the key ``"quote_coding"``, then
  counted with ``theme_counts`` and shown with ``coding_table``; after marking,
  ``coding_agreement`` sets it beside the tutor's coding (formative, not marked).

``read_attendances`` and ``read_quotes`` check a file (the course's or a
trainee's own) against its schema and refuse patient-identifiable data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from changekit.answer_models import THEMES, QuoteCoding, md_cell, md_table
from changekit.charts import GREY, PALE, PALETTE, finish, new_figure, percent
from changekit.data import Column, Schema, read_table, require_columns
from changekit.errors import DataError
from changekit.paths import data_dir
from changekit.synthetic import is_synthetic
from changekit.tables import require_unique, rows_where

WEEKDAYS: tuple[str, ...] = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)
ARRIVAL_MODES: tuple[str, ...] = ("walk-in", "ambulance")
REFERRAL_SOURCES: tuple[str, ...] = ("parent", "NHS 111", "GP", "other")
OUTCOMES: tuple[str, ...] = (
    "discharged",
    "discharged, GP follow-up",
    "referred to clinic",
    "admitted",
    "left before being seen",
)

ATTENDANCES = Schema(
    "ed_attendances",
    (
        Column("age_years", "int", minimum=0, maximum=15),
        Column("arrival_weekday", allowed=WEEKDAYS),
        Column("arrival_time"),
        Column("arrival_mode", allowed=ARRIVAL_MODES),
        Column("referral_source", allowed=REFERRAL_SOURCES),
        Column("triage_category", "int", minimum=1, maximum=5),
        Column("outcome", allowed=OUTCOMES),
        Column("primary_care_suitable", allowed=("yes", "no")),
    ),
)
QUOTES = Schema(
    "parent_quotes",
    (Column("quote_id"), Column("child_age", required=False), Column("quote")),
)

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


# ---------------------------------------------------------------- reading


def read_attendances(path: str | Path | None = None) -> pd.DataFrame:
    """One row per A&E attendance (default: ``data/ed_attendances.csv``), checked.

    Besides the schema, every ``arrival_time`` must be a 24-hour clock time
    written ``HH:MM`` (``07:05``, ``18:30``).
    """
    path = data_dir() / "ed_attendances.csv" if path is None else Path(path)
    table = read_table(path, ATTENDANCES)
    bad = ~table["arrival_time"].str.fullmatch(_TIME.pattern)
    if bad.any():
        examples = ", ".join(repr(v) for v in table.loc[bad, "arrival_time"].unique()[:3])
        raise DataError(
            f"Could not use '{path.name}': column 'arrival_time', {rows_where(bad)} "
            f"(the header is row 1): found {examples}; expected a 24-hour time written HH:MM "
            "such as 07:05 or 18:30. To fix: format the column as text in HH:MM, with a "
            "leading zero for hours before 10."
        )
    return table


def read_quotes(path: str | Path | None = None) -> pd.DataFrame:
    """Parents' quotes, one per row with a unique ``quote_id`` (default: ``data/parent_quotes.csv``)."""
    path = data_dir() / "parent_quotes.csv" if path is None else Path(path)
    table = read_table(path, QUOTES)
    require_unique(
        table,
        "quote_id",
        path,
        problem="share an id",
        fix="renumber the repeated ids",
        why="Each quote needs its own id (Q01, Q02, ...) so that its coding can be saved.",
    )
    return table


# ---------------------------------------------------------------- opening hours


@dataclass(frozen=True)
class Session:
    """One opening session: the days it runs and the times, in minutes after midnight."""

    days: tuple[str, ...]
    opens: int
    closes: int


@dataclass(frozen=True)
class OpeningHours:
    """When a service is open: a name and one or more sessions (see ``opening_hours``)."""

    name: str
    sessions: tuple[Session, ...]

    def is_open(self, weekday: str, minute: int) -> bool:
        """True if the service is open on ``weekday`` at ``minute`` after midnight."""
        return any(weekday in s.days and s.opens <= minute < s.closes for s in self.sessions)


_DAY_ABBREVIATIONS = {day[:3].lower(): day for day in WEEKDAYS}
_SESSION = re.compile(
    r"^(?P<first>[A-Za-z]{3})(?:\s*-\s*(?P<last>[A-Za-z]{3}))?\s+"
    r"(?P<opens>\d{2}:\d{2})\s*-\s*(?P<closes>\d{2}:\d{2})$"
)


def opening_hours(text: str, *, name: str | None = None) -> OpeningHours:
    """Opening hours from text such as ``"Mon-Fri 08:00-18:30, Sat 09:00-12:00"`` or ``"24 hours"``.

    Sessions are separated by commas or semicolons; each is a day or a range
    of days (three-letter names) and a 24-hour time range; ``24:00`` means
    midnight at the end of the day.
    """
    label = name or text
    if text.strip().lower() == "24 hours":
        return OpeningHours(label, (Session(WEEKDAYS, 0, 24 * 60),))
    sessions = []
    for part in filter(None, (p.strip() for p in re.split(r"[,;]", text))):
        match = _SESSION.match(part)
        if not match:
            raise DataError(
                f"Could not read the opening hours {text!r}: the part {part!r} is not like "
                "'Mon-Fri 08:00-18:30'. Write each session as a day or days (Mon, Tue, Wed, Thu, "
                "Fri, Sat, Sun) and a time range, separated by commas."
            )
        first, last = match["first"], match["last"] or match["first"]
        days = _day_range(first, last, text)
        opens, closes = _minutes(match["opens"], text), _minutes(match["closes"], text)
        if closes <= opens:
            raise DataError(
                f"In the opening hours {text!r}, {part!r} closes before it opens. "
                "Write the opening time first, e.g. 08:00-18:30."
            )
        sessions.append(Session(days, opens, closes))
    if not sessions:
        raise DataError("The opening hours are empty; write them like 'Mon-Fri 08:00-18:30'.")
    return OpeningHours(label, tuple(sessions))


def _day_range(first: str, last: str, text: str) -> tuple[str, ...]:
    """The weekdays from ``first`` to ``last`` (three-letter names), in order."""
    try:
        start = WEEKDAYS.index(_DAY_ABBREVIATIONS[first.lower()])
        end = WEEKDAYS.index(_DAY_ABBREVIATIONS[last.lower()])
    except KeyError:
        raise DataError(
            f"Could not read the days in the opening hours {text!r}: use Mon, Tue, Wed, Thu, "
            "Fri, Sat or Sun."
        ) from None
    if end < start:
        raise DataError(
            f"In the opening hours {text!r}, the days run backwards; write e.g. Mon-Fri."
        )
    return WEEKDAYS[start : end + 1]


def _minutes(clock: str, text: str) -> int:
    """``"18:30"`` as minutes after midnight; ``"24:00"`` is the end of the day."""
    hours, minutes = (int(x) for x in clock.split(":"))
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise DataError(f"In the opening hours {text!r}, {clock!r} is not a time of day.")
    return hours * 60 + minutes


GP_CORE_HOURS = opening_hours("Mon-Fri 08:00-18:30", name="GP core hours (Mon-Fri 08:00-18:30)")
"""GP practices' contracted core hours in England: 8am to 6.30pm, Monday to Friday."""

GP_WITH_ENHANCED_ACCESS = opening_hours(
    "Mon-Fri 08:00-20:00, Sat 09:00-17:00",
    name="GP core hours plus PCN Enhanced Access (Mon-Fri to 20:00, Sat 09:00-17:00)",
)
"""Core hours plus the Enhanced Access every primary care network has provided since 1 October
2022 (Network Contract DES): 18:30-20:00 on weekdays and 09:00-17:00 on Saturdays."""


def arrival_hour(attendances: pd.DataFrame) -> pd.Series:
    """The hour of arrival, 0-23, from ``arrival_time`` (``"18:42"`` -> 18)."""
    require_columns(attendances, ("arrival_time",), "the attendances table")
    return attendances["arrival_time"].str.slice(0, 2).astype(int)


def in_hours(attendances: pd.DataFrame, hours: OpeningHours = GP_CORE_HOURS) -> pd.Series:
    """True for each attendance that arrived while the service in ``hours`` was open."""
    require_columns(attendances, ("arrival_weekday", "arrival_time"), "the attendances table")
    minute = arrival_hour(attendances) * 60 + attendances["arrival_time"].str.slice(3, 5).astype(
        int
    )
    flags = [
        hours.is_open(day, int(m))
        for day, m in zip(attendances["arrival_weekday"], minute, strict=True)
    ]
    return pd.Series(flags, index=attendances.index, name="in_hours", dtype=bool)


def arrivals_vs_opening(
    attendances: pd.DataFrame,
    hours: OpeningHours = GP_CORE_HOURS,
    *,
    by: str = "primary_care_suitable",
) -> pd.DataFrame:
    """Attendances arriving while the service is open or closed, for each value of ``by``.

    One row per value of ``by`` (e.g. ``"yes"``/``"no"`` for
    ``primary_care_suitable``, or triage categories 1-5) and a last row
    ``"all"``, with columns ``attendances``, ``when_open``, ``when_closed`` and
    ``share_when_open``.
    """
    require_columns(attendances, (by,), "the attendances table")
    open_now = in_hours(attendances, hours)
    counts = pd.crosstab(attendances[by], open_now).reindex(columns=[True, False], fill_value=0)
    table = pd.DataFrame({"when_open": counts[True], "when_closed": counts[False]})
    table.loc["all"] = table.sum()
    table.insert(0, "attendances", table["when_open"] + table["when_closed"])
    table["share_when_open"] = table["when_open"] / table["attendances"]
    table.index.name = by
    return table


def arrivals_by_hour(attendances: pd.DataFrame) -> pd.DataFrame:
    """Share of arrivals in each hour (0-23), Monday to Friday and at weekends separately."""
    require_columns(attendances, ("arrival_weekday", "arrival_time"), "the attendances table")
    weekend = attendances["arrival_weekday"].isin(WEEKDAYS[5:])
    hour = arrival_hour(attendances)
    table = (
        pd.DataFrame(
            {
                "Monday to Friday": hour[~weekend].value_counts(normalize=True),
                "Saturday and Sunday": hour[weekend].value_counts(normalize=True),
            }
        )
        .reindex(range(24), fill_value=0.0)
        .fillna(0.0)
    )
    table.index.name = "hour"
    return table


def plot_arrivals(
    attendances: pd.DataFrame, hours: OpeningHours = GP_CORE_HOURS, *, title: str
) -> Figure:
    """Arrivals by hour (weekdays solid with circles, weekends dashed with squares) and GP hours.

    The hours the service is open on weekdays are shaded and hatched, so the
    chart reads in greyscale. The figure carries its text alternative (the
    share of arrivals in each hour) and, for the sample data, the synthetic
    caption.
    """
    shares = arrivals_by_hour(attendances)
    fig, ax = new_figure(10, 5.5)
    for (column, values), (colour, style, marker) in zip(shares.items(), PALETTE, strict=False):
        ax.plot(
            values.index + 0.5,
            values.to_numpy(),
            linestyle=style,
            marker=marker,
            color=colour,
            markerfacecolor="white",
            label=column,
        )
    shade = {"facecolor": PALE, "edgecolor": GREY, "hatch": "..", "linewidth": 0}
    for session in hours.sessions:
        if set(session.days) & set(WEEKDAYS[:5]):
            ax.axvspan(session.opens / 60, session.closes / 60, zorder=0, **shade)
    ax.fill_between([], [], label=f"Open on weekdays: {hours.name}", **shade)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set(
        title=title,
        xlabel="Hour of arrival (24-hour clock)",
        ylabel="Share of the period's arrivals",
        xlim=(0, 24),
        xticks=range(0, 25, 2),
    )
    ax.legend(loc="upper left")
    table = shares.map(percent)
    table.index = [f"{hour:02d}:00-{hour:02d}:59" for hour in shares.index]
    table.index.name = "hour of arrival"
    busiest = {column: f"{int(values.idxmax()):02d}:00" for column, values in shares.items()}
    return finish(
        fig,
        alt_text=(
            f"Line chart: {title}. The share of arrivals in each hour of the day, Monday to "
            f"Friday and at weekends, with the hours practices are open on weekdays "
            f"({hours.name}) shaded. Busiest hour: "
            + "; ".join(f"{column} {hour}" for column, hour in busiest.items())
            + "."
        ),
        table=table,
        synthetic=is_synthetic(attendances),
    )


# ---------------------------------------------------------------- coding quotes


def coding_table(coding: QuoteCoding, quotes: pd.DataFrame | None = None) -> str:
    """The coding as a Markdown table (with the quotes' text, one row per quote, if ``quotes`` is given)."""
    return coding.table(
        None if quotes is None else dict(zip(quotes["quote_id"], quotes["quote"], strict=True))
    )


def theme_counts(coding: QuoteCoding) -> pd.DataFrame:
    """How many quotes carry each theme, most frequent first (codebook order on a tie).

    One row per theme in the codebook, indexed by theme key, with ``label``,
    ``quotes`` (number of quotes with that theme), ``share`` (of the quotes that
    have at least one theme) and ``in_report`` (of the quotes chosen for the report).
    """
    coded = [code for code in coding.codes.values() if code.themes]
    table = pd.DataFrame(
        {
            "label": [label for label, _ in THEMES.values()],
            "quotes": [sum(t in c.themes for c in coded) for t in THEMES],
            "in_report": [sum(t in c.themes for c in coded if c.use_in_report) for t in THEMES],
        },
        index=pd.Index(list(THEMES), name="theme"),
    )
    table.insert(2, "share", table["quotes"] / len(coded) if coded else 0.0)
    order = np.lexsort((np.arange(len(table)), -table["quotes"].to_numpy()))
    return table.iloc[order]


@dataclass(frozen=True)
class CodingAgreement:
    """A trainee's coding beside the tutor's: how often they agree, and where they differ.

    ``same`` quotes got exactly the tutor's themes out of ``total`` the tutor
    coded; ``decisions_agreeing`` is the share of quote-by-theme yes/no choices
    that agree (a quote coded with one theme of the tutor's two still agrees on
    most of its choices); ``differences`` lists each quote coded differently with
    ``yours`` and ``tutors`` (theme labels).
    """

    same: int
    total: int
    decisions_agreeing: float
    differences: pd.DataFrame

    def to_markdown(self, quotes: pd.DataFrame | None = None) -> str:
        """A short summary and a table of the quotes coded differently (with their text if given)."""
        summary = (
            f"**Agreement with your tutor's coding** (formative, not marked): the same themes on "
            f"{self.same} of {self.total} quotes; {self.decisions_agreeing:.0%} of the yes/no "
            "choices (this quote, this theme) agree. Coding is a judgement, and careful coders "
            "differ: read the quotes below and ask whether the tutor's reading changes yours."
        )
        if self.differences.empty:
            return summary
        texts = (
            {} if quotes is None else dict(zip(quotes["quote_id"], quotes["quote"], strict=True))
        )
        rows = [
            [
                quote_id,
                md_cell(texts.get(quote_id, "")),
                md_cell(row["yours"]),
                md_cell(row["tutors"]),
            ]
            for quote_id, row in self.differences.iterrows()
        ]
        headers = ["Quote", "What the parent said", "Your themes", "Tutor's themes"]
        if quotes is None:
            headers.pop(1)
            rows = [[r[0], *r[2:]] for r in rows]
        return f"{summary}\n\n{md_table(headers, rows)}"


def coding_agreement(coding: QuoteCoding, tutor: Mapping[str, Iterable[str]]) -> CodingAgreement:
    """Compare ``coding`` with the tutor's (quote id -> theme keys), quote by quote.

    Every quote the tutor coded counts, coded by the trainee or not; themes
    outside the codebook are an error in the tutor's key, not the trainee's.
    """
    unknown = sorted({t for themes in tutor.values() for t in themes} - set(THEMES))
    if unknown:
        raise DataError(
            f"The tutor's coding uses themes that are not in the codebook: {', '.join(unknown)}."
        )
    differences, agreeing = {}, 0
    for quote_id, tutor_themes in tutor.items():
        theirs = set(tutor_themes)
        code = coding.codes.get(quote_id)
        yours = set(code.themes) if code else set()
        agreeing += sum((t in yours) == (t in theirs) for t in THEMES)
        if yours != theirs:
            differences[quote_id] = {"yours": _labels(yours), "tutors": _labels(theirs)}
    table = pd.DataFrame.from_dict(differences, orient="index", columns=["yours", "tutors"])
    table.index.name = "quote_id"
    total = len(tutor)
    share = agreeing / (total * len(THEMES)) if total else 0.0
    return CodingAgreement(total - len(differences), total, share, table)


def _labels(themes: set[str]) -> str:
    """Theme labels in codebook order, or a dash for none."""
    return "; ".join(label for key, (label, _) in THEMES.items() if key in themes) or "-"
