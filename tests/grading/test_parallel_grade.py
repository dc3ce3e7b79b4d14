"""`changekit grade` gives exactly stock nbgrader's grades, and one bad submission harms no other.

A tiny assignment (two code tasks, one written answer) is generated once and
copied into two courses that receive the same six submissions: a model answer,
an untouched release, a runaway loop, a crashing kernel, a flood of output and
a file that is no longer JSON. One course is graded by stock `nbgrader
autograde`, the other by `changekit grade --jobs 2`; every grade is compared.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import pytest

from changekit.course import CourseError, nbgrader
from changekit.grading import synthetic
from changekit.grading.gradebook import course_settings, snapshot
from changekit.grading.parallel import (
    ALREADY_GRADED,
    FAILED,
    GRADED,
    GradingError,
    Report,
    grade_assignment,
    is_graded,
)
from tests.grading.tiny_course import ASSIGNMENT, WHEN, env_for, make_course

pytestmark = [pytest.mark.lifecycle, pytest.mark.xdist_group("parallel_grade")]

STUDENTS = ("model", "untouched", "runaway", "crash", "flood", "broken")


def submit_cohort(root: Path) -> None:
    """The six submissions, identical in both courses (same files, same timestamps)."""
    source = nbformat.read(root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    release = nbformat.read(root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    variants = {
        "model": synthetic.submission(source, release),
        "untouched": release,
        "runaway": synthetic.submission(
            source, release, replace={"second": synthetic.RUNAWAY_CODE}
        ),
        "crash": synthetic.submission(source, release, replace={"second": synthetic.CRASH_CODE}),
        "flood": synthetic.submission(
            source, release, replace={"second": synthetic.flood_code(150_000, 20) + "y = x + 1\n"}
        ),
        "broken": synthetic.submission(source, release),
    }
    for student, notebook in variants.items():
        synthetic.place_submission(root, ASSIGNMENT, student, notebook, when=WHEN)
    synthetic.write_broken(root / "submitted" / "broken" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")


@dataclass
class Graded:
    stock: Path
    ours: Path
    report: Report


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Graded:
    stock, ours = tmp_path_factory.mktemp("stock"), tmp_path_factory.mktemp("changekit")
    make_course(stock, None)
    make_course(ours, stock)
    for base in (stock, ours):
        submit_cohort(base / "course")
    with ThreadPoolExecutor(1) as background:  # both wait 10 s on the runaway loop: overlap them
        stock_run = background.submit(
            nbgrader, "autograde", ASSIGNMENT, cwd=stock / "course", env=env_for(stock)
        )
        report = grade_assignment(
            ASSIGNMENT,
            root=ours / "course",
            env=env_for(ours),
            jobs=2,
            max_output_mb=1,
            progress=False,
        )
        with pytest.raises(CourseError):  # stock nbgrader exits 1 because two submissions failed
            stock_run.result()
    return Graded(stock, ours, report)


def state_of(base: Path) -> dict:
    with course_settings(base / "course", env_for(base)).gradebook() as gradebook:
        return snapshot(gradebook, ASSIGNMENT)


def outcome(report: Report, student: str):
    return next(o for o in report.outcomes if o.student == student)


def test_every_grade_matches_stock_nbgrader(graded: Graded) -> None:
    stock, ours = state_of(graded.stock), state_of(graded.ours)
    assert {key[0] for key in stock} == set(STUDENTS), (
        "stock nbgrader did not record every submission"
    )
    differences = {
        k: (stock.get(k), ours.get(k))
        for k in stock.keys() | ours.keys()
        if stock.get(k) != ours.get(k)
    }
    assert not differences, f"grades differ from stock nbgrader (stock, changekit): {differences}"


def test_model_scores_full_marks_and_untouched_scores_zero(graded: Graded) -> None:
    assert graded.report.scores["model"][:2] == (3.0, 3.0)
    assert graded.report.scores["untouched"][0] == 0.0


def test_runaway_cell_scores_zero_and_grading_goes_on(graded: Graded) -> None:
    runaway = outcome(graded.report, "runaway")
    assert runaway.status == GRADED
    assert "ran out of time" in runaway.notes
    assert graded.report.scores["runaway"][0] == 2.0, (
        "only the task after the runaway loop should lose its mark"
    )


@pytest.mark.parametrize(
    ("student", "words"),
    [
        ("broken", "not valid JSON"),
        ("crash", "stopped the Python kernel"),
    ],
)
def test_broken_submission_fails_alone_with_its_reason(
    graded: Graded, student: str, words: str
) -> None:
    failed = outcome(graded.report, student)
    assert failed.status == FAILED and words in failed.reason, failed
    assert not (graded.ours / "course" / "autograded" / student / ASSIGNMENT).exists()


def test_only_the_broken_submissions_fail(graded: Graded) -> None:
    assert sorted(o.student for o in graded.report.failed) == ["broken", "crash"]


def test_flood_of_output_is_cut_and_still_graded(graded: Graded) -> None:
    flood = outcome(graded.report, "flood")
    assert flood.status == GRADED and "output cut short" in flood.notes
    assert graded.report.scores["flood"][0] == 3.0
    copy = graded.ours / "course" / "autograded" / "flood" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert copy.stat().st_size < 2 * 2**20, "the flood was not cut: the autograded notebook is huge"


def test_no_half_graded_copy_is_left_behind(graded: Graded) -> None:
    autograded = graded.ours / "course" / "autograded"
    assert sorted(p.name for p in autograded.iterdir() if p.is_dir()) == [
        "flood",
        "model",
        "runaway",
        "untouched",
    ]


def test_graded_means_this_submission_was_graded(graded: Graded) -> None:
    settings = course_settings(graded.ours / "course", env_for(graded.ours))
    stamp = settings.autograded("model", ASSIGNMENT) / "timestamp.txt"
    with settings.gradebook() as gradebook:
        assert is_graded(settings, gradebook, ASSIGNMENT, "model")
        assert not is_graded(settings, gradebook, ASSIGNMENT, "crash")
        original = stamp.read_text()
        os.chmod(stamp, 0o644)
        stamp.write_text(
            "2026-03-01 09:00:00.000000 UTC"
        )  # an autograded copy of an older submission
        try:
            assert not is_graded(settings, gradebook, ASSIGNMENT, "model")
        finally:
            stamp.write_text(original)


def test_run_again_grades_only_what_is_new_or_failed(graded: Graded) -> None:
    root = graded.ours / "course"
    copy = root / "autograded" / "model" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    graded_at = copy.stat().st_mtime
    source = nbformat.read(root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    release = nbformat.read(root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    synthetic.place_submission(
        root,
        ASSIGNMENT,
        "untouched",
        synthetic.submission(source, release),
        when=datetime(2026, 3, 3, 9, 0, tzinfo=UTC),
    )  # a resubmission
    again = grade_assignment(
        ASSIGNMENT, root=root, env=env_for(graded.ours), jobs=2, progress=False
    )
    status = {o.student: o.status for o in again.outcomes}
    assert status == {
        "model": ALREADY_GRADED,
        "runaway": ALREADY_GRADED,
        "flood": ALREADY_GRADED,
        "untouched": GRADED,
        "crash": FAILED,
        "broken": FAILED,
    }
    assert again.scores["untouched"][0] == 3.0, "the resubmission was not graded afresh"
    assert copy.stat().st_mtime == graded_at, "a finished submission was graded again"


def test_the_report_says_how_many_were_graded_at_once_and_why(graded: Graded) -> None:
    assert (
        "Grading 2 submission(s) at once, as asked (--jobs 2)."
        in graded.report.table().splitlines()
    )


def test_unknown_assignment_is_refused_plainly(graded: Graded) -> None:
    with pytest.raises(GradingError, match="no assignment called 'tinny'.*it has: tiny"):
        grade_assignment(
            "tinny", root=graded.ours / "course", env=env_for(graded.ours), progress=False
        )


def test_no_gradebook_yet_is_refused_plainly(tmp_path: Path) -> None:
    with pytest.raises(GradingError, match="no gradebook yet"):
        grade_assignment(ASSIGNMENT, env={"CHANGEKIT_STATE_DIR": str(tmp_path)}, progress=False)
    assert not (tmp_path / "gradebook.db").exists()
