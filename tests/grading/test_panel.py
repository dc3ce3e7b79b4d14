"""The tutor dashboard's control panel, its buttons clicked in turn on a small real course.

The tiny assignment is released through a real filesystem exchange; ana and ben
fetch and submit it with nbgrader, cal e-mails hers. Every button runs the real
step (nbgrader collect, the parallel grader, feedback, export, extensions), and
each test checks the gradebook or the exchange as well as what the tutor reads.
The tests run in order: each round step builds on the one before.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from changekit.course import nbgrader
from changekit.grading import panel as panel_module
from changekit.grading import recovery, synthetic
from changekit.grading.deadlines import LONDON
from changekit.grading.panel import ControlPanel
from changekit.grading.recovery import add_emailed_submission
from tests.grading.test_deadlines_collect import COURSE_ID, Trainee
from tests.grading.tiny_course import ASSIGNMENT, env_for, make_course

pytestmark = [pytest.mark.lifecycle, pytest.mark.xdist_group("panel")]  # one round, in order


class Round:
    """The course, its panel and a gradebook opener."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.root = make_course(base, None)
        self.env = env_for(base)
        nbgrader("release_assignment", ASSIGNMENT, "--force", cwd=self.root, env=self.env)
        source = nbformat.read(
            self.root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4
        )
        release = nbformat.read(
            self.root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4
        )
        self.model = synthetic.submission(source, release)
        for name in ("ana", "ben"):
            trainee = Trainee(base, name)
            trainee.fetch()
            nbformat.write(
                self.model, trainee.home / COURSE_ID / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
            )
            trainee.submit()
        self.panel = ControlPanel(self.root, self.env, jobs=1)

    def gradebook(self) -> Gradebook:
        return Gradebook(f"sqlite:///{self.base / 'state' / 'gradebook.db'}", course_id=COURSE_ID)

    def status(self) -> str:
        return self.panel.status.value

    def results(self) -> str:
        return "".join(output["data"]["text/html"] for output in self.panel.results.outputs)


@pytest.fixture(scope="module")
def round_(tmp_path_factory: pytest.TempPathFactory) -> Round:
    return Round(tmp_path_factory.mktemp("panel"))


def test_every_control_is_labelled(round_: Round) -> None:
    panel = round_.panel
    assert list(panel.assignment.options) == [ASSIGNMENT]
    assert all(button.description and button.tooltip for button in panel.buttons)
    for control in (
        panel.assignment,
        panel.trainee,
        panel.days,
        panel.hours,
        panel.upload,
        panel.emailed_by,
        panel.sent_at,
        panel.confirm_unmarked,
        panel.progress,
    ):
        assert control.description, f"{type(control).__name__} has no label"
    assert 'role="status"' in round_.status()


