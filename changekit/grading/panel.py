"""The tutor dashboard's control panel: a marking round's bulk steps as buttons, per assignment.

``control_panel()`` (one line in ``notebooks/tutor_dashboard.ipynb``) shows an
assignment dropdown and a button per step, each running the same code as the
command line:

- **Collect**: ``nbgrader collect A`` (the course's collector, late policy included);
- **Autograde all** and **Regrade all**: ``changekit grade A`` (the parallel grader),
  with a progress bar and a table of outcomes; Regrade (``changekit regrade A``)
  first regenerates the assignment after a fixed test (``changekit.grading.recovery.regrade_all``);
- **Generate and release feedback**: ``changekit feedback A``, refused while answers
  are not yet marked unless the tutor ticks the box;
- **Export**: ``changekit export --assignment A``, with links to the files;
- **Grant extension**: ``changekit extend A TRAINEE``, showing the new due date;
- **Add e-mailed submission**: ``changekit add-submission A TRAINEE FILE --sent TIME``
  (``changekit.grading.recovery.add_emailed_submission``).

Each button is disabled while any step runs; the result is plain words in a
status line (``role="status"``), never a traceback: the course's own errors
show their message, anything else a short note (the details go to the log).
"""

from __future__ import annotations

import html
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from changekit.course import CourseError, assignments, nbgrader
from changekit.errors import DataError
from changekit.grading.commands import extension_granted
from changekit.grading.deadlines import london_text
from changekit.grading.export import export
from changekit.grading.feedback import release_feedback, unmarked_warning
from changekit.grading.gradebook import course_settings
from changekit.grading.parallel import (
    FAILED,
    GradingError,
    Outcome,
    Report,
    grade_assignment,
    submitted_students,
)
from changekit.grading.recovery import add_emailed_submission, parse_london_time, regrade_all
from changekit.settings import settings_for

LOG = logging.getLogger(__name__)
#: Errors whose message is written for the tutor: shown as they are.
PLAIN_ERRORS = (CourseError, DataError, GradingError, ValueError)
#: A Python traceback inside an nbgrader command's output: left out of what the tutor reads.
_TRACEBACK = re.compile(r"^Traceback \(most recent call last\):\n(?:[ \t].*\n?)*", re.MULTILINE)
#: nbgrader's log lines naming a collected submission.
_COLLECTED = re.compile(r"(?:Collecting|Updating) submission: (\S+)")

Action = Callable[[], str]


def plain(error: BaseException) -> str:
    """An error's message with any traceback in it left out, at most 20 lines."""
    lines = _TRACEBACK.sub("", str(error)).strip().splitlines()
    return "\n".join(lines[:20] + (["..."] if len(lines) > 20 else []))


def paragraph(text: str) -> str:
    """Plain text as escaped HTML paragraphs (a blank line starts a new one)."""
    return "".join(
        f"<p>{html.escape(part).replace(chr(10), '<br>')}</p>"
        for part in text.split("\n\n")
        if part
    )


