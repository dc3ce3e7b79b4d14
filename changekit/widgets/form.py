"""The base every form widget shares: bind controls to the answer store.

A ``Form`` loads its answer when it is built (so running the cell again, after
a kernel restart or a closed browser, brings the answer back), and saves it on
every change (each keystroke reaches the kernel and is written at once, so the
last change is never lost). If the file cannot be used, the form shows the
store's plain-English message and starts from blank for its own key only.

Subclasses say how to build their controls from an answer (``_build``) and
how to read an answer back from them (``_collect``); ``Rows`` gives the
add/remove-a-row behaviour that stakeholders, forces, measures, cycles and
drivers share.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import ClassVar, Generic, TypeVar

import ipywidgets as widgets
from matplotlib.figure import Figure
from pydantic import BaseModel, ValidationError

from changekit.answer_models import Answer
from changekit.answers import DEFAULT_FILENAME, AnswerStore, describe_validation_error
from changekit.charts import figure_png
from changekit.errors import DataError
from changekit.governance import IdentifiableDataError

A = TypeVar("A", bound=Answer)
P = TypeVar("P", bound=BaseModel)

LABEL_STYLE = {"description_width": "initial"}
"""Each label as wide as its words: never cut off ("Process: are t...")."""
WIDE = widgets.Layout(width="95%")
FORM_CLASS = "changekit-form"
FORM_CSS = f"""<style>
.{FORM_CLASS} {{
  --jp-widgets-font-size: 14px;
  --jp-widgets-inline-height: 32px;
  font-size: 14px;
}}
.{FORM_CLASS} .widget-html-content, .{FORM_CLASS} .widget-label,
.{FORM_CLASS} input, .{FORM_CLASS} textarea, .{FORM_CLASS} select {{ font-size: 14px; }}
.{FORM_CLASS} .jupyter-button {{ min-height: 32px; min-width: 32px; font-size: 14px; }}
.{FORM_CLASS} .widget-radio-box label {{
  min-height: 28px; min-width: 28px; padding: 0 1em 0 0.3em; display: flex; align-items: center;
}}
.{FORM_CLASS} .widget-radio-box input {{ width: 20px; height: 20px; margin-right: 0.4em; }}
.{FORM_CLASS} :focus-visible {{ outline: 3px solid #000; outline-offset: 2px; }}
</style>"""
"""Text at least 14 px, targets (buttons, a radio button with its label) at least 24 by 24 px
(WCAG 2.2 2.5.8), a visible focus ring."""
RELOAD_HINT = "If this form is missing after reopening the notebook, run this cell again: your answers are saved."
NOT_CHOSEN = ""
"""Dropdown value meaning 'nothing chosen yet' (saved as ``None``)."""


# ---------------------------------------------------------------- controls


def text(label: str, value: str = "", *, tooltip: str = "", placeholder: str = "") -> widgets.Text:
    """A labelled one-line text box that sends every keystroke to the kernel."""
    return widgets.Text(
        value=value,
        description=label,
        tooltip=tooltip or label,
        placeholder=placeholder,
        continuous_update=True,
        style=LABEL_STYLE,
        layout=WIDE,
    )


def textarea(
    label: str, value: str = "", *, tooltip: str = "", placeholder: str = "", rows: int = 3
) -> widgets.Textarea:
    """A labelled multi-line text box that sends every keystroke to the kernel."""
    return widgets.Textarea(
        value=value,
        description=label,
        tooltip=tooltip or label,
        placeholder=placeholder,
        rows=rows,
        continuous_update=True,
        style=LABEL_STYLE,
        layout=WIDE,
    )


def choice(
    label: str,
    options: Sequence[str | tuple[str, str]],
    value: str | None,
    *,
    blank: str,
    tooltip: str = "",
) -> widgets.Dropdown:
    """A labelled drop-down with a first 'nothing chosen yet' option (value ``None`` in the answer)."""
    pairs = [(blank, NOT_CHOSEN)] + [
        o if isinstance(o, tuple) else (o.capitalize(), o) for o in options
    ]
    return widgets.Dropdown(
        options=pairs,
        value=value or NOT_CHOSEN,
        description=label,
        tooltip=tooltip or label,
        style=LABEL_STYLE,
        layout=widgets.Layout(width="95%", max_width="48em"),
    )


def chosen(dropdown: widgets.Dropdown) -> str | None:
    """The dropdown's value for the answer: ``None`` when nothing is chosen."""
    return dropdown.value or None


def button(label: str, tooltip: str, icon: str = "") -> widgets.Button:
    """A labelled button (its text is its accessible name)."""
    return widgets.Button(
        description=label, tooltip=tooltip, icon=icon, layout=widgets.Layout(width="auto")
    )


def heading(title: str, level: int = 4) -> widgets.HTML:
    """A heading; the text is escaped."""
    return widgets.HTML(f"<h{level}>{html.escape(title)}</h{level}>")


def note(message: str, kind: str = "info") -> str:
    """An HTML notice box; ``kind`` is 'info', 'warning' or 'error'. Readable without colour."""
    prefix = {"info": "", "warning": "Please note: ", "error": "Problem: "}[kind]
    border = {"info": "1px solid #888", "warning": "3px solid #555", "error": "3px double #000"}[
        kind
    ]
    return (
        f'<div role="{"alert" if kind == "error" else "status"}" '
        f'aria-live="{"assertive" if kind == "error" else "polite"}" '
        f'style="border:{border};padding:0.5em;margin:0.3em 0;white-space:pre-line">'
        f"<b>{prefix}</b>{html.escape(message)}</div>"
    )


def chart_img(png: bytes, alt: str) -> str:
    """An ``<img>`` of ``png`` with ``alt``, at its own size (never shrunk below it: its text keeps
    its size) but no wider than the page."""
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}" '
        'style="max-width:100%;height:auto">'
    )


