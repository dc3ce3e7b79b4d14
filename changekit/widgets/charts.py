"""Charts drawn from an answer model alone, so feedback and reports can draw them too.

Every function takes a model from ``changekit.answer_models`` and returns a
matplotlib ``Figure`` that is readable in greyscale (line styles, markers,
hatching and labels carry the meaning, never colour alone). The figures are
not registered with pyplot, so nothing is shown twice and nothing leaks; a
notebook shows one by ending a cell with it (``ChartFigure`` renders itself as
PNG), and ``figure_png`` gives the bytes for a widget or a report.
"""

from __future__ import annotations

import io
import math
import textwrap

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from changekit.answer_models import (
    LEVELS,
    STRATEGIES,
    DriverDiagram,
    ForceField,
    SelfAssessment,
    Stakeholders,
)

INK = "#000000"
MID = "#666666"
PALE = "#d9d9d9"


class ChartFigure(Figure):
    """A Figure that shows itself as a PNG in Jupyter without pyplot."""

    def _repr_png_(self) -> bytes:
        return figure_png(self)


def figure_png(figure: Figure, *, dpi: int = 100) -> bytes:
    """The figure as PNG bytes (for an ipywidgets Image, a DOCX or an HTML report)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    return buffer.getvalue()


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text.strip(), width)) or "(blank)"


# ----------------------------------------------------------------- radar


def radar_chart(answer: SelfAssessment) -> Figure:
    """The nine Healthcare Leadership Model dimensions on a radar: your level and the role's.

    Your performance is a solid line with circles, the level your role needs a
    dashed line with squares; an unrated dimension sits at the centre.
    """
    names = list(answer.ratings)
    angles = [2 * math.pi * i / len(names) for i in range(len(names))]
    figure = ChartFigure(figsize=(7, 7))
    ax = figure.add_subplot(projection="polar")
    ax.set_theta_offset(math.pi / 2)
    ax.set_theta_direction(-1)
    for field, label, style, marker in (
        ("performance", "My level", "-", "o"),
        ("importance", "Level my role needs", "--", "s"),
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
            color=INK if field == "performance" else MID,
            linewidth=2,
            label=label,
        )
        if field == "performance":
            ax.fill(angles + angles[:1], values + values[:1], color=PALE, alpha=0.5)
    ax.set_xticks(angles, [_wrap(n, 14) for n in names], fontsize=9)
    ax.set_yticks(range(1, len(LEVELS) + 1), [level.capitalize() for level in LEVELS], fontsize=8)
    ax.set_ylim(0, len(LEVELS) + 0.3)
    ax.tick_params(axis="x", pad=14)
    ax.set_rlabel_position(20)
    ax.set_title("Healthcare Leadership Model: self-assessment", pad=24)
    ax.legend(loc="upper right", bbox_to_anchor=(1.25, 1.12), frameon=False)
    return figure


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
    figure = ChartFigure(figsize=(8, 7))
    ax = figure.add_subplot()
    ax.axhline(1, color=MID, linewidth=1)
    ax.axvline(1, color=MID, linewidth=1)
    for key, ((x, y), marker) in _QUADRANT.items():
        ax.text(
            x,
            y + 0.45,
            STRATEGIES[key].upper(),
            ha="center",
            va="center",
            fontsize=10,
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
                fontsize=8,
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
    return figure


# ----------------------------------------------------------- force field


def force_field_chart(answer: ForceField) -> Figure:
    """Driving forces push from the left, restraining forces from the right; bar length = score.

    Driving bars are hatched with slashes, restraining bars with dots; totals in the title.
    """
    totals = answer.totals()
    rows = max(len(answer.driving), len(answer.restraining), 1)
    figure = ChartFigure(figsize=(10, 1.2 + 0.6 * rows))
    ax = figure.add_subplot()
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
                f"{_wrap(force.description, 28)} ({force.score})",
                ha=align,
                va="center",
                fontsize=8,
            )
    ax.axvline(0, color=INK, linewidth=2)
    ax.set_xlim(-11, 11)
    ax.set_ylim(-0.7, rows - 0.3)
    ax.set_yticks([])
    ax.set_xticks(range(-5, 6), [str(abs(v)) for v in range(-5, 6)])
    ax.set_xlabel("Strength of force (1 = weak, 5 = strong)")
    ax.set_title(
        f"Force-field analysis: driving forces (//) total {totals.driving}, "
        f"restraining forces (..) total {totals.restraining}"
    )
    return figure


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


LINE_HEIGHT = 0.16
"""Height of one line of 7-point text in the diagram's row units."""


def _box(
    ax: Axes, x: float, y: float, text: str, *, width: float, style: str, max_lines: int = 4
) -> None:
    """A box with wrapped text; text beyond ``max_lines`` lines is cut with an ellipsis."""
    lines = textwrap.wrap(
        text.strip(), int(width * 9), max_lines=max_lines, placeholder=" ..."
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
    ax.text(x + width / 2, y, "\n".join(lines), ha="center", va="center", fontsize=7)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->", "color": MID, "lw": 1})


def driver_diagram_chart(answer: DriverDiagram) -> Figure:
    """Aim, primary drivers, secondary drivers and change ideas as boxes joined by arrows.

    Columns left to right; change ideas have dashed borders (they are tests, not facts).
    """
    rows = _leaf_rows(answer)
    figure = ChartFigure(figsize=(12, 1.5 + 0.9 * rows))
    ax = figure.add_subplot()
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
        ax.text(
            x + width / 2, top + 0.8, title, ha="center", va="bottom", fontweight="bold", fontsize=9
        )
    ax.set_xlim(-0.2, columns["idea"] + width + 0.2)
    ax.set_ylim(-0.7, top + 1.3)
    ax.axis("off")
    ax.set_title("Driver diagram")
    return figure
