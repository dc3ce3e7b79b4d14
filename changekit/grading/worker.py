"""One long-lived grading process: imports nbgrader once, then autogrades submission after submission.

``changekit grade`` starts one of these per job. Each reads student ids, one
JSON request a line on stdin, grades that student's submission in-process with
nbgrader's own ``Autograde`` converter (configured exactly as ``nbgrader
autograde`` configures it, from the course folder it runs in) and answers with
one JSON line. The cost it saves is nbgrader's start-up, paid once per job
instead of once per submission; the grades are nbgrader's.

Each kernel runs in the grading sandbox (``changekit.grading.sandbox``), as
under stock ``nbgrader autograde`` with the course's config. Two things differ
from stock nbgrader, neither of which changes a grade:

- the submission is graded into a staging folder (``--staging``) and moved into
  ``autograded/`` only when it is complete, so an interrupted run never leaves
  a half-graded copy that looks finished;
- output a cell prints beyond ``--max-output-mb`` is dropped while the cell
  runs (``CappedExecute``), so a trainee's runaway ``print`` cannot fill the
  grader's memory; nbgrader would trim it to 1,000 lines afterwards anyway.

Run as ``python -m changekit.grading.worker ASSIGNMENT`` in the course root.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any, ClassVar, TextIO

import nbformat
from nbformat import NotebookNode
from nbgrader.apps.autogradeapp import AutogradeApp
from nbgrader.converters import Autograde, NbGraderException
from nbgrader.preprocessors import Execute
from sqlalchemy import event
from sqlalchemy.engine import Engine
from traitlets import Integer
from traitlets.config import Config
from traitlets.utils.importstring import import_item

from changekit.grading.sandbox import SandboxedExecute

#: Seconds a gradebook write waits for another job's write to finish.
BUSY_TIMEOUT_SECONDS = 60

#: What the grader says when it cuts a cell's output short.
OUTPUT_CUT = "[changekit grade: output stopped here; this cell printed more than {mb} MB]"

#: How nbgrader's logged errors and warnings map to a reason a tutor can act on
#: (regular expressions; a named group fills the same name in the reason).
REASONS = (
    (r"database is locked", "retry"),
    (
        r"NotJSONError|does not appear to be JSON|JSONDecodeError",
        (
            "the notebook file is not valid JSON (cut short, or edited outside Jupyter): "
            "ask the trainee to submit it again"
        ),
    ),
    (
        r"Cell with id '(?P<cell>[^']*)' exists multiple times",
        (
            "graded cells were altered: the cell '{cell}' appears more than once (copied or pasted), so "
            "nbgrader cannot tell which one to grade and graded nothing. Ask the trainee to fetch a fresh "
            "copy of the assignment, move their answers into it and submit again"
        ),
    ),
    (
        r"Timeout waiting for IOPub output",
        (
            "a cell went on running after its time limit and ignored the request to stop (for example it "
            "blocks interrupts, or starts something that never ends), so its kernel was ended and nothing "
            "was graded: open the submission to find that cell, and ask the trainee to fix it and submit again"
        ),
    ),
    (
        r"DeadKernelError|Kernel died",
        (
            "the trainee's code stopped the Python kernel (e.g. os._exit, a crash in a library, or a sandbox "
            "limit on memory or CPU time), so nothing was graded: open the submission to see which cell, then regrade"
        ),
    ),
    (
        r"UnresponsiveKernelError|kernel became unresponsive",
        "the kernel stopped responding (probably a loop filling the memory): open the submission to see which cell",
    ),
    (r"MemoryError", "the grader ran out of memory on this submission"),
    (
        r"Skipping unknown notebook: (?:.*/)?(?P<name>[^/]+\.ipynb)",
        (
            "the notebook was renamed ('{name}' is not a notebook of this assignment), so nothing was graded: "
            "ask the trainee to give it back its original name (or fetch a fresh copy) and submit again"
        ),
    ),
    (
        r"No notebooks were matched",
        (
            "the submission holds no notebook (deleted, or never uploaded), so nothing was graded: "
            "ask the trainee to submit the assignment again"
        ),
    ),
)


class CappedExecute(SandboxedExecute):
    """nbgrader's ``Execute`` in the sandbox, keeping at most ``max_output_bytes`` of output per cell.

    Everything else, and every output below the cap, is exactly nbgrader's.
    """

    max_output_bytes = Integer(
        10 * 2**20, help="Output kept per cell while it runs; the rest is dropped."
    ).tag(config=True)

    #: Indexes of the cells cut short since the worker last cleared it (one
    #: submission at a time runs in a worker, so a class-wide record is enough).
    cut_cells: ClassVar[list[int]] = []

    _cell = -1
    _kept = 0

    def output(
        self, outs: list[NotebookNode], msg: dict[str, Any], display_id: str | None, cell_index: int
    ) -> NotebookNode | None:
        if cell_index != self._cell:
            self._cell, self._kept = cell_index, 0
        if msg["msg_type"] in {"stream", "display_data", "execute_result"}:
            content = msg["content"]
            size = (
                len(content["text"])
                if "text" in content
                else len(json.dumps(content.get("data", {})))
            )
            if self._kept > self.max_output_bytes:
                return None
            self._kept += size
            if self._kept > self.max_output_bytes:
                self.cut_cells.append(cell_index)
                mb = self.max_output_bytes / 2**20
                note = nbformat.v4.new_output(
                    "stream", name="stderr", text=OUTPUT_CUT.format(mb=f"{mb:g}") + "\n"
                )
                outs.append(note)
                return note
        return super().output(outs, msg, display_id, cell_index)


def wait_for_busy_gradebook() -> None:
    """Make every SQLite connection wait for a busy gradebook instead of failing at once.

    Several jobs write to one SQLite gradebook; each write is short, so waiting
    up to ``BUSY_TIMEOUT_SECONDS`` for the lock is enough.
    """

    @event.listens_for(Engine, "connect")
    def _busy_timeout(connection: Any, _record: Any) -> None:
        if type(connection).__module__.startswith("sqlite3"):
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")


class _Collector(logging.Handler):
    """Keeps the errors and warnings nbgrader logs while one submission is graded."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        (self.errors if record.levelno >= logging.ERROR else self.warnings).append(
            record.getMessage()
        )

    def clear(self) -> None:
        self.errors.clear()
        self.warnings.clear()


def reason_for(errors: list[str], warnings: list[str] = ()) -> str:
    """The plain-English reason a submission failed, from nbgrader's logged errors and warnings.

    A known cause is said in plain words; otherwise the last error line, so
    that something new is at least shown as nbgrader said it.
    """
    text = "\n".join([*errors, *warnings])
    for pattern, reason in REASONS:
        match = re.search(pattern, text)
        if match:
            return reason.format(**match.groupdict())
    lines = [line.strip() for message in errors for line in message.splitlines() if line.strip()]
    named = [line for line in lines if "Error" in line.split(":")[0]]
    return (named or lines or ["nbgrader failed without saying why"])[-1]


def _cells(path: Path) -> list[dict[str, Any]]:
    """A notebook's cells, read as plain JSON: nbformat's validation would cost more than the checks."""
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _locked_sources(cells: list[dict[str, Any]]) -> dict[str, str]:
    """Source of each cell a trainee may not change (tests, instructions), by grade id."""
    sources = {}
    for cell in cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("locked") or (meta.get("grade") and not meta.get("solution")):
            source = cell.get("source", "")
            sources[meta.get("grade_id", "")] = (
                "".join(source) if isinstance(source, list) else source
            )
    return sources


def altered_cells(submitted: Path, released: Path) -> list[str]:
    """Grade ids of locked cells (tests, instructions) that differ from the release in a submitted notebook.

    nbgrader puts them back before grading, so the grade is right, but the
    tutor should know the trainee changed them.
    """
    if not (submitted.is_file() and released.is_file()):
        return []
    try:
        theirs = _locked_sources(_cells(submitted))
    except (ValueError, KeyError):
        return []  # not a notebook: the failure's reason says so
    ours = _locked_sources(_cells(released))
    return [
        grade_id
        for grade_id, source in ours.items()
        if grade_id in theirs and theirs[grade_id] != source
    ]


def notes_for(notebooks: list[Path], altered: list[str], warnings: list[str]) -> str:
    """What a tutor should know about a graded submission: timeouts, output cut, cells altered, notebooks skipped."""
    outputs = [
        output for path in notebooks for cell in _cells(path) for output in cell.get("outputs", [])
    ]
    timeouts = sum(output.get("ename") == "CellTimeoutError" for output in outputs)
    notes = [f"{timeouts} cell(s) ran out of time and scored zero"] if timeouts else []
    if CappedExecute.cut_cells:
        notes.append(f"output cut short in {len(CappedExecute.cut_cells)} cell(s)")
    if altered:
        notes.append(
            f"graded cells were altered ({', '.join(altered)}): nbgrader put back the released "
            "version before grading, so the score stands; worth a word with the trainee"
        )
    skipped = [
        m.group(1)
        for w in warnings
        if (m := re.search(r"Skipping unknown notebook: (?:.*/)?([^/]+)$", w))
    ]
    if skipped:
        notes.append(
            f"not graded, not a notebook of this assignment (renamed?): {', '.join(skipped)}"
        )
    return "; ".join(notes)


