"""Driver diagram builder: aim, primary drivers, secondary drivers, change ideas.

Each primary driver holds its secondary drivers; each secondary driver holds
its change ideas, one per line. "Use my SMART aim" copies the aim saved by the
SMART aim form. Controls for tests: ``aim`` (text box), ``copy_aim_button``,
``primary`` (``Rows`` of ``PrimaryRow``: ``rows[i].text``, ``rows[i].secondary``
(``Rows`` of ``SecondaryRow``: ``.text``, ``.change_ideas``)), ``chart`` (image).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import ipywidgets as widgets
from matplotlib.figure import Figure

from changekit.answer_models import (
    MIN_CHANGE_IDEAS,
    MIN_PRIMARY_DRIVERS,
    Answer,
    DriverDiagram,
    PrimaryDriver,
    SecondaryDriver,
    SmartAim,
)
from changekit.answers import DEFAULT_FILENAME
from changekit.charts import driver_diagram_chart
from changekit.errors import DataError
from changekit.widgets.form import Form, Row, Rows, button, heading, text, textarea


class SecondaryRow(Row[SecondaryDriver]):
    """A secondary driver and its change ideas (one per line)."""

    noun = "secondary driver"

    def __init__(self, item: SecondaryDriver | None):
        super().__init__()
        item = item or SecondaryDriver()
        self.text = text(
            "Secondary driver",
            item.text,
            tooltip="Something that must be in place for the primary driver",
        )
        self.change_ideas = textarea(
            "Change ideas (one per line)",
            "\n".join(item.change_ideas),
            rows=3,
            tooltip="Each idea is something you could test in a PDSA cycle",
        )
        self.controls = [self.text, self.change_ideas]

    def read(self) -> SecondaryDriver:
        ideas = [line.strip() for line in self.change_ideas.value.splitlines() if line.strip()]
        return SecondaryDriver(text=self.text.value, change_ideas=ideas)


class PrimaryRow(Row[PrimaryDriver]):
    """A primary driver with its own list of secondary drivers."""

    noun = "primary driver"

    def __init__(self, item: PrimaryDriver | None, *, on_change: Callable[[bool], None]):
        super().__init__()
        item = item or PrimaryDriver()
        self.text = text(
            "Primary driver", item.text, tooltip="Something that must be true for the aim to be met"
        )
        self.secondary = Rows(
            SecondaryRow, item.secondary, add_label="Add a secondary driver", on_change=on_change
        )
        self.controls = [self.text]
        self.children = [self.secondary]

    def read(self) -> PrimaryDriver:
        return PrimaryDriver(text=self.text.value, secondary=self.secondary.read())


class DriverDiagramForm(Form[DriverDiagram]):
    """The driver diagram as nested lists, drawn as boxes and arrows."""

    key = "driver_diagram"
    model = DriverDiagram
    intro = (
        "<p>A driver diagram links your aim (left) to the primary drivers that must be true "
        "to reach it, the secondary drivers under each, and the change ideas you could test. "
        "Put each change idea on its own line.</p>"
        f"<p>To finish: your SMART aim as the aim; at least {MIN_PRIMARY_DRIVERS} primary drivers, "
        "each with a secondary driver; a change idea under every secondary driver and at least "
        f"{MIN_CHANGE_IDEAS} in all.</p>"
    )

    def _build(self, answer: DriverDiagram) -> widgets.Widget:
        self.aim = textarea("Aim", answer.aim, rows=2, tooltip="Your SMART aim")
        self._watch(self.aim)
        self.copy_aim_button = button(
            "Use my SMART aim", "Copy the aim saved in the SMART aim form", icon="copy"
        )
        self.copy_aim_button.on_click(lambda _: self.copy_smart_aim())
        self.primary = Rows(
            lambda item: PrimaryRow(item, on_change=self._changed),
            answer.primary,
            add_label="Add a primary driver",
            on_change=self._changed,
        )
        return widgets.VBox(
            [
                self.aim,
                self.copy_aim_button,
                heading("Primary drivers"),
                self.primary.widget,
                self._redraw_button(),
                self.chart,
            ]
        )

    def copy_smart_aim(self) -> None:
        """Put the SMART aim form's saved statement into the aim box, if there is one."""
        try:
            statement = self.store.load("smart_aim", SmartAim).statement
        except DataError as error:
            self._warn(str(error), "error")
            return
        if statement.strip():
            self.aim.value = statement
        else:
            self._warn(
                "There is no SMART aim saved yet: write it in the SMART aim form first, "
                "or type your aim here."
            )

    def _context(self) -> dict[str, Answer]:
        """The saved SMART aim: the diagram's aim must carry its figures."""
        try:
            return {"smart_aim": self.store.load("smart_aim", SmartAim)}
        except DataError:  # the SMART aim form shows this problem itself
            return {}

    def _collect(self) -> DriverDiagram:
        return DriverDiagram(aim=self.aim.value, primary=self.primary.read())

    def _figure(self, answer: DriverDiagram) -> Figure:
        return driver_diagram_chart(answer)


def driver_diagram(path: str | Path = DEFAULT_FILENAME) -> DriverDiagramForm:
    """The driver diagram builder, saving to ``path`` under the key "driver_diagram"."""
    return DriverDiagramForm(path)