class ControlPanel:
    """The widgets and what each button does, for the course in ``root`` (default: this course)."""

    def __init__(
        self, root: Path | None = None, env: dict[str, str] | None = None, jobs: int | None = None
    ) -> None:
        self.settings = course_settings(root, env)
        self.root, self.env, self.jobs = self.settings.root, env, jobs
        layout = {"description_width": "initial"}
        self.assignment = widgets.Dropdown(
            options=assignments(self.root), description="Assignment", style=layout
        )
        self.collect_button = self._button(
            "Collect",
            "Collect every trainee's submission from the exchange "
            "(their last before their due date, else their last)",
        )
        self.grade_button = self._button(
            "Autograde all", "Autograde every collected submission not yet graded"
        )
        self.regrade_button = self._button(
            "Regrade all",
            "After fixing a test in source/: regenerate the "
            "assignment and autograde every submission again (your marks are kept)",
        )
        self.confirm_unmarked = widgets.Checkbox(
            description="Release even though some answers are not yet marked", indent=False
        )
        self.feedback_button = self._button(
            "Generate and release feedback", "Generate feedback and release it to the trainees"
        )
        self.export_button = self._button(
            "Export", "Write the grades of this assignment as CSV files"
        )
        self.trainee = widgets.Dropdown(
            options=self._trainees(), description="Trainee", style=layout
        )
        self.days = widgets.BoundedIntText(
            value=0, min=0, max=365, description="Days", style=layout
        )
        self.hours = widgets.BoundedIntText(
            value=0, min=0, max=24 * 365, description="Hours", style=layout
        )
        self.extend_button = self._button(
            "Grant extension",
            "Give this trainee their own due date (0 days and 0 hours removes an extension)",
        )
        self.upload = widgets.FileUpload(
            accept=".ipynb,.zip", multiple=False, description="E-mailed file"
        )
        self.emailed_by = widgets.Combobox(
            options=self._trainees(),
            ensure_option=False,
            description="Trainee's username",
            style=layout,
        )
        self.sent_at = widgets.Text(
            description="Sent (London time)", placeholder="2027-01-15 17:05", style=layout
        )
        self.add_button = self._button(
            "Add e-mailed submission",
            "Put the e-mailed file in the exchange, dated when it was sent, and collect it",
        )
        self.progress = widgets.IntProgress(
            value=0, min=0, max=1, description="Graded", style=layout
        )
        self.status = widgets.HTML(self._status(""))
        self.results = widgets.Output()
        self.buttons = [
            self.collect_button,
            self.grade_button,
            self.regrade_button,
            self.feedback_button,
            self.export_button,
            self.extend_button,
            self.add_button,
        ]
        self.collect_button.on_click(lambda _: self.run("Collecting", self.collect))
        self.grade_button.on_click(lambda _: self.run("Autograding", self.autograde))
        self.regrade_button.on_click(lambda _: self.run("Regenerating and regrading", self.regrade))
        self.feedback_button.on_click(lambda _: self.run("Generating feedback", self.feedback))
        self.export_button.on_click(lambda _: self.run("Exporting", self.export))
        self.extend_button.on_click(lambda _: self.run("Granting the extension", self.extend))
        self.add_button.on_click(
            lambda _: self.run("Adding the e-mailed submission", self.add_emailed)
        )
        self.widget = self._layout()

    @staticmethod
    def _button(text: str, tooltip: str) -> widgets.Button:
        return widgets.Button(description=text, tooltip=tooltip, layout={"width": "auto"})

    @staticmethod
    def _status(inner: str) -> str:
        return f'<div role="status" aria-live="polite">{inner}</div>'

    def _layout(self) -> widgets.VBox:
        heading = widgets.HTML
        return widgets.VBox(
            [
                self.assignment,
                heading("<h3>Marking round</h3>"),
                widgets.HBox(
                    [
                        self.collect_button,
                        self.grade_button,
                        self.regrade_button,
                        self.export_button,
                    ]
                ),
                widgets.HBox([self.feedback_button, self.confirm_unmarked]),
                self.progress,
                heading("<h3>Extension for one trainee</h3>"),
                widgets.HBox([self.trainee, self.days, self.hours, self.extend_button]),
                heading("<h3>A submission that came by e-mail</h3>"),
                widgets.HBox([self.upload, self.emailed_by, self.sent_at, self.add_button]),
                self.status,
                self.results,
            ]
        )

    def _trainees(self) -> list[str]:
        """Every trainee in the gradebook (none before anything is released)."""
        if not self.settings.has_gradebook:
            return []
        with self.settings.gradebook() as gradebook:
            return sorted(student.id for student in gradebook.students)

    def _refresh_trainees(self) -> None:
        trainees = self._trainees()
        if list(self.trainee.options) != trainees:
            chosen = self.trainee.value
            self.trainee.options = trainees
            self.trainee.value = (
                chosen if chosen in trainees else (trainees[0] if trainees else None)
            )
        self.emailed_by.options = trainees

    def show_html(self, content: str) -> None:
        """Put HTML (a table, links) under the status line, replacing what was there."""
        self.results.outputs = (
            {
                "output_type": "display_data",
                "metadata": {},
                "data": {"text/html": content, "text/plain": re.sub(r"<[^>]+>", " ", content)},
            },
        )

    def run(self, doing: str, action: Action) -> None:
        """Run one step with every button disabled; show its result or its error in plain words."""
        for button in self.buttons:
            button.disabled = True
        self.results.outputs = ()
        self.status.value = self._status(paragraph(f"{doing} ({self.assignment.value})..."))
        try:
            message = action()
        except PLAIN_ERRORS as error:
            message = paragraph(plain(error))
        except Exception as error:  # anything else: a short message here, the details in the log
            LOG.exception("%s failed", doing)
            message = paragraph(
                f"{doing} stopped because of an unexpected problem ({type(error).__name__}). "
                "Nothing more is shown here; the details are in the Jupyter server's log. "
                "Try again, and tell the course admin if it happens again."
            )
        finally:
            for button in self.buttons:
                button.disabled = False
        try:
            self._refresh_trainees()
        except Exception:  # the step's own result matters more than a fresher list of trainees
            LOG.exception("could not read the trainees from the gradebook")
        self.status.value = self._status(message)

    # The steps: each returns the HTML of its result, or raises one of PLAIN_ERRORS.

    def collect(self) -> str:
        """``nbgrader collect A``, as on the command line."""
        assignment = self.assignment.value
        output = nbgrader("collect", assignment, cwd=self.root, env=self.env)
        new = sorted(set(_COLLECTED.findall(output)))
        held = submitted_students(self.settings, assignment)
        if not new:
            return paragraph(
                f"Nothing new to collect for {assignment}. {len(held)} trainee"
                f"{'s have' if len(held) != 1 else ' has'} a collected submission."
            )
        return paragraph(
            f"Collected {len(new)} new or changed submission{'s' if len(new) != 1 else ''} of "
            f"{assignment}: {', '.join(new)}. {len(held)} trainee"
            f"{'s have' if len(held) != 1 else ' has'} a collected submission in all. "
            "Next: Autograde all."
        )

    def _on_result(self, outcome: Outcome, done: int, total: int) -> None:
        self.progress.max = total
        self.progress.value = done

    def _report(self, report: Report, intro: str = "") -> str:
        """A grading report as a summary line and the per-trainee table."""
        self.show_html(pd.DataFrame(report.rows()).to_html(index=False, escape=True, border=0))
        failed = report.count(FAILED)
        return paragraph(
            (f"{report.warning}\n\n" if report.warning else "")
            + intro
            + f"{report.assignment}: {report.count('graded')} graded now, {report.count('already graded')} "
            f"already graded, {failed} failed, in {report.wall_seconds:.0f} s."
            + (" The table below says why each failed one could not be graded." if failed else "")
        )

    def autograde(self) -> str:
        """``changekit grade A``: every collected submission not yet graded, in parallel."""
        self.progress.value = 0
        report = grade_assignment(
            self.assignment.value,
            root=self.root,
            env=self.env,
            jobs=self.jobs,
            progress=False,
            on_result=self._on_result,
        )
        self.progress.value = self.progress.max
        return self._report(report)

    def regrade(self) -> str:
        """Regenerate the assignment and autograde every submission again, keeping marks given."""
        self.progress.value = 0
        done = regrade_all(
            self.assignment.value,
            root=self.root,
            env=self.env,
            jobs=self.jobs,
            on_result=self._on_result,
        )
        review = "".join(f"\n- {trainee}: {grade_id}" for trainee, grade_id in done.to_review)
        return self._report(
            done.report,
            (
                f"Regenerated from source/ and regraded every submission. {done.marks_kept} written "
                "answer mark(s) you had given are kept as marked."
                + (
                    f" Test scores you had overridden stay yours but need a look (the test changed):{review}"
                    if review
                    else ""
                )
                + "\n\n"
            ),
        )

    def feedback(self) -> str:
        """``changekit feedback A``; refused while answers are unmarked unless the box is ticked."""
        assignment = self.assignment.value
        warning = unmarked_warning(assignment, root=self.root, env=self.env)
        if warning and not self.confirm_unmarked.value:
            return paragraph(
                f"Feedback not released. {warning}\n\nTo release it to everyone now, with "
                "'not yet marked' beside those answers, tick the box and press the button again."
            )
        done = release_feedback(assignment, include_unmarked=True, root=self.root, env=self.env)
        self.confirm_unmarked.value = False  # asked again next time
        return paragraph(
            f"Feedback on {assignment} released to {len(done.released)} of {len(done.trainees)} "
            f"trainees: {', '.join(done.released)}."
            + (" Some answers in it show as 'not yet marked'." if warning else "")
        )

    def export(self) -> str:
        """``changekit export --assignment A``, with links to the two files."""
        assignment = self.assignment.value
        out = self.settings.state / "exports" / f"{assignment}.csv"
        written = export(out, assignment=assignment, root=self.root, env=self.env)
        links = "".join(
            f'<li><a href="{html.escape(os.path.relpath(path))}" target="_blank" rel="noopener">'
            f"{html.escape(label)}</a> ({html.escape(str(path))})</li>"
            for label, path in (
                ("One row per trainee", written.by_trainee),
                ("Per question, small numbers suppressed", written.by_question),
            )
        )
        self.show_html(f"<ul>{links}</ul>")
        return paragraph(
            f"Exported {assignment}: {written.trainees} trainees and {written.questions} "
            "questions. Share only the per-question file outside the teaching team."
        )

    def extend(self) -> str:
        """``changekit extend A TRAINEE``: the trainee's own due date, shown in London time."""
        assignment, trainee = self.assignment.value, self.trainee.value
        if not trainee:
            return paragraph(
                "Choose a trainee first. Trainees are listed once they are in the gradebook: "
                "after their first submission is graded, or once added in the formgrader's "
                "Manage Students."
            )
        return paragraph(
            extension_granted(
                settings_for(self.root, self.env),
                assignment,
                trainee,
                days=self.days.value,
                hours=self.hours.value,
            )
        )

    def add_emailed(self) -> str:
        """Put the uploaded file into the exchange, dated when it was sent, and collect it."""
        if not self.upload.value:
            return paragraph(
                "Choose the e-mailed file first (a .ipynb notebook or a .zip of the assignment folder)."
            )
        upload = self.upload.value[0]
        sent = parse_london_time(self.sent_at.value)
        done = add_emailed_submission(
            self.assignment.value,
            self.emailed_by.value.strip(),
            upload["name"],
            bytes(upload["content"]),
            sent,
            root=self.root,
            env=self.env,
        )
        self.upload.value = ()
        which = (
            "It is the submission that counts under the late policy. Next: Autograde all."
            if done.counts
            else "It is not the one that counts under the late policy: another of this trainee's "
            "submissions (their last before the due date, or a later one) stays collected."
        )
        return paragraph(
            f"Added the e-mailed submission of {self.assignment.value}, sent "
            f"{london_text(sent)}, and collected it. {which}"
        )


def control_panel(root: Path | None = None, env: dict[str, str] | None = None) -> widgets.VBox:
    """The control panel for the course in ``root`` (default: this course), ready to display."""
    return ControlPanel(root, env).widget