def chart_alt_text(figure: Figure, title: str) -> str:
    """The chart's text alternative: its own ``alt_text`` where the chart gives one."""
    return getattr(figure, "alt_text", "") or (
        f"Chart of your {title} answers, drawn from what you typed in the form above."
    )


# -------------------------------------------------------------------- rows


class Row(Generic[P]):
    """One removable row of controls; subclasses set ``controls`` and ``read()``."""

    noun: ClassVar[str] = "item"

    def __init__(self) -> None:
        self.title = widgets.HTML()
        self.remove_button = button("Remove", f"Remove this {self.noun}", icon="trash")
        self.controls: list[widgets.Widget] = []
        """Inputs whose changes are saved."""
        self.watch_redraw: list[widgets.Widget] = []
        """Inputs whose changes also redraw the chart (choices, scores; not free text)."""
        self.shown: list[widgets.Widget] = []
        """What the row shows, in order, if not just ``controls`` (e.g. with a live label)."""
        self.children: list[Rows] = []
        """Nested lists of rows (secondary drivers under a primary driver)."""

    def number(self, n: int) -> None:
        """Show the row's position (1-based) in its title and its remove button."""
        self.title.value = f"<b>{html.escape(self.noun.capitalize())} {n}</b>"
        self.remove_button.description = f"Remove {self.noun} {n}"
        self.remove_button.tooltip = f"Remove {self.noun} {n} and everything typed in it"

    @cached_property
    def widget(self) -> widgets.Widget:
        """The row laid out (once): title, controls, nested rows, then the remove button.

        The remove button comes last so that the keyboard reaches the row's inputs first.
        """
        nested = [rows.widget for rows in self.children]
        return widgets.VBox(
            [self.title, *(self.shown or self.controls), *nested, self.remove_button],
            layout=widgets.Layout(border="1px solid #bbb", padding="0.3em", margin="0.2em 0"),
        )

    def read(self) -> P:
        """The row's answer as a model."""
        raise NotImplementedError


