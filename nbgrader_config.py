"""nbgrader configuration for the PICH leadership course.

Every path and id comes from ``changekit.settings.settings_from`` (the one
place they are worked out; its docstring lists the ``CHANGEKIT_*``
environment variables a real hub sets). By default everything a one-machine
course writes lives under the ignored ``var/`` folder beside this file.
"""

import os
from pathlib import Path

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
# A trainee who deletes a graded cell gets it back, graded, rather than a silent zero.
c.OverwriteCells.add_missing_cells = True
c.Autograde.create_student = True
# Autograde copies every file of source/<assignment> over the submission. A
# trainee's saved widget answers are what is graded, so they must never be
# replaced by the model answers kept in source/.
c.Autograde.exclude_overwriting = {
    folder.name: ["answers.json"] for folder in (HERE / "source").glob("*") if folder.is_dir()
}

# Feedback shows the trainee's answers and the visible tests, never the hidden ones.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "changekit.grading.preprocessors.TrimTracebacks",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

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
