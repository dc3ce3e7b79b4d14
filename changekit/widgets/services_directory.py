"""Your own services directory: the form, and its export as a web page and a Word file.

Case study 1's trainees built a directory of community child-health services
so that GP referrals went to the right place first time; each trainee leaves
the course with one for their own patch. The form lists the services (what
each accepts and does not, the ages, how to refer, the contact route and the
concerns it takes), saves to the answer store under "services_directory" like
every form, and **Export** writes the same kind of page case study 1 builds
(``changekit.directory.build_directory_html``) and a Word version of it
(``changekit.report.write_docx``), with links to both.

Controls for tests: ``area`` (``Text``), ``services`` (``Rows``: ``add()``,
``rows[i].service``, ``.accepts``, ``.does_not_accept``, ``.age_range``,
``.how_to_refer``, ``.contact_route``, ``.concerns``), ``export_button``,
``links`` (an ``Output`` showing links to the exported files: an output, not a widget's
HTML, so that JupyterLab opens them from beside the notebook).
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from changekit.answer_models import DIRECTORY_FIELDS, DirectoryEntry, ServicesDirectory
from changekit.answers import DEFAULT_FILENAME, AnswerStore
from changekit.directory import DETAILS, write_directory
from changekit.errors import DataError
from changekit.governance import check_free_text
from changekit.report import Document, Heading, Table, Text, write_docx
from changekit.widgets.form import Form, Row, Rows, button, note, text, textarea

KEY = "services_directory"
STEM = "output_services_directory"
"""File name (without extension) of the exported page and Word file."""


# ------------------------------------------------------------------ export


def directory_title(answer: ServicesDirectory) -> str:
    """The page's title: "Child health services in Brent: where to refer"."""
    area = answer.area.strip()
    return (
        f"Child health services in {area}: where to refer"
        if area
        else "Child health services: where to refer"
    )


def directory_table(answer: ServicesDirectory) -> pd.DataFrame:
    """The named services as the table ``changekit.directory`` builds its page from (one row each)."""
    rows = [
        {
            "service": entry.service.strip(),
            **{column: getattr(entry, column).strip() for column, _label in DETAILS},
            "reasons": "; ".join(entry.concern_list()),
        }
        for entry in answer.named()
    ]
    if not rows:
        raise DataError(
            "There is nothing to export yet: give at least one service a name in the services directory form."
        )
    return pd.DataFrame(rows)


def directory_document(answer: ServicesDirectory) -> Document:
    """The directory as a Word document: the concern index, then one table row per service."""
    index = answer.index()
    services = [
        [
            entry.service.strip(),
            *(getattr(entry, column).strip() or "Not stated" for column, _ in DETAILS),
        ]
        for entry in answer.named()
    ]
    return Document(
        directory_title(answer),
        [
            Heading("If your concern is ... refer to ..."),
            Table(
                ("If your concern is", "refer to"),
                [[c, "\n".join(names)] for c, names in index.items()],
            )
            if index
            else Text("No concerns listed yet."),
            Heading("Services"),
            Table(("Service", *(label for _, label in DETAILS)), services),
            Text(
                "Check an entry with the service if it may be out of date; review every entry regularly."
            ),
        ],
    )


def export_services_directory(
    store: str | Path | AnswerStore = DEFAULT_FILENAME, out_dir: str | Path | None = None
) -> tuple[Path, Path]:
    """Write ``output_services_directory.html`` and ``.docx`` from the saved directory; return both paths.

    ``out_dir`` defaults to the answers file's folder. What is exported is what
    the answers file holds (checked again for patient identifiers).
    """
    store = store if isinstance(store, AnswerStore) else AnswerStore(store)
    answer = store.load(KEY, ServicesDirectory)
    check_free_text(answer.model_dump(mode="json"), form=answer.title)
    folder = Path(out_dir) if out_dir is not None else store.path.parent
    folder.mkdir(parents=True, exist_ok=True)
    page = write_directory(
        directory_table(answer), folder / f"{STEM}.html", title=directory_title(answer)
    )
    word = write_docx(directory_document(answer), folder / f"{STEM}.docx")
    return page, word


# -------------------------------------------------------------------- form


