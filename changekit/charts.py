"""Every chart the course library draws, and the one helper they are all drawn with.

``new_figure`` (or ``new_grid`` for stacked panels) gives each chart its
figure and axes (never through pyplot, so
a notebook shows a chart once, as the value a cell ends with, and nothing
leaks between cells); ``finish`` gives it what every chart needs:

- text no smaller than ``MIN_FONT_PT`` (15 px at 100% zoom; a notebook gets
  the chart drawn at 200 dpi and shown at half that size, so it stays sharp
  at 200% zoom);
- colours from ``PALETTE``, each with its WCAG contrast against white stated
  in ``tests/unit/test_charts.py`` (4.5:1 for text, 3:1 for marks), used with
  line styles, marker shapes and hatching so that no chart needs colour (or
  colour vision) to be read;
- a text alternative: ``alt_text`` (a short description) and ``table`` (the
  numbers behind the chart, with column names in words), shown one click away
  under the chart in a notebook (a ``<details>`` block), and put in the Word
  and HTML exports as the picture's alt text;
- the caption ``changekit.synthetic.CAPTION`` when the chart was drawn from
  the course's made-up sample data.

Matplotlib only: importing this module does not load ipywidgets, so the Word
and HTML exports (``changekit.report``) stay light. Below the helper are the
charts drawn from an answer model alone (radar, stakeholder grid, force field,
driver diagram), so feedback and reports can draw them too; the data charts
live beside their data (``stats.plot_funnel``, ``spc.plot_spc``, ...).
"""

from __future__ import annotations

import html
import io
import math
import textwrap
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch
from matplotlib.text import Text

from changekit.synthetic import CAPTION

if TYPE_CHECKING:  # the forms' models (pydantic) load only when a form's chart is drawn
    from changekit.answer_models import DriverDiagram, ForceField, SelfAssessment, Stakeholders

MIN_FONT_PT = 11.0
"""The smallest text on any chart, in points (15 px at 100 dpi)."""
SCREEN_DPI = 100
"""Dots per inch of a chart at 100% zoom (a notebook draws it at twice that, shown half size)."""

INK = "#000000"
"""Text, axes and the main marks: 21:1 against white."""
MID = "#595959"
"""Secondary text and lines (limits, guides): 7.0:1 against white."""
GREY = "#767676"
"""The palest grey used for a mark or text: 4.5:1 against white."""
PALE = "#d9d9d9"
"""Only for fills behind black outlines and black text (never a mark on its own)."""
PALETTE: tuple[tuple[str, str, str], ...] = (
    (INK, "-", "o"),
    ("#0072B2", "--", "s"),
    ("#B35200", ":", "^"),
    (MID, "-.", "D"),
)
"""(colour, line style, marker) for each series in turn: black, then blue (5.2:1) and dark
orange (5.1:1) from the Okabe-Ito colour-blind-safe set (the orange darkened to pass), then
dark grey; style and marker differ too, so series stay apart in greyscale."""


class ChartFigure(Figure):
    """A chart: a matplotlib Figure with its text alternative, shown in Jupyter without pyplot.

    ``alt_text`` is a short description, ``table`` the numbers behind it (or
    ``None``), ``synthetic`` whether it was drawn from the sample data.
    """

    alt_text: str = ""
    table: pd.DataFrame | None = None
    synthetic: bool = False

    def describe(self) -> str:
        """The text alternative: the description, then the table behind the chart as text."""
        return describe(self)

    def _ipython_display_(self) -> None:
        """The chart as a picture, then its text alternative one click away (a <details> block).

        IPython calls this when a cell ends with the chart or passes it to ``display``.
        """
        from IPython.display import display

        png = figure_png(self, dpi=2 * SCREEN_DPI)  # drawn at twice the size: sharp at 200% zoom
        width = (
            int.from_bytes(png[16:20], "big") // 2
        )  # shown at its 100 dpi size (PNG's IHDR width)
        display(
            {"image/png": png, "text/plain": alt_text(self)},
            metadata={"image/png": {"width": width}},
            raw=True,
        )
        display({"text/html": details_html(self), "text/plain": describe(self)}, raw=True)


