"""A form that writes the ``read_referrals(...)`` line for a trainee's own extract, without code.

It shows the file's column names, lets the trainee say which is which (and
what each of their outcome words means), previews the first rows, and writes
the line to paste into the notebook. **Check** reads the whole file with that
line and says how many referrals it found, or what to fix.
"""

from __future__ import annotations

import html
import tempfile
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from changekit.data import DataError, checked_cells, name_key
from changekit.referrals import OUTCOMES, REFERRALS, outcome_key, read_referrals, referrals_call
from changekit.sample_data import referrals as sample_referrals
from changekit.widgets.form import LABEL_STYLE, WIDE, button, heading, note

NOT_IN_FILE = "(not in my file)"
PREVIEW_ROWS = 5
#: What each of the course's columns holds, shown beside its drop-down.
MEANINGS = {
    "referral_id": "a reference for each referral (not an NHS number)",
    "referral_date": "the date the referral was received",
    "practice_code": "the referring GP practice",
    "age_months": "the child's age in whole months",
    "reason": "the main reason for referral (your own categories are fine)",
    "outcome": "accepted, or redirected (turned away, signposted)",
    "redirected_to": "where a redirected referral was sent (may be empty)",
    "decision_days": "days from receipt to the triage decision",
}


#: A made-up clinical system's own names for the course's columns, for the practice extract.
PRACTICE_NAMES = {
    "referral_id": "Ref",
    "referral_date": "Date received",
    "practice_code": "Referring practice",
    "age_months": "Age in months",
    "reason": "Presenting concern",
    "outcome": "Triage outcome",
    "redirected_to": "Signposted to",
    "decision_days": "Days to triage",
}
#: ... and its outcome words.
PRACTICE_OUTCOMES = {"accepted": "Accepted", "redirected": "Rejected - signposted"}
PRACTICE_FILE = "practice_extract.csv"


def practice_extract(folder: str | Path | None = None, rows: int = 200) -> Path:
    """A made-up extract to try the form on, written to ``folder`` (a new temporary one by default).

    The first ``rows`` of the course's synthetic referrals (from their seeded
    generator, so no course folder is needed), as a clinical system might
    export them: its own column names (``PRACTICE_NAMES``), UK dates
    (13/03/2025) and its own outcome words (``PRACTICE_OUTCOMES``).
    """
    table = sample_referrals.generate()["referrals.csv"].head(rows)
    table["referral_date"] = pd.to_datetime(table["referral_date"]).dt.strftime("%d/%m/%Y")
    table["outcome"] = table["outcome"].map(PRACTICE_OUTCOMES)
    out = (
        Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix="changekit-practice-"))
    )
    path = out / PRACTICE_FILE
    table.rename(columns=PRACTICE_NAMES).to_csv(path, index=False, encoding="utf-8")
    return path


class ColumnMapping:
    """The form: one drop-down per course column, one per outcome word, a preview and the line to paste."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        self.cells = checked_cells(self.path)
        self.headers = list(self.cells.columns)
        self.columns = {name: self._column_choice(name) for name in REFERRALS.names}
        self.outcome_box = widgets.VBox()
        self.outcome_choices: dict[str, widgets.Dropdown] = {}
        self.code = widgets.Textarea(
            description="Paste this line", style=LABEL_STYLE, layout=WIDE, rows=4, disabled=True
        )
        self.check_button = button(
            "Check", "Read the whole file with this line and say what it found"
        )
        self.result = widgets.HTML()
        for dropdown in self.columns.values():
            dropdown.observe(self._changed, names="value")
        self.check_button.on_click(lambda _: self.check())
        self.widget = widgets.VBox(
            [
                heading(f"Your file: {self.path.name}"),
                widgets.HTML(self._preview_table()),
                heading("Which of your columns is which?"),
                *(
                    widgets.HBox([d, widgets.HTML(html.escape(MEANINGS[n]))])
                    for n, d in self.columns.items()
                ),
                heading("What do your outcome words mean?"),
                self.outcome_box,
                self.code,
                self.check_button,
                self.result,
            ]
        )
        self._changed()

    def _column_choice(self, name: str) -> widgets.Dropdown:
        """A drop-down of the file's headers for one course column, preset where the names match."""
        same = [h for h in self.headers if name_key(h) == name_key(name)]
        return widgets.Dropdown(
            options=[NOT_IN_FILE, *self.headers],
            value=same[0] if same else NOT_IN_FILE,
            description=name,
            style=LABEL_STYLE,
        )

    def _preview_table(self) -> str:
        """The first rows as an HTML table (escaped), with a caption saying what it is."""
        table = self.cells.head(PREVIEW_ROWS).to_html(index=False, escape=True, border=0)
        return table.replace("<table", '<table aria-label="The first rows of your file"', 1)

    def _outcome_words(self) -> list[str]:
        """The distinct words of the chosen outcome column that need a meaning (none until one is chosen)."""
        column = self.columns["outcome"].value
        if column == NOT_IN_FILE:
            return []
        words = self.cells[column]
        return list(dict.fromkeys(w for w in words if w and outcome_key(w) not in OUTCOMES))

    def _changed(self, _change: object = None) -> None:
        """Rebuild the outcome drop-downs for the chosen outcome column, then the line to paste."""
        words = self._outcome_words()
        if list(self.outcome_choices) != words:
            self.outcome_choices = {
                word: widgets.Dropdown(
                    options=["(choose)", *OUTCOMES],
                    value="(choose)",
                    description=word,
                    style=LABEL_STYLE,
                )
                for word in words
            }
            for dropdown in self.outcome_choices.values():
                dropdown.observe(self._write_line, names="value")
            self.outcome_box.children = list(self.outcome_choices.values()) or [
                widgets.HTML(
                    "Nothing to map: choose your outcome column above (words already 'accepted' or "
                    "'redirected' need no mapping)."
                )
            ]
        self._write_line()

    @property
    def mapping(self) -> dict[str, str]:
        """{your column: course column} for every course column given a different name in the file."""
        return {
            d.value: name for name, d in self.columns.items() if d.value not in (NOT_IN_FILE, name)
        }

    @property
    def outcomes(self) -> dict[str, str]:
        """{your word: 'accepted' or 'redirected'} for every word chosen so far."""
        return {word: d.value for word, d in self.outcome_choices.items() if d.value in OUTCOMES}

    def _write_line(self, _change: object = None) -> None:
        self.code.value = referrals_call(self.path, self.mapping, self.outcomes)

    def check(self) -> pd.DataFrame | None:
        """Read the whole file with the current choices; show the count or the problem, and return the table."""
        try:
            table = read_referrals(self.path, columns=self.mapping, outcomes=self.outcomes)
        except DataError as error:
            self.result.value = note(str(error), "error")
            return None
        self.result.value = note(
            f"Read {len(table):,} referrals from {self.path.name}. Paste the line above into "
            "the next code cell and run it."
        )
        return table

    def _repr_mimebundle_(self, **kwargs: object) -> dict | None:
        return self.widget._repr_mimebundle_(**kwargs)


def column_mapping(path: str | Path) -> ColumnMapping:
    """Show the column-mapping form for your own referral extract at ``path`` (CSV or Excel)."""
    return ColumnMapping(path)