def test_collect_collects_both_submissions(round_: Round) -> None:
    round_.panel.collect_button.click()
    for name in ("ana", "ben"):
        assert (round_.root / "submitted" / name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
    assert "Collected 2 new or changed submissions" in round_.status()
    assert 'role="status"' in round_.status()
    round_.panel.collect_button.click()
    assert "Nothing new to collect" in round_.status()


def test_autograde_all_grades_everyone_with_progress_and_a_table(round_: Round) -> None:
    panel = round_.panel
    panel.grade_button.click()
    assert panel.progress.max == 2 and panel.progress.value == 2
    assert "2 graded now, 0 already graded, 0 failed" in round_.status()
    assert "<table" in round_.results() and "ana" in round_.results() and "3/3" in round_.results()
    with round_.gradebook() as gradebook:
        assert gradebook.find_submission(ASSIGNMENT, "ana").code_score == 3
        assert gradebook.find_submission(ASSIGNMENT, "ben").code_score == 3
    assert not any(button.disabled for button in panel.buttons)


def test_feedback_is_refused_while_answers_are_unmarked_unless_confirmed(round_: Round) -> None:
    panel = round_.panel
    feedback = round_.root.parent / "state" / "exchange" / COURSE_ID / "feedback"
    panel.feedback_button.click()
    assert "Feedback not released" in round_.status() and "not yet marked" in round_.status()
    assert not list(feedback.rglob("*.html"))
    # The command line runs the same release_feedback: it holds back both (each has an unmarked answer).
    cli = subprocess.run(
        [str(Path(sys.executable).parent / "changekit"), "feedback", ASSIGNMENT],
        env={**os.environ, **round_.env, "CHANGEKIT_COURSE_ROOT": str(round_.root)},
        cwd=round_.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert cli.returncode == 0, cli.stderr
    assert (
        "Feedback released to 0 of 2 trainees: none." in cli.stdout
        and "Held back until marked: ana, ben" in cli.stdout
    )
    assert "not yet marked" in cli.stderr
    assert not list(feedback.rglob("*.html"))
    panel.confirm_unmarked.value = True
    panel.feedback_button.click()
    assert "released to 2 of 2 trainees: ana, ben" in round_.status()
    assert len(list(feedback.rglob("*.html"))) == 2
    assert not panel.confirm_unmarked.value, "the confirmation must be given again next time"


def test_export_writes_the_files_and_links_them(round_: Round) -> None:
    round_.panel.export_button.click()
    exported = round_.base / "state" / "exports"
    assert (exported / f"{ASSIGNMENT}.csv").is_file() and (
        exported / f"{ASSIGNMENT}_by_question.csv"
    ).is_file()
    assert "Exported tiny: 2 trainees" in round_.status()
    assert (
        round_.results().count("<a href=") == 2
        and f"{ASSIGNMENT}_by_question.csv" in round_.results()
    )


def test_an_extension_needs_a_due_date_then_shows_the_new_one_in_london_time(round_: Round) -> None:
    panel = round_.panel
    assert "ana" in panel.trainee.options
    panel.trainee.value, panel.days.value = "ana", 2
    panel.extend_button.click()
    assert "has no due date" in round_.status() and "Traceback" not in round_.status()
    (round_.root / "calendar.toml").write_text(f"[due]\n{ASSIGNMENT} = 2026-03-27T17:00:00\n")
    panel.extend_button.click()
    # Two London calendar days across the clock change (29 March 2026): still 17:00, now BST.
    assert "ana now has until Sunday 29 March 2026, 17:00 BST" in round_.status()
    with round_.gradebook() as gradebook:
        assert gradebook.find_submission(ASSIGNMENT, "ana").extension == timedelta(days=2, hours=-1)


def test_an_emailed_notebook_goes_in_with_the_time_it_was_sent(round_: Round) -> None:
    panel = round_.panel
    content = nbformat.writes(round_.model).encode()
    panel.upload.value = (
        {
            "name": "my work (1).ipynb",
            "type": "",
            "size": len(content),
            "content": memoryview(content),
            "last_modified": datetime.now(UTC),
        },
    )
    panel.emailed_by.value = "cal"
    panel.sent_at.value = "yesterday at five"
    panel.add_button.click()
    assert "Write the time the e-mail was sent" in round_.status()
    panel.sent_at.value = "27/03/2026 16:45"
    panel.add_button.click()
    assert (
        "Added the e-mailed submission of tiny, sent Friday 27 March 2026, 16:45 GMT"
        in round_.status()
    )
    assert "It is the submission that counts" in round_.status()
    stamp = (round_.root / "submitted" / "cal" / ASSIGNMENT / "timestamp.txt").read_text()
    assert stamp == "2026-03-27 16:45:00.000000 UTC"
    inbound = list(
        (round_.base / "state" / "exchange" / COURSE_ID / "inbound").glob(f"cal+{ASSIGNMENT}+*")
    )
    assert len(inbound) == 1 and (inbound[0] / f"{ASSIGNMENT}.ipynb").is_file()
    assert (inbound[0] / "submission_secret.txt").is_file()


def test_an_emailed_zip_that_is_older_than_an_on_time_submission_does_not_replace_it(
    round_: Round,
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb", nbformat.writes(round_.model))
        archive.writestr(f"{ASSIGNMENT}/answers.json", json.dumps({"aim": "fewer referrals"}))
        archive.writestr("__MACOSX/._tiny.ipynb", "junk")
    sent = datetime(2026, 3, 20, 9, 0, tzinfo=LONDON)
    done = add_emailed_submission(
        ASSIGNMENT, "cal", "cal.zip", buffer.getvalue(), sent, root=round_.root, env=round_.env
    )
    assert not done.counts, "an earlier e-mail replaced cal's later on-time submission"
    assert (done.inbound / "answers.json").is_file() and not (done.inbound / "__MACOSX").exists()
    stamp = (round_.root / "submitted" / "cal" / ASSIGNMENT / "timestamp.txt").read_text()
    assert stamp == "2026-03-27 16:45:00.000000 UTC"


def test_a_zip_reaching_outside_its_folder_is_refused(round_: Round) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../evil.ipynb", nbformat.writes(round_.model))
    with pytest.raises(ValueError, match="outside its own folder"):
        add_emailed_submission(
            ASSIGNMENT,
            "dan",
            "dan.zip",
            buffer.getvalue(),
            datetime(2026, 3, 20, tzinfo=UTC),
            root=round_.root,
            env=round_.env,
        )
    assert not (round_.base / "evil.ipynb").exists()


def test_regrade_all_uses_the_fixed_test_and_keeps_the_marks_given(
    round_: Round, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What nbgrader's autograde --force does on its own, seen just before recovery.keep_marks runs.
    seen_by_nbgrader: dict[str, tuple[float | None, bool]] = {}
    real_keep_marks = recovery.keep_marks

    def spying(gradebook: Gradebook, assignment: str, before: dict) -> tuple[int, list]:
        grade = gradebook.find_grade("reflect", ASSIGNMENT, ASSIGNMENT, "ana")
        seen_by_nbgrader["reflect"] = (grade.manual_score, grade.needs_manual_grade)
        return real_keep_marks(gradebook, assignment, before)

    monkeypatch.setattr(recovery, "keep_marks", spying)
    with round_.gradebook() as gradebook:
        reflect = gradebook.find_grade("reflect", ASSIGNMENT, ASSIGNMENT, "ana")
        reflect.manual_score, reflect.needs_manual_grade = 1.5, False
        override = gradebook.find_grade("test_answer", ASSIGNMENT, ASSIGNMENT, "ben")
        override.manual_score, override.needs_manual_grade = 1.0, False
        gradebook.db.commit()
    source = round_.root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    notebook = nbformat.read(source, as_version=4)
    test = next(
        cell for cell in notebook.cells if cell.metadata.nbgrader.get("grade_id") == "test_answer"
    )
    test.source = 'assert x == 42, "x should be forty-two"'
    nbformat.write(notebook, source)

    round_.panel.regrade_button.click()
    status = round_.status()
    assert "Regenerated from source/ and regraded every submission" in status
    assert "3 graded now" in status, status  # ana, ben and the e-mailed cal
    assert "1 written answer mark(s) you had given are kept" in status
    assert "ben: test_answer" in status
    assert seen_by_nbgrader["reflect"] == (1.5, True), (
        "nbgrader's autograde --force no longer flags marked answers"
    )
    with round_.gradebook() as gradebook:
        cell = gradebook.find_source_cell("test_answer", ASSIGNMENT, ASSIGNMENT)
        assert "forty-two" in cell.source, "the regrade did not use the fixed test"
        reflect = gradebook.find_grade("reflect", ASSIGNMENT, ASSIGNMENT, "ana")
        assert (reflect.manual_score, reflect.needs_manual_grade) == (1.5, False)
        override = gradebook.find_grade("test_answer", ASSIGNMENT, ASSIGNMENT, "ben")
        assert override.manual_score == 1.0 and override.needs_manual_grade, (
            "an overridden test is not flagged"
        )
        assert override.score == 1.0, "the tutor's overriding score was lost"
        assert gradebook.find_submission(ASSIGNMENT, "cal").code_score == 3


def test_an_unexpected_error_is_a_short_message_and_the_buttons_come_back(
    round_: Round, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel = round_.panel
    seen: list[bool] = []

    def broken(*args: object, **kwargs: object) -> None:
        seen.append(all(button.disabled for button in panel.buttons))
        raise KeyError("['question'] not in index")

    monkeypatch.setattr(panel_module, "export", broken)
    panel.export_button.click()
    assert seen == [True], "the buttons were not disabled while the step ran"
    assert "unexpected problem (KeyError)" in round_.status()
    assert "not in index" not in round_.status() and "Traceback" not in round_.status()
    assert not any(button.disabled for button in panel.buttons)


def test_a_failing_nbgrader_step_shows_its_message_without_the_traceback(
    round_: Round, monkeypatch: pytest.MonkeyPatch
) -> None:
    from changekit.course import CourseError

    def failing(*args: object, **kwargs: object) -> str:
        raise CourseError(
            "'nbgrader collect tiny' failed:\n[CollectApp | ERROR] Course not found\n"
            'Traceback (most recent call last):\n  File "x.py", line 1, in <module>\n'
            "    boom()\nRuntimeError: boom"
        )

    monkeypatch.setattr(panel_module, "nbgrader", failing)
    round_.panel.collect_button.click()
    assert "Course not found" in round_.status()
    assert "Traceback" not in round_.status() and "x.py" not in round_.status()