R = TypeVar("R", bound=Row)


class Rows(Generic[R]):
    """A list of rows with 'Add' and per-row 'Remove' buttons.

    ``rows`` is the list of row objects (tests drive ``rows[0].name.value`` and
    so on); ``add()`` appends a row (the same as pressing the button) and
    ``remove(row)`` removes one. Each change calls ``on_change``.
    """

    def __init__(
        self,
        make_row: Callable[[P | None], R],
        items: Sequence[P],
        *,
        add_label: str,
        on_change: Callable[[bool], None],
    ):
        self._make_row = make_row
        self._on_change = on_change
        self.rows: list[R] = []
        self.add_button = button(add_label, add_label, icon="plus")
        self.add_button.on_click(lambda _: self.add())
        self.box = widgets.VBox()
        self.widget = widgets.VBox([self.box, self.add_button])
        for item in items:
            self._append(item)
        self._relayout()

    def add(self, item: P | None = None) -> R:
        """Add a row (blank, or holding ``item``) at the end and save."""
        row = self._append(item)
        self._relayout()
        self._on_change(True)
        return row

    def remove(self, row: R) -> None:
        """Remove ``row`` and save."""
        self.rows.remove(row)
        self._relayout()
        self._on_change(True)

    def read(self) -> list:
        """Every row's answer, in order."""
        return [row.read() for row in self.rows]

    def _append(self, item: P | None) -> R:
        row = self._make_row(item)
        for control in row.controls:
            control.observe(
                lambda change, r=row: self._on_change(change["owner"] in r.watch_redraw),
                names="value",
            )
        row.remove_button.on_click(lambda _, r=row: self.remove(r))
        self.rows.append(row)
        return row

    def _relayout(self) -> None:
        for n, row in enumerate(self.rows, 1):
            row.number(n)
        self.box.children = [row.widget for row in self.rows]


# -------------------------------------------------------------------- form


