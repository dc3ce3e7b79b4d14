"""nbgrader configuration for the PICH leadership course.

Defaults keep everything for a one-machine course under the ignored ``var/``
folder. A real hub overrides them through the environment:

- ``CHANGEKIT_COURSE_ID``   course id (default ``pich-leadership``)
- ``CHANGEKIT_STATE_DIR``   folder for the gradebook and exchange (default ``var/``)
- ``CHANGEKIT_DB_URL``      gradebook URL (default SQLite in the state folder)
- ``CHANGEKIT_EXCHANGE``    exchange root (default ``<state>/exchange``)
- ``CHANGEKIT_CELL_TIMEOUT`` seconds a single cell may run when grading (default 60)
- ``CHANGEKIT_SHARED_ACCOUNT`` set (to anything) where one OS account runs every
  trainee's server (the local hub, tests): collecting then does not insist that
  a submission is owned by the trainee it names
- ``CHANGEKIT_UNSANDBOXED_GRADING`` set to 1 only to autograde without the
  sandbox (trusted submissions only; it logs a warning for every notebook)
- ``CHANGEKIT_TRAINEE_DIR`` where "fetch" puts a trainee's assignments when one
  person plays trainee and tutor on this machine (default ``<state>/trainee``)
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

HERE = Path(__file__).resolve().parent
STATE = Path(os.environ.get("CHANGEKIT_STATE_DIR", HERE / "var")).resolve()
STATE.mkdir(parents=True, exist_ok=True)

# The course
c.CourseDirectory.course_id = os.environ.get("CHANGEKIT_COURSE_ID", "pich-leadership")
c.CourseDirectory.root = str(HERE)
c.CourseDirectory.db_url = os.environ.get("CHANGEKIT_DB_URL", f"sqlite:///{STATE / 'gradebook.db'}")
# Files a notebook writes while it runs (the referral directory page and the
# like) are regenerated on every run, and the answer store's lock file means
# nothing once its kernel has gone, so neither is copied between folders.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "output_*", ".*.lock"]

# The exchange: a shared folder on one machine (ngshare replaces it on Kubernetes).
c.Exchange.root = os.environ.get("CHANGEKIT_EXCHANGE", str(STATE / "exchange"))
c.Exchange.path_includes_course = True
TRAINEE = Path(os.environ.get("CHANGEKIT_TRAINEE_DIR", STATE / "trainee"))
TRAINEE.mkdir(parents=True, exist_ok=True)
c.Exchange.assignment_dir = str(TRAINEE)
if os.environ.get("CHANGEKIT_SHARED_ACCOUNT"):
    c.ExchangeCollect.check_owner = False

# Grading: a runaway cell scores zero for that task and grading goes on.
c.Execute.timeout = int(os.environ.get("CHANGEKIT_CELL_TIMEOUT", "60"))
c.Execute.interrupt_on_timeout = True
# Every kernel that autogrades a submission (the formgrader's button, `nbgrader
# autograde`, `changekit grade`) runs in a bubblewrap sandbox: see
# changekit/grading/sandbox.py. Limits: c.SandboxedKernelManager.memory_mb etc.
from changekit.grading.sandbox import sandboxed_autograde_steps  # noqa: E402

c.Autograde.autograde_preprocessors = sandboxed_autograde_steps()
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
