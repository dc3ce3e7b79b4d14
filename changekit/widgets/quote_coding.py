"""The codebook form of case study 2: code parents' quotes into themes, choose quotes for a report.

``codebook(quotes)`` shows, for each quote, a button per theme of the codebook
(``changekit.answer_models.THEMES``) and a "use in report" tick, and saves a
``QuoteCoding`` under the key ``"quote_coding"`` on every click. The tables and
counts drawn from the saved coding are in ``changekit.experience``.
"""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from changekit.answer_models import REPORT_PICKS, THEMES, QuoteCode, QuoteCoding
from changekit.answers import DEFAULT_FILENAME
from changekit.data import require_columns
from changekit.widgets.form import Form, heading


class CodebookForm(Form[QuoteCoding]):
    """The codebook widget: for each quote, theme buttons and a 'use in report' tick.

    Controls for tests: ``theme_buttons[quote_id][theme]`` (toggle buttons) and
    ``report_boxes[quote_id]`` (check boxes). Every click is saved at once.
    """

    key = "quote_coding"
    model = QuoteCoding
    intro = (
        "<p>Read each quote and press every theme it shows (one or more). Tick "
        f"<b>use in report</b> for the {REPORT_PICKS[0]} to {REPORT_PICKS[1]} quotes that "
        "would best persuade a commissioner. Each click is saved straight away.</p>"
    )

    def __init__(self, quotes: pd.DataFrame, path: str | Path = DEFAULT_FILENAME):
        require_columns(quotes, ("quote_id", "quote"), "the quotes table")
        self.quotes = quotes
        super().__init__(path)

    def _load(self) -> QuoteCoding:
        """The saved coding, with an empty entry for every quote not coded yet."""
        return super()._load().for_quotes(self.quotes["quote_id"])

    def _build(self, answer: QuoteCoding) -> widgets.Widget:
        self.theme_buttons: dict[str, dict[str, widgets.ToggleButton]] = {}
        self.report_boxes: dict[str, widgets.Checkbox] = {}
        legend = "".join(
            f"<li><b>{html.escape(label)}</b>: {html.escape(about)}</li>"
            for label, about in THEMES.values()
        )
        rows: list[widgets.Widget] = [heading("Codebook"), widgets.HTML(f"<ul>{legend}</ul>")]
        for quote_id, quote in zip(self.quotes["quote_id"], self.quotes["quote"], strict=True):
            code = answer.codes.get(quote_id, QuoteCode())
            buttons = {
                theme: widgets.ToggleButton(
                    value=theme in code.themes,
                    description=label,
                    tooltip=f"{label}: {about}",
                    icon="check",
                    layout=widgets.Layout(width="auto"),
                )
                for theme, (label, about) in THEMES.items()
            }
            report = widgets.Checkbox(
                value=code.use_in_report, description="use in report", indent=False
            )
            self.theme_buttons[quote_id], self.report_boxes[quote_id] = buttons, report
            self._watch(*buttons.values(), report)
            rows.append(
                widgets.VBox(
                    [
                        widgets.HTML(
                            f"<b>{html.escape(quote_id)}</b> &ldquo;{html.escape(quote)}&rdquo;"
                        ),
                        widgets.HBox(
                            list(buttons.values()), layout=widgets.Layout(flex_flow="row wrap")
                        ),
                        report,
                    ],
                    layout=widgets.Layout(
                        border="1px solid #bbb", padding="0.3em", margin="0.2em 0"
                    ),
                )
            )
        return widgets.VBox(rows)

    def _collect(self) -> QuoteCoding:
        return QuoteCoding(
            codes={
                quote_id: QuoteCode(
                    themes=[t for t, b in buttons.items() if b.value],
                    use_in_report=self.report_boxes[quote_id].value,
                )
                for quote_id, buttons in self.theme_buttons.items()
            }
        )


def codebook(quotes: pd.DataFrame, path: str | Path = DEFAULT_FILENAME) -> CodebookForm:
    """The codebook widget for ``quotes``, saving to ``path`` under the key "quote_coding"."""
    return CodebookForm(quotes, path)