class Form(Generic[A]):
    """A form bound to one key of an answer store.

    ``answer`` is the current pydantic model, ``widget`` the ipywidgets
    container; subclasses expose their controls as attributes. Displaying the
    form in a notebook shows ``widget``.
    """

    key: ClassVar[str]
    model: ClassVar[type[Answer]]
    intro: ClassVar[str] = ""

    def __init__(self, path: str | Path = DEFAULT_FILENAME):
        self.store = AnswerStore(path)
        self.notice = widgets.HTML()
        self.status = widgets.HTML()
        self.chart = widgets.HTML()
        """The chart as an ``<img>`` with its text alternative (ipywidgets' Image has no ``alt``)."""
        self.chart_png = b""
        """The chart's PNG bytes, as last drawn."""
        self._building = True
        self._answer: A = self._load()
        self._saved: A | None = None
        self._refused = False
        """Whether the notice shows a refusal to save a patient identifier."""
        body = self._build(self._answer)
        self.widget = widgets.VBox(
            [
                widgets.HTML(FORM_CSS),
                heading(self.model.title, 3),
                widgets.HTML(self.intro),
                self.notice,
                body,
                self.status,
            ]
        )
        self.widget.add_class(FORM_CLASS)
        self._building = False
        self._refresh()
        self._redraw()
        self._show_status()

    # ------------------------------------------------------------ public

    @property
    def answer(self) -> A:
        """The answer as it stands (a validated model)."""
        return self._answer

    def save(self) -> bool:
        """Read the controls, validate and save; show any problem. True if saved."""
        try:
            answer = self._collect()
        except ValidationError as error:
            self._warn(
                f"This change could not be saved: {describe_validation_error(error)}.", "error"
            )
            return False
        self._answer = answer
        if answer == self._saved:
            self._show_status()
            return True
        try:
            self.store.save(self.key, answer)
        except DataError as error:  # includes AnswerFileError: the message says what to do
            self._warn(str(error), "error")
            self._refused = isinstance(error, IdentifiableDataError)
            return False
        except OSError as error:
            self._warn(
                f"Your answer could not be saved to {self.store.path} ({error.strerror or error}). "
                "It is still in the form: do not close this tab; ask your tutor to check the folder.",
                "error",
            )
            return False
        self._saved = answer
        if self._refused:  # the identifier is gone: the refusal no longer applies
            self.notice.value, self._refused = "", False
        self._show_status()
        return True

    def _ipython_display_(self) -> None:
        """Show the widget; the plain-text fallback (feedback, nbval) is the answer as text."""
        from IPython.display import display

        bundle = self.widget._repr_mimebundle_()
        bundle["text/plain"] = f"{self.model.title} form, saved in {self.store.path.name}"
        display(bundle, raw=True)
        # A plain output, kept in the notebook: still there when the widget is not, after a reload.
        display({"text/html": f"<p>{RELOAD_HINT}</p>", "text/plain": RELOAD_HINT}, raw=True)

    # ----------------------------------------------------- for subclasses

    def _build(self, answer: A) -> widgets.Widget:
        """Create the controls, filled in from ``answer``; return the form's body."""
        raise NotImplementedError

    def _collect(self) -> A:
        """Build the answer from the controls (may raise ``ValidationError``)."""
        raise NotImplementedError

    def _figure(self, answer: A) -> Figure | None:
        """The chart for ``answer``; forms without a chart return None."""

    def _watch(self, *controls: widgets.Widget, redraw: bool = False) -> None:
        """Save whenever one of ``controls`` changes; redraw the chart too if asked."""
        for control in controls:
            control.observe(lambda _change: self._changed(redraw), names="value")

    def _changed(self, redraw: bool = False) -> None:
        """A control changed: save, refresh the live summaries, redraw the chart if asked."""
        if self._building:
            return
        self.save()
        self._refresh()
        if redraw:
            self._redraw()

    def _refresh(self) -> None:
        """Update cheap live summaries (totals, priorities, checks) from ``answer``."""

    def _redraw(self) -> None:
        """Draw the chart for the current answer into ``chart`` (if the form has one)."""
        figure = self._figure(self._answer)
        if figure is not None:
            self.chart_png = figure_png(figure)
            self.chart.value = chart_img(self.chart_png, chart_alt_text(figure, self.model.title))

    def _redraw_button(self) -> widgets.Button:
        """A button that redraws the chart (text edits do not redraw, to keep typing quick)."""
        redraw = button(
            "Redraw the chart", "Redraw the chart with what you have typed", icon="refresh"
        )
        redraw.on_click(lambda _: self._redraw())
        return redraw

    # --------------------------------------------------------- internals

    def _load(self) -> A:
        """The saved answer, or a blank one with the store's message shown."""
        try:
            return self.store.load(self.key, self.model)  # type: ignore[return-value]
        except DataError as error:
            self._warn(str(error), "error")
            return self.model()  # type: ignore[return-value]

    def _warn(self, message: str, kind: str = "warning") -> None:
        self.notice.value = note(message, kind)

    def missing(self) -> list[str]:
        """What is still to do: the same list the notebook's checks and the feedback use."""
        return self._answer.missing(**self._context())

    def _context(self) -> dict[str, Answer]:
        """Other saved forms this form's rules compare with (none unless a subclass says)."""
        return {}

    def _show_status(self) -> None:
        """'Saved' plus the still-to-do list, under the form."""
        todo = self.missing()
        where = html.escape(self.store.path.name)
        if not todo:
            self.status.value = note(
                f"Saved in {self.store.path.name}. Complete: nothing is missing, so every "
                "check on this form in the notebook will pass."
            )
            return
        items = "".join(f"<li>{html.escape(item)}</li>" for item in todo)
        self.status.value = (
            f'<div role="status" aria-live="polite" style="border:1px dashed #888;padding:0.5em">'
            f"Answers are saved in {where} as you type. <b>Still to do:</b><ul>{items}</ul></div>"
        )