def new_figure(
    width: float, height: float, *, ax: Axes | None = None, **subplot: object
) -> tuple[Figure, Axes]:
    """A new chart's figure and axes (``width`` x ``height`` inches), or ``ax`` and its figure.

    ``subplot`` goes to ``add_subplot`` (e.g. ``projection="polar"``). The
    figure lays itself out (constrained layout), so legends and labels fit.
    """
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    figure = ChartFigure(figsize=(width, height), layout="constrained")
    return figure, figure.add_subplot(**subplot)


def new_grid(
    width: float, height: float, rows: int, **subplots: object
) -> tuple[Figure, np.ndarray]:
    """A new chart of ``rows`` axes stacked in one column; ``subplots`` goes to ``Figure.subplots``."""
    figure = ChartFigure(figsize=(width, height), layout="constrained")
    return figure, np.atleast_1d(figure.subplots(rows, 1, squeeze=False, **subplots)[:, 0])


def finish(
    figure: Figure, *, alt_text: str, table: pd.DataFrame | None = None, synthetic: bool = False
) -> Figure:
    """Give a drawn chart its text alternative, readable text and (if synthetic) the caption.

    Text smaller than ``MIN_FONT_PT`` is raised to it. With ``synthetic`` the
    caption ``changekit.synthetic.CAPTION`` goes above the chart, in bold,
    once however many charts share the figure.
    """
    figure.alt_text = alt_text  # type: ignore[attr-defined]
    figure.table = table  # type: ignore[attr-defined]
    figure.synthetic = synthetic or getattr(figure, "synthetic", False)  # type: ignore[attr-defined]
    if synthetic and not any(text.get_text() == CAPTION for text in figure.texts):
        figure.text(
            0.0,
            1.0,
            CAPTION,
            ha="left",
            va="bottom",
            fontsize=MIN_FONT_PT + 1,
            fontweight="bold",
            color=INK,
        )
    for ax in figure.axes:  # ticks are made again at each draw, from these settings
        for axis in (ax.xaxis, ax.yaxis):
            labels = axis.get_ticklabels()
            if labels and min(label.get_fontsize() for label in labels) < MIN_FONT_PT:
                axis.set_tick_params(labelsize=MIN_FONT_PT)
    for text in figure.findobj(Text):
        if text.get_text() and text.get_fontsize() < MIN_FONT_PT:
            text.set_fontsize(MIN_FONT_PT)
    return figure


def describe(figure: Figure) -> str:
    """A chart's text alternative: its description (and caption), then its table as text."""
    parts = [alt_text(figure)]
    table = getattr(figure, "table", None)
    if table is not None:
        parts.append(table.to_string())
    return "\n\n".join(parts)


def alt_text(figure: Figure) -> str:
    """A chart's short description, led by the synthetic caption where it applies."""
    text = getattr(figure, "alt_text", "") or "A chart."
    return f"{CAPTION}. {text}" if getattr(figure, "synthetic", False) else text


def details_html(figure: Figure) -> str:
    """The text alternative as a closed ``<details>`` block: description, then the table."""
    table = getattr(figure, "table", None)
    body = f"<p>{html.escape(alt_text(figure))}</p>"
    if table is not None:
        body += table.to_html(escape=True, border=0)
    return f"<details><summary>This chart as text and a table</summary>{body}</details>"


def figure_png(figure: Figure, *, dpi: int = SCREEN_DPI) -> bytes:
    """The figure as PNG bytes (for an ipywidgets Image, a DOCX or an HTML report)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    return buffer.getvalue()


def percent(value: float, decimals: int = 1) -> str:
    """A proportion as a percentage for a chart's table: 0.3404 -> '34.0%'."""
    return "" if pd.isna(value) else f"{value:.{decimals}%}"


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text.strip(), width)) or "(blank)"


# ----------------------------------------------------------------- radar