class ServiceRow(Row[DirectoryEntry]):
    """One service: name, what it accepts and does not, ages, how to refer, contact, concerns."""

    noun = "service"

    def __init__(self, item: DirectoryEntry | None):
        super().__init__()
        item = item or DirectoryEntry()
        self.service = text("Service", item.service, placeholder="e.g. Speech and language therapy")
        self.accepts = textarea(
            "Accepts",
            item.accepts,
            rows=2,
            placeholder="e.g. children with speech, language or swallowing difficulties",
        )
        self.does_not_accept = textarea(
            "Does not accept",
            item.does_not_accept,
            rows=2,
            placeholder="e.g. stammering in adults; behaviour alone (refer to early help)",
        )
        self.age_range = text("Ages", item.age_range, placeholder="e.g. 0-18 years")
        self.how_to_refer = textarea(
            "How to refer",
            item.how_to_refer,
            rows=2,
            placeholder="e.g. e-Referral Service, or the referral form on the trust's website",
        )
        self.contact_route = text(
            "Contact",
            item.contact_route,
            placeholder="e.g. the team's duty line or generic email (no patient details)",
        )
        self.concerns = text(
            "Concerns it takes",
            item.concerns,
            placeholder="separated by ';', e.g. speech and language delay; feeding and growth",
            tooltip="The concerns a GP might start from; they make the page's index",
        )
        self.controls = [
            self.service,
            self.accepts,
            self.does_not_accept,
            self.age_range,
            self.how_to_refer,
            self.contact_route,
            self.concerns,
        ]

    def read(self) -> DirectoryEntry:
        return DirectoryEntry(**{field: getattr(self, field).value for field in DIRECTORY_FIELDS})


class ServicesDirectoryForm(Form[ServicesDirectory]):
    """The services in your own patch, exported as a directory page and a Word file."""

    key = KEY
    model = ServicesDirectory
    intro = (
        "<p>List the services a GP in your patch can refer a child to: for each, what it "
        "accepts and what it does not, the ages it sees, how to refer and how to contact it, "
        "and the concerns it takes (these make the page's index). Check each entry with the "
        "service. Give a team's phone line, email or inbox, never a person's details; the "
        "form will not save a full postcode, so leave addresses out.</p>"
    )

    def _build(self, answer: ServicesDirectory) -> widgets.Widget:
        self.area = text("Your patch", answer.area, placeholder="e.g. Brent, children 0-18")
        self._watch(self.area)
        self.services = Rows(
            ServiceRow, answer.services, add_label="Add a service", on_change=self._changed
        )
        self.export_button = button(
            "Export the directory",
            "Write the directory as a web page and a Word file",
            icon="download",
        )
        self.export_button.on_click(lambda _: self.export())
        self.links = widgets.Output()
        return widgets.VBox([self.area, self.services.widget, self.export_button, self.links])

    def _collect(self) -> ServicesDirectory:
        return ServicesDirectory(area=self.area.value, services=self.services.read())

    def export(self) -> tuple[Path, Path] | None:
        """Save, then write the page and the Word file beside the answers file; show links to both."""
        if not self.save():
            self._show_links(
                note("Not exported: the form could not be saved (see the message above).", "error"),
                "Not exported.",
            )
            return None
        try:
            paths = export_services_directory(self.store)
        except DataError as error:
            self._show_links(note(str(error), "error"), str(error))
            return None
        except OSError as error:
            problem = f"The directory could not be written ({error.strerror or error})."
            self._show_links(note(problem, "error"), problem)
            return None
        self._show_links(
            _links(paths, self.missing()), "Exported: " + ", ".join(p.name for p in paths)
        )
        return paths

    def _show_links(self, markup: str, plain: str) -> None:
        """Show ``markup`` under the export button, as a notebook output (its links resolve there)."""
        self.links.outputs = (
            {
                "output_type": "display_data",
                "data": {"text/html": markup, "text/plain": plain},
                "metadata": {},
            },
        )


def _links(paths: tuple[Path, Path], todo: list[str]) -> str:
    """Links to the exported files (relative to the notebook's folder), and a reminder if unfinished."""
    items = "".join(
        f'<li><a href="{html.escape(_relative(path))}" target="_blank" rel="noopener">'
        f"{html.escape(path.name)}</a> ({what})</li>"
        for path, what in zip(
            paths, ("web page: open it, then print or save it", "Word"), strict=True
        )
    )
    reminder = (
        f"<p>Still to do before you share it: {len(todo)} item(s), listed under the form.</p>"
        if todo
        else ""
    )
    return f'<div role="status"><p>Exported:</p><ul>{items}</ul>{reminder}</div>'


def _relative(path: Path) -> str:
    """``path`` relative to the working folder where it is inside it (links open beside the notebook)."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def services_directory(path: str | Path = DEFAULT_FILENAME) -> ServicesDirectoryForm:
    """The services-directory form, saving to ``path`` under the key "services_directory"."""
    return ServicesDirectoryForm(path)
