"""nbgrader configuration for the PICH leadership course.

Every path and id comes from ``changekit.settings.settings_from`` (the one
place they are worked out; its docstring lists the ``CHANGEKIT_*``
environment variables a real hub sets). By default everything a one-machine
course writes lives under the ignored ``var/`` folder beside this file.

Grading runs in a sandbox; ``CHANGEKIT_UNSANDBOXED_GRADING=1`` grades without it
(trusted submissions only; it logs a warning for every notebook).
"""

import os
from pathlib import Path

from nbconvert.preprocessors import TagRemovePreprocessor
from nbgrader.converters import GenerateAssignment

from changekit.grading import feedback
from changekit.settings import settings_from

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

HERE = Path(__file__).resolve().parent
SETTINGS = settings_from({**os.environ, "CHANGEKIT_COURSE_ROOT": str(HERE)}, HERE)
SETTINGS.state.mkdir(parents=True, exist_ok=True)

# The course
c.CourseDirectory.course_id = SETTINGS.course_id
c.CourseDirectory.root = str(SETTINGS.root)
c.CourseDirectory.db_url = SETTINGS.db_url
# Files a notebook writes while it runs (the referral directory page and the
# like) are regenerated on every run, and the answer store's lock file means
# nothing once its kernel has gone, so neither is copied between folders.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "output_*", ".*.lock"]

# The exchange: a shared folder on one machine (ngshare replaces it on Kubernetes).
c.Exchange.root = str(SETTINGS.exchange)
c.Exchange.path_includes_course = True
SETTINGS.trainee_dir.mkdir(parents=True, exist_ok=True)
c.Exchange.assignment_dir = str(SETTINGS.trainee_dir)
if SETTINGS.shared_account:
    c.ExchangeCollect.check_owner = False

# Grading: a runaway cell scores zero for that task and grading goes on.
c.Execute.timeout = SETTINGS.cell_timeout
c.Execute.interrupt_on_timeout = True
# Every kernel that autogrades a submission (the formgrader's button, `nbgrader
# autograde`, `changekit grade`) runs in a bubblewrap sandbox: see
# changekit/grading/sandbox.py. Limits: c.SandboxedKernelManager.memory_mb etc.
from changekit.grading.sandbox import sandboxed_autograde_steps  # noqa: E402

c.Autograde.autograde_preprocessors = sandboxed_autograde_steps()
# A trainee who deletes a graded cell gets it back, graded, rather than a silent zero.
c.OverwriteCells.add_missing_cells = True
c.Autograde.create_student = True

# Model answers live only in a source notebook's cell tagged "model-answers"
# (never in a file: generate_assignment copies every file of source/<a>/).
# Generating the trainees' version drops that cell before anything else, so the
# formgrader's Generate, `nbgrader generate_assignment` and `changekit release`
# all give the same release, with no model answer in it.
c.GenerateAssignment.preprocessors = [
    TagRemovePreprocessor,
    *GenerateAssignment.class_traits()["preprocessors"].default(),
]
c.TagRemovePreprocessor.remove_cell_tags = ["model-answers"]
c.TagRemovePreprocessor.enabled = True

# Deadlines: calendar.toml gives each assignment's due date in London time. Generating
# states it under the notebook's title; collecting (the formgrader's Collect button and
# `nbgrader collect` alike) takes each trainee's last submission at or before their own
# due date (the calendar's plus any extension), else their last, and writes the due date
# into the gradebook so autograde reports lateness. Late work is flagged, not penalised.
c.GenerateAssignment.preprocessors.append("changekit.grading.preprocessors.StateDueDate")
c.StateDueDate.calendar = str(SETTINGS.root / "calendar.toml")
# With ngshare (Kubernetes) the exchange is ngshare's: its collector takes each trainee's
# last submission; lateness against due dates and extensions is still reported.
if not SETTINGS.ngshare:
    c.ExchangeFactory.collect = "changekit.grading.collect.CollectOnTime"
c.LateSubmissionPlugin.penalty_method = "none"
# Mark schemes (BEGIN/END MARK SCHEME) sit in the locked question cell above a
# written answer, or in a task cell. Generating removes them; autograde restores
# locked cells from the gradebook, so the formgrader shows them above the answer.
c.ClearMarkScheme.enforce_metadata = False

# Feedback shows the trainee's answers and the visible tests, never the hidden
# tests or the mark schemes (feedback can reach one trainee before another submits).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "changekit.grading.preprocessors.FlagUnmarkedAnswers",
    "changekit.grading.preprocessors.TitleGradedCells",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.ClearMarkScheme",
    "changekit.grading.preprocessors.TrimTracebacks",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
# ...on the course's page: each item named for its task, unmarked answers said to be so.
c.GenerateFeedback.exporter_class = feedback.FeedbackExporter
c.FeedbackExporter.template_name = feedback.TEMPLATE_NAME
c.FeedbackExporter.extra_template_basedirs = feedback.template_dirs()

# Trainee HTML is inert in feedback and in the formgrader's submission pages: markdown
# and outputs are cleaned of scripts, event handlers, javascript: links, iframes and
# forms (changekit/grading/inert.py; README, "What is sanitised").
c.HTMLExporter.sanitize_html = True
c.HTMLExporter.filters = {
    "markdown2html": "changekit.grading.inert.InertMarkdown",
    "clean_html": "changekit.grading.inert.inert_output_html",
}

# What trainees see where an answer goes: plain words for clinicians.
c.ClearSolutions.code_stub = {
    "python": (
        "# YOUR CODE HERE: replace these two lines with your answer, then run the cell.\n"
        "raise NotImplementedError(\"Not answered yet: replace these two lines with your code.\")"
    )
}
c.ClearSolutions.text_stub = (
    "YOUR ANSWER HERE: double-click this cell, replace this line with your answer, "
    "then press Shift+Enter."
)