def radar_chart(answer: SelfAssessment) -> Figure:
    """The nine Healthcare Leadership Model dimensions on a radar: your level and the role's.

    Your performance is a solid line with circles, the level your role needs a
    dashed line with squares; an unrated dimension sits at the centre.
    """
    from changekit.answer_models import LEVELS

    names = list(answer.ratings)
    angles = [2 * math.pi * i / len(names) for i in range(len(names))]
    figure, ax = new_figure(8, 8, projection="polar")
    ax.set_theta_offset(math.pi / 2)
    ax.set_theta_direction(-1)
    for (field, label), (colour, style, marker) in zip(
        (("performance", "My level"), ("importance", "Level my role needs")), PALETTE, strict=False
    ):
        values = [
            0 if getattr(r, field) is None else LEVELS.index(getattr(r, field)) + 1
            for r in answer.ratings.values()
        ]
        ax.plot(
            angles + angles[:1],
            values + values[:1],
            linestyle=style,
            marker=marker,
            color=colour,
            linewidth=2,
            label=label,
        )
        if field == "performance":
            ax.fill(angles + angles[:1], values + values[:1], facecolor=PALE, edgecolor="none")
    ax.set_xticks(angles, [_wrap(n, 14) for n in names])
    ax.set_yticks(range(1, len(LEVELS) + 1), [level.capitalize() for level in LEVELS])
    ax.set_ylim(0, len(LEVELS) + 0.3)
    ax.tick_params(axis="x", pad=14)
    ax.grid(color=GREY, linewidth=0.6)  # the rings are the levels: they must be seen
    ax.set_rlabel_position(20)
    ax.set_title("Healthcare Leadership Model: self-assessment", pad=24)
    ax.legend(loc="upper right", bbox_to_anchor=(1.3, 1.15), frameon=False)
    table = pd.DataFrame(
        {
            "Dimension": names,
            "My level": [r.performance or "not rated" for r in answer.ratings.values()],
            "Level my role needs": [r.importance or "not rated" for r in answer.ratings.values()],
        }
    )
    below = [
        n
        for n, r in answer.ratings.items()
        if r.performance
        and r.importance
        and LEVELS.index(r.performance) < LEVELS.index(r.importance)
    ]
    return finish(
        figure,
        alt_text=(
            "Radar chart of the nine Healthcare Leadership Model dimensions: my level against "
            "the level my role needs. "
            + (
                f"Below what the role needs: {', '.join(below)}."
                if below
                else "No rated dimension is below what the role needs."
            )
        ),
        table=table,
    )


# ------------------------------------------------------- stakeholder grid

_QUADRANT = {  # (power, interest) -> centre of the quadrant on a 0..2 grid, marker
    ("high", "high"): ((1.5, 1.5), "o"),
    ("high", "low"): ((0.5, 1.5), "s"),
    ("low", "high"): ((1.5, 0.5), "^"),
    ("low", "low"): ((0.5, 0.5), "D"),
}


