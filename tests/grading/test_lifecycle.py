"""The whole nbgrader cycle, for every assignment, through a real filesystem exchange.

Every step is a stock nbgrader command run with the course config (the
formgrader's buttons run the same code). For each assignment: the tutor
generates and releases it; one trainee submits
the source notebook (the model answer), another submits the release untouched;
the tutor collects, autogrades, generates and releases feedback; both trainees
fetch their feedback. The model scores full autograded marks, the untouched
release scores zero, and feedback carries no hidden test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from changekit.course import assignments
from changekit.paths import course_root
from tests.grading.harness import (
    Course,
    answer_with_model,
    hidden_test_lines,
    max_code_score,
    model_form_answers,
    notebook_path,
    score,
    visible_text,
)

pytestmark = pytest.mark.lifecycle


@dataclass
class Cycle:
    assignment: str
    max_score: float
    scores: dict[str, float]
    feedback: dict[str, list[Path]]
    graded_files: list[str]


def run_cycle(course: Course, assignment: str) -> Cycle:
    """Release, answer (model and untouched), submit, collect, autograde, return feedback."""
    course.release_one(assignment)
    course.tutor("release_assignment", assignment, "--force")
    trainees = {"model": course.trainee("model"), "untouched": course.trainee("untouched")}
    for name, trainee in trainees.items():
        fetched = trainee.fetch(assignment)
        if name == "model":
            answer_with_model(fetched, course.root / "source" / assignment)
        trainee.submit(assignment)
    course.tutor("collect", assignment)
    course.tutor("autograde", assignment)
    course.tutor("generate_feedback", assignment)
    course.tutor("release_feedback", assignment)
    with course.gradebook() as gradebook:
        scores = {name: score(gradebook, assignment, name) for name in trainees}
        top = max_code_score(gradebook, assignment)
    feedback = {name: trainee.fetch_feedback(assignment) for name, trainee in trainees.items()}
    graded = course.root / "autograded" / "model" / assignment
    return Cycle(assignment, top, scores, feedback, sorted(p.name for p in graded.iterdir()))


@pytest.fixture(
    scope="module",
    params=[pytest.param(a, marks=pytest.mark.xdist_group(a)) for a in assignments()],
)
def cycle(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Cycle:
    assignment = request.param
    return run_cycle(Course(tmp_path_factory.mktemp(assignment)), assignment)


def test_assignment_has_autograded_marks(cycle: Cycle) -> None:
    assert cycle.max_score > 0, f"{cycle.assignment} has no autograded points to prove anything with"


def test_model_answer_scores_full_marks(cycle: Cycle) -> None:
    assert cycle.scores["model"] == pytest.approx(cycle.max_score), (
        f"{cycle.assignment}: the model answer scored {cycle.scores['model']} of {cycle.max_score}"
    )


def test_untouched_release_scores_zero(cycle: Cycle) -> None:
    assert cycle.scores["untouched"] == 0, (
        f"{cycle.assignment}: an untouched release scored {cycle.scores['untouched']}"
    )


def test_model_answers_are_never_written_beside_the_notebook(cycle: Cycle) -> None:
    """Running the source (here: as the model submission, when autograded) keeps its model store elsewhere."""
    assert "answers.json" not in cycle.graded_files, (
        f"{cycle.assignment}: running the model answer wrote answers.json into the assignment folder"
    )


def test_feedback_reaches_every_trainee(cycle: Cycle) -> None:
    for name, files in cycle.feedback.items():
        assert [f.name for f in files] == [f"{cycle.assignment}.html"], f"{name} got {files}"


def test_feedback_hides_hidden_tests(cycle: Cycle) -> None:
    source = nbformat.read(notebook_path(course_root() / "source" / cycle.assignment), as_version=4)
    hidden = hidden_test_lines(source)
    for files in cycle.feedback.values():
        text = visible_text(files[0])
        assert "HIDDEN TESTS" not in text
        leaked = [line for line in hidden if line in text]
        assert not leaked, f"{cycle.assignment}: hidden test lines in feedback: {leaked[:3]}"


def test_feedback_shows_what_the_trainee_wrote(cycle: Cycle) -> None:
    """The model's written answers, and its saved form answers, are in its feedback.

    Widgets render blank in feedback, so graded cells print saved form answers as text.
    """
    shown, untouched = (plain_text(cycle.feedback[name][0]) for name in ("model", "untouched"))
    source = nbformat.read(notebook_path(course_root() / "source" / cycle.assignment), as_version=4)
    answers = model_form_answers(source)
    phrases = written_phrases(source)
    assert phrases or answers, f"{cycle.assignment} has no written answer to look for"
    missing = [p for p in phrases if p not in shown]
    assert not missing, f"{cycle.assignment}: written answers missing from feedback: {missing[:2]}"
    assert not [p for p in phrases if p in untouched], "the model's answers reached an untouched release"
    if answers:
        strings = _strings(answers)
        # Free text where the trainee wrote some; otherwise the codes they chose.
        texts = [v for v in strings if len(v) > 25] or [v for v in strings if len(v) >= 8]
        assert any(t in shown for t in texts), "none of the model's form answers appear in its feedback"


def plain_text(html_file: Path) -> str:
    """A feedback page's text without tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", visible_text(html_file)).split())


def written_phrases(notebook: nbformat.NotebookNode) -> list[str]:
    """From each manually graded written answer's model text, six plain words in a row
    found nowhere else in the notebook (so only the answer itself can show them)."""
    solution = re.compile(r"### BEGIN SOLUTION(.*?)### END SOLUTION", re.DOTALL)
    elsewhere = " ".join(" ".join(solution.sub(" ", cell.source).split()) for cell in notebook.cells)
    phrases = []
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("grade") and meta.get("solution"):
            answer = solution.search(cell.source)
            text = " ".join((answer.group(1) if answer else cell.source).split())
            words = [w for w in text.split() if re.fullmatch(r"[A-Za-z][a-z]*[,.]?", w)]
            runs = [" ".join(words[i:i + 6]) for i in range(len(words) - 5)]
            plain = [r for r in runs if r in text and r not in elsewhere]
            if plain:
                phrases.append(plain[0])
    return phrases


def _strings(value: object) -> list[str]:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []
