"""Two recovery routes for a tutor: regrade everything after fixing a test, and add an e-mailed submission.

**Regrade all** (``regrade_all``) regenerates the assignment from ``source/``
(``nbgrader generate_assignment --force``, so the gradebook holds the fixed
tests) and autogrades every collected submission again with ``--force``
(``changekit.grading.parallel.grade_assignment``). nbgrader's autograde never
overwrites a mark a tutor gave (``manual_score``), but it flags every cell that
has one as needing a manual grade again. The trainee's written answer has not
changed, so a written answer the tutor had marked is put back as marked; a test
whose score the tutor had overridden stays flagged, because the test changed,
and keeps the tutor's score until the tutor looks again.

**An e-mailed submission** (``add_emailed_submission``) is put into the
exchange's inbound folder exactly as ``nbgrader submit`` leaves one
(``<trainee>+<assignment>+<time>+<random>`` with ``timestamp.txt`` and
``submission_secret.txt``), stamped with the time the e-mail was sent, and then
collected for that trainee. So it is one more of the trainee's submissions:
collecting picks, under the late policy, the one that counts, now and at every
later collect. nbgrader's ``zip_collect`` was not used: it writes straight into
``submitted/`` (where the next collect replaces it with the trainee's exchange
submission, if there is one), copies only notebooks (not the data files and
saved form answers the notebook needs) and needs a file-name pattern per batch.
"""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nbformat

from changekit.course import generate_release, nbgrader
from changekit.errors import DataError
from changekit.grading.deadlines import LONDON, london_text
from changekit.grading.gradebook import course_settings, is_manual
from changekit.grading.parallel import OnResult, Report, grade_assignment
from changekit.settings import settings_for

#: A trainee's username as nbgrader's exchange accepts it (no '+', '*' or '/').
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
#: Ways a tutor may write the time an e-mail was sent (London time).
TIME_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
)
#: The most an e-mailed zip may unpack to.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
#: Files in an e-mailed zip that are never part of a submission.
JUNK = re.compile(r"(^|/)(__MACOSX|\.ipynb_checkpoints|\.DS_Store)(/|$)")


@dataclass(frozen=True)
class Regraded:
    """What ``regrade_all`` did: the grading report, written answers kept as marked, tests to look at again."""

    report: Report
    marks_kept: int
    to_review: list[tuple[str, str]]


@dataclass(frozen=True)
class MarkGiven:
    """A mark a tutor gave before a regrade, and whether it is for a written answer or task."""

    score: float
    written: bool
    timestamp: datetime | None


def marks_given(gradebook: object, assignment: str) -> dict[tuple[str, str, str], MarkGiven]:
    """Every mark a tutor has given on ``assignment``, by (trainee, notebook, grade_id)."""
    marks = {}
    for submission in gradebook.assignment_submissions(assignment):
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.manual_score is not None and not grade.needs_manual_grade:
                    key = (submission.student_id, notebook.notebook.name, grade.cell.name)
                    marks[key] = MarkGiven(
                        grade.manual_score, is_manual(grade), submission.timestamp
                    )
    return marks


def keep_marks(
    gradebook: object, assignment: str, before: dict[tuple[str, str, str], MarkGiven]
) -> tuple[int, list[tuple[str, str]]]:
    """After autograde --force: put back as marked the written answers marked before (same submission, same mark).

    Returns how many were put back, and the (trainee, grade_id) of tests whose
    score a tutor had overridden, which stay flagged for a look.
    """
    kept, review = 0, []
    for submission in gradebook.assignment_submissions(assignment):
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                mark = before.get((submission.student_id, notebook.notebook.name, grade.cell.name))
                if mark is None or grade.manual_score != mark.score:
                    continue
                if mark.written and submission.timestamp == mark.timestamp:
                    grade.needs_manual_grade = False
                    kept += 1
                elif grade.needs_manual_grade:
                    review.append((submission.student_id, grade.cell.name))
    gradebook.db.commit()
    return kept, sorted(review)


def regrade_all(
    assignment: str,
    *,
    root: Path | None = None,
    env: dict[str, str] | None = None,
    jobs: int | None = None,
    on_result: OnResult | None = None,
) -> Regraded:
    """Regenerate ``assignment`` from its source and autograde every submission again, keeping tutors' marks.

    Raises ``CourseError`` when generating fails and ``GradingError`` when grading cannot start.
    """
    settings = course_settings(root, env)
    if not settings.has_gradebook:
        raise DataError(
            f"There is no gradebook yet ({settings.db_url}): release {assignment} first."
        )
    with settings.gradebook() as gradebook:
        before = marks_given(gradebook, assignment)
    generate_release(settings.root, env, [assignment])
    report = grade_assignment(
        assignment,
        root=settings.root,
        env=env,
        jobs=jobs,
        force=True,
        progress=False,
        on_result=on_result,
    )
    with settings.gradebook() as gradebook:
        kept, review = keep_marks(gradebook, assignment, before)
    return Regraded(report, kept, review)


def parse_london_time(text: str, *, now: datetime | None = None) -> datetime:
    """A time a tutor typed ('2027-01-15 17:05' or '15/01/2027 17:05', London time) as an aware datetime.

    Refuses a time in the future: an e-mail cannot have been sent then.
    """
    for pattern in TIME_FORMATS:
        try:
            when = datetime.strptime(text.strip(), pattern).replace(tzinfo=LONDON)
            break
        except ValueError:
            continue
    else:
        raise DataError(
            "Write the time the e-mail was sent in London time, like 2027-01-15 17:05 "
            "or 15/01/2027 17:05."
        )
    if when > (now or datetime.now(UTC)):
        raise DataError(f"{london_text(when)} is in the future: give the time the e-mail was sent.")
    return when


@dataclass(frozen=True)
class EmailedSubmission:
    """Where an e-mailed submission went, and which of the trainee's submissions now counts."""

    inbound: Path
    sent: datetime
    collected: Path
    counts: bool


def _released_notebooks(root: Path, assignment: str) -> list[str]:
    """The notebook file names trainees were given for ``assignment``."""
    names = sorted(path.name for path in (root / "release" / assignment).glob("*.ipynb"))
    if not names:
        raise DataError(
            f"There is no released version of '{assignment}' in {root / 'release'}: "
            "generate and release it first."
        )
    return names


def _unpack(filename: str, content: bytes, into: Path) -> Path:
    """Write an e-mailed .ipynb, or unpack an e-mailed .zip, into ``into``; return the folder holding its notebooks."""
    if filename.lower().endswith(".ipynb"):
        (into / Path(filename).name).write_bytes(content)
        return into
    if not filename.lower().endswith(".zip"):
        raise DataError(
            f"'{Path(filename).name}' is neither a notebook (.ipynb) nor a zip file (.zip): "
            "ask the trainee for one of those."
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise DataError(
            f"'{Path(filename).name}' is not a zip file that can be opened: it may have been "
            "cut short. Ask the trainee to send it again."
        ) from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir() and not JUNK.search(m.filename)]
        if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
            raise DataError(
                f"'{Path(filename).name}' unpacks to more than "
                f"{MAX_UNPACKED_BYTES // 2**20} MB: ask the trainee for the notebook alone."
            )
        for member in members:
            parts = Path(member.filename).parts
            if member.filename.startswith("/") or ".." in parts:
                raise DataError(
                    f"'{Path(filename).name}' holds a file outside its own folder: it cannot be used."
                )
            target = into.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(member))
    notebooks = sorted(into.rglob("*.ipynb"), key=lambda p: len(p.parts))
    if not notebooks:
        raise DataError(f"'{Path(filename).name}' holds no notebook (.ipynb).")
    return notebooks[0].parent


def _submission_files(filename: str, content: bytes, notebooks: list[str], work: Path) -> Path:
    """The e-mailed files as a folder whose notebooks carry the released names and open as notebooks."""
    folder = _unpack(filename, content, work)
    found = sorted(path.name for path in folder.glob("*.ipynb"))
    if len(notebooks) == 1 and found and notebooks[0] not in found:
        if len(found) > 1:
            raise DataError(
                f"The e-mail holds {len(found)} notebooks and none is called {notebooks[0]}: "
                "send only the trainee's one."
            )
        (folder / found[0]).rename(folder / notebooks[0])
    missing = [name for name in notebooks if not (folder / name).is_file()]
    if missing:
        raise DataError(
            f"The e-mail lacks the notebook{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            "of this assignment."
        )
    for name in notebooks:
        try:
            nbformat.read(folder / name, as_version=4)
        except (
            ValueError,
            KeyError,
            TypeError,
            AttributeError,
        ):  # what nbformat raises for a non-notebook
            raise DataError(
                f"The e-mailed {name} is not a notebook Jupyter can open (it may be cut short "
                "or saved as something else). Ask the trainee to send it again."
            ) from None
    return folder


def add_emailed_submission(
    assignment: str,
    trainee: str,
    filename: str,
    content: bytes,
    sent: datetime,
    *,
    root: Path | None = None,
    env: dict[str, str] | None = None,
) -> EmailedSubmission:
    """Put an e-mailed submission into the exchange as ``nbgrader submit`` would, at the time it was sent; collect it.

    ``filename`` and ``content`` are the e-mailed file (a notebook, or a zip of
    the assignment folder); ``sent`` is when the e-mail was sent (aware). The
    released assignment's other files (data, for instance) go with it, as they
    would have in the trainee's folder, unless the zip holds its own.
    """
    if not USERNAME.fullmatch(trainee or ""):
        raise DataError(
            "Give the trainee's username: letters, digits and '.', '_', '-' or '@', "
            "as on the hub (no spaces or '+')."
        )
    settings = course_settings(root, env)
    paths = settings_for(settings.root, env)
    inbound = paths.exchange / paths.course_id / "inbound"
    if not inbound.is_dir():
        raise DataError(
            f"The exchange has no inbound folder for this course ({inbound}): release the "
            "assignment first."
        )
    notebooks = _released_notebooks(settings.root, assignment)
    stamp = sent.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f %Z")
    random = base64.urlsafe_b64encode(os.urandom(9)).decode("ascii")
    record = inbound / f"{trainee}+{assignment}+{stamp}+{random}"
    with tempfile.TemporaryDirectory() as work:
        (Path(work) / "mail").mkdir()
        folder = _submission_files(filename, content, notebooks, Path(work) / "mail")
        staged = Path(work) / "record"
        shutil.copytree(settings.root / "release" / assignment, staged)
        shutil.copytree(
            folder,
            staged,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("__MACOSX", ".ipynb_checkpoints", ".DS_Store"),
        )
        (staged / "timestamp.txt").write_text(stamp)
        (staged / "submission_secret.txt").write_text(os.urandom(64).hex())
        shutil.copytree(staged, record)
    nbgrader("collect", assignment, f"--student={trainee}", cwd=settings.root, env=env)
    collected = settings.submitted(trainee, assignment)
    counts = (collected / "timestamp.txt").read_text().strip() == stamp
    return EmailedSubmission(record, sent, collected, counts)