def _spread(count: int) -> list[tuple[float, float]]:
    """Offsets that spread ``count`` points over a quadrant without overlapping."""
    columns = math.ceil(math.sqrt(count)) or 1
    rows = math.ceil(count / columns) or 1
    return [
        (
            (i % columns - (columns - 1) / 2) * 0.8 / columns,
            ((rows - 1) / 2 - i // columns) * 0.7 / rows,
        )
        for i in range(count)
    ]


def stakeholder_grid(answer: Stakeholders) -> Figure:
    """Mendelow's power/interest grid with each placed stakeholder and its strategy.

    Interest runs left to right, power bottom to top; each quadrant is named
    with its strategy and uses its own marker shape.
    """
    from changekit.answer_models import STRATEGIES

    figure, ax = new_figure(9, 8)
    ax.axhline(1, color=MID, linewidth=1)
    ax.axvline(1, color=MID, linewidth=1)
    for key, ((x, y), marker) in _QUADRANT.items():
        ax.text(
            x,
            y + 0.45,
            STRATEGIES[key].upper(),
            ha="center",
            va="center",
            fontweight="bold",
            color=MID,
        )
        people = [s for s in answer.stakeholders if (s.power, s.interest) == key]
        for person, (dx, dy) in zip(people, _spread(len(people)), strict=True):
            ax.plot(x + dx, y + dy, marker=marker, color=INK, markersize=8, linestyle="none")
            ax.annotate(
                _wrap(person.name or "(unnamed)", 16),
                (x + dx, y + dy),
                xytext=(0, -10),
                textcoords="offset points",
                ha="center",
                va="top",
            )
    ax.set_xlim(0, 2)
    ax.set_ylim(0, 2)
    ax.set_xticks([0.5, 1.5], ["Low interest", "High interest"])
    ax.set_yticks([0.5, 1.5], ["Low power", "High power"])
    ax.set_xlabel("Interest in the change")
    ax.set_ylabel("Power over the change")
    unplaced = sum(s.strategy is None for s in answer.stakeholders)
    note = f" ({unplaced} not yet placed)" if unplaced else ""
    ax.set_title(f"Stakeholders: power/interest grid{note}")
    table = pd.DataFrame(
        {
            "Stakeholder": [s.name or "(unnamed)" for s in answer.stakeholders],
            "Power": [s.power or "not placed" for s in answer.stakeholders],
            "Interest": [s.interest or "not placed" for s in answer.stakeholders],
            "Strategy": [s.strategy or "not placed" for s in answer.stakeholders],
        }
    )
    counts = "; ".join(
        f"{STRATEGIES[key]}: {sum((s.power, s.interest) == key for s in answer.stakeholders)}"
        for key in _QUADRANT
    )
    return finish(
        figure,
        alt_text=(
            f"Power/interest grid of {len(answer.stakeholders)} stakeholders, power upwards and "
            f"interest to the right. Stakeholders in each quadrant: {counts}{note}."
        ),
        table=table,
    )


# ----------------------------------------------------------- force field


def force_field_chart(answer: ForceField) -> Figure:
    """Driving forces push from the left, restraining forces from the right; bar length = score.

    Driving bars are hatched with slashes, restraining bars with dots; totals in the title.
    """
    totals = answer.totals()
    rows = max(len(answer.driving), len(answer.restraining), 1)
    figure, ax = new_figure(10, 1.6 + 0.8 * rows)
    for forces, sign, hatch, align in (
        (answer.driving, -1, "//", "right"),
        (answer.restraining, 1, "..", "left"),
    ):
        for i, force in enumerate(forces):
            y = rows - 1 - i
            ax.barh(y, sign * force.score, color="white", edgecolor=INK, hatch=hatch, height=0.6)
            ax.text(
                sign * (force.score + 0.15),
                y,
                f"{_wrap(force.description, 24)} ({force.score})",
                ha=align,
                va="center",
            )
    ax.axvline(0, color=INK, linewidth=2)
    ax.set_xlim(-12, 12)
    ax.set_ylim(-0.7, rows - 0.3)
    ax.set_yticks([])
    ax.set_xticks(range(-5, 6), [str(abs(v)) for v in range(-5, 6)])
    ax.set_xlabel("Strength of force (1 = weak, 5 = strong)")
    ax.set_title(
        f"Force-field analysis: driving forces (//) total {totals.driving},\n"
        f"restraining forces (..) total {totals.restraining}"
    )
    table = pd.DataFrame(
        [("Driving", f.description.strip() or "-", f.score) for f in answer.driving]
        + [("Restraining", f.description.strip() or "-", f.score) for f in answer.restraining],
        columns=["Side", "Force", "Score (1-5)"],
    )
    return finish(
        figure,
        alt_text=(
            f"Force-field analysis of {len(answer.driving)} driving forces (total "
            f"{totals.driving}) against {len(answer.restraining)} restraining forces (total "
            f"{totals.restraining}); each bar's length is the force's score from 1 to 5."
        ),
        table=table,
    )


# --------------------------------------------------------- driver diagram


def _leaf_rows(answer: DriverDiagram) -> int:
    """Rows the diagram needs: one per change idea, at least one per driver."""
    return (
        sum(
            max(sum(max(len([i for i in s.change_ideas if i.strip()]), 1) for s in p.secondary), 1)
            for p in answer.primary
        )
        or 1
    )


ROW_INCHES = 1.3
"""Height of one row of the diagram (one change idea), in inches."""
LINE_HEIGHT = 1.2 * MIN_FONT_PT / 72 / ROW_INCHES
"""Height of one line of the diagram's text, in row units."""


def _box(
    ax: Axes, x: float, y: float, text: str, *, width: float, style: str, max_lines: int = 4
) -> None:
    """A box with wrapped text; text beyond ``max_lines`` lines is cut with an ellipsis."""
    lines = textwrap.wrap(
        text.strip(), int(width * 11), max_lines=max_lines, placeholder=" ..."
    ) or ["(blank)"]
    height = max(0.8, LINE_HEIGHT * len(lines) + 0.2)
    ax.add_patch(
        FancyBboxPatch(
            (x, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0.02",
            facecolor="white" if style != "aim" else PALE,
            edgecolor=INK,
            linestyle="--" if style == "idea" else "-",
        )
    )
    ax.text(x + width / 2, y, "\n".join(lines), ha="center", va="center", fontsize=MIN_FONT_PT)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->", "color": MID, "lw": 1})


def driver_diagram_chart(answer: DriverDiagram) -> Figure:
    """Aim, primary drivers, secondary drivers and change ideas as boxes joined by arrows.

    Columns left to right; change ideas have dashed borders (they are tests, not facts).
    """
    rows = _leaf_rows(answer)
    figure, ax = new_figure(12, 0.6 + ROW_INCHES * (rows + 1))
    columns = {"aim": 0.0, "primary": 3.0, "secondary": 6.0, "idea": 9.0}
    width = 2.4
    top = rows - 1
    cursor = 0

    def place_ideas(ideas: list[str]) -> list[float]:
        nonlocal cursor
        ys = []
        for idea in ideas or [None]:
            y = top - cursor
            if idea is not None:
                _box(ax, columns["idea"], y, idea, width=width, style="idea")
            ys.append(y)
            cursor += 1
        return ys

    primary_ys = []
    for primary in answer.primary:
        secondary_ys = []
        for secondary in primary.secondary:
            ideas = [i for i in secondary.change_ideas if i.strip()]
            idea_ys = place_ideas(ideas)
            y = float(np.mean(idea_ys))
            _box(ax, columns["secondary"], y, secondary.text, width=width, style="secondary")
            for idea_y in idea_ys if ideas else []:
                _arrow(ax, (columns["secondary"] + width, y), (columns["idea"], idea_y))
            secondary_ys.append(y)
        if not primary.secondary:
            secondary_ys = place_ideas([])
        y = float(np.mean(secondary_ys))
        _box(ax, columns["primary"], y, primary.text, width=width, style="primary")
        for s_y in secondary_ys if primary.secondary else []:
            _arrow(ax, (columns["primary"] + width, y), (columns["secondary"], s_y))
        primary_ys.append(y)
    aim_y = float(np.mean(primary_ys)) if primary_ys else top / 2
    _box(
        ax,
        columns["aim"],
        aim_y,
        answer.aim or "(aim not written yet)",
        width=width,
        style="aim",
        max_lines=max(4, int((rows - 0.2) / LINE_HEIGHT)),
    )
    for p_y in primary_ys:
        _arrow(ax, (columns["aim"] + width, aim_y), (columns["primary"], p_y))
    for name, x in columns.items():
        title = {
            "aim": "Aim",
            "primary": "Primary drivers",
            "secondary": "Secondary drivers",
            "idea": "Change ideas",
        }[name]
        ax.text(x + width / 2, top + 0.8, title, ha="center", va="bottom", fontweight="bold")
    ax.set_xlim(-0.2, columns["idea"] + width + 0.2)
    ax.set_ylim(-0.7, top + 1.3)
    ax.axis("off")
    ax.set_title("Driver diagram")
    rows_of_table = [("Aim", answer.aim or "(aim not written yet)")]
    for n, primary in enumerate(answer.primary, 1):
        rows_of_table.append((f"Primary driver {n}", primary.text))
        for m, secondary in enumerate(primary.secondary, 1):
            rows_of_table.append((f"Secondary driver {n}.{m}", secondary.text))
            rows_of_table += [
                (f"Change idea for {n}.{m}", idea)
                for idea in secondary.change_ideas
                if idea.strip()
            ]
    ideas = sum(row[0].startswith("Change idea") for row in rows_of_table)
    secondaries = sum(len(p.secondary) for p in answer.primary)
    return finish(
        figure,
        alt_text=(
            f"Driver diagram: the aim, {len(answer.primary)} primary drivers, {secondaries} "
            f"secondary drivers and {ideas} change ideas, joined left to right."
        ),
        table=pd.DataFrame(rows_of_table, columns=["Part", "Text"]),
    )