def _executes(step: type | str) -> bool:
    """Whether an autograde step (a class, or its dotted name as a config gives it) runs the notebook."""
    step = import_item(step) if isinstance(step, str) else step
    return isinstance(step, type) and issubclass(step, Execute)


class Grader:
    """nbgrader's autograder for one assignment, set up once and reused for every student."""

    def __init__(self, assignment: str, staging: str, max_output_bytes: int) -> None:
        wait_for_busy_gradebook()
        self.assignment = assignment
        self.app = AutogradeApp.instance()
        self.app.initialize([assignment])  # reads the config exactly as `nbgrader autograde` does
        self.coursedir = self.app.coursedir
        self.coursedir.assignment_id = assignment
        self.final_step = self.coursedir.autograded_directory
        self.coursedir.autograded_directory = os.path.join(self.final_step, staging)
        limit = Config()
        limit.CappedExecute.max_output_bytes = max_output_bytes
        self.app.update_config(limit)
        self.collector = _Collector()
        self.app.log.addHandler(self.collector)

    def _path(self, step: str, student: str) -> Path:
        return Path(self.coursedir.format_path(step, student, self.assignment))

    def _converter(self) -> Autograde:
        """nbgrader's autograder with its execute step (sandboxed or not in the config) ours."""
        converter = Autograde(coursedir=self.coursedir, parent=self.app)
        converter.autograde_preprocessors = [
            CappedExecute if _executes(step) else step for step in converter.autograde_preprocessors
        ]
        return converter

    def _altered(self, student: str) -> list[str]:
        """Locked cells this student's notebooks changed (see ``altered_cells``)."""
        release = Path(
            self.coursedir.format_path(self.coursedir.release_directory, ".", self.assignment)
        )
        submitted = self._path(self.coursedir.submitted_directory, student)
        return [
            grade_id
            for path in sorted(release.glob("*.ipynb"))
            for grade_id in altered_cells(submitted / path.name, path)
        ]

    def grade(self, student: str) -> dict[str, Any]:
        """Autograde one student's submission; say whether it worked and, if not, why."""
        started = time.perf_counter()
        staged = self._path(self.coursedir.autograded_directory, student)
        final = self._path(self.final_step, student)
        shutil.rmtree(staged, ignore_errors=True)
        self.coursedir.student_id = student
        self.collector.clear()
        CappedExecute.cut_cells.clear()
        ok = False
        try:
            self._converter().start()
            ok = staged.is_dir()
        except NbGraderException:
            pass  # nbgrader has logged why; the collector holds it
        except Exception as error:  # noqa: BLE001 - one submission must never stop the others
            self.collector.errors.append(f"{type(error).__name__}: {error}")
        if ok:
            shutil.rmtree(final, ignore_errors=True)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, final)
        else:
            shutil.rmtree(staged, ignore_errors=True)
            shutil.rmtree(final, ignore_errors=True)  # as nbgrader removes a failed submission
        reason = reason_for(self.collector.errors, self.collector.warnings) if not ok else ""
        notes = (
            notes_for(
                sorted(final.glob("*.ipynb")), self._altered(student), self.collector.warnings
            )
            if ok
            else ""
        )
        return {
            "student": student,
            "ok": ok,
            "retry": reason == "retry",
            "reason": reason if reason != "retry" else "the gradebook was busy",
            "notes": notes,
            "seconds": round(time.perf_counter() - started, 3),
        }


def serve(grader: Grader, requests: TextIO, replies: TextIO) -> None:
    """Answer grading requests until the parent closes our stdin."""
    for line in requests:
        student = json.loads(line)["student"]
        replies.write(json.dumps(grader.grade(student)) + "\n")
        replies.flush()


def main(argv: list[str] | None = None) -> int:
    """Entry point: keep stdout for replies, send everything else to stderr (the log)."""
    parser = argparse.ArgumentParser(prog="python -m changekit.grading.worker")
    parser.add_argument("assignment")
    parser.add_argument(
        "--staging",
        default=".changekit-staging",
        help="folder inside autograded/ where a submission is graded before it is moved",
    )
    parser.add_argument("--max-output-mb", type=float, default=10)
    args = parser.parse_args(argv)
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints must not corrupt the replies
    grader = Grader(args.assignment, args.staging, int(args.max_output_mb * 2**20))
    replies.write(json.dumps({"ready": True}) + "\n")
    replies.flush()
    serve(grader, sys.stdin, replies)
    return 0


if __name__ == "__main__":
    sys.exit(main())
