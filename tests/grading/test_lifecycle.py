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

import html
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbconvert.exporters import HTMLExporter
from nbgrader.server_extensions.formgrader import handlers as formgrader_handlers

from changekit.course import assignments, generate_release, tool_env
from changekit.grading.feedback import graded_cell_titles
from changekit.paths import course_root
from tests.grading.harness import (
    Course,
    answer_with_model,
    hidden_test_lines,
    manually_graded,
    mark_scheme_above,
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
    course: Course

    @property
    def graded(self) -> Path:
        """The model's autograded notebook: what the formgrader shows the tutor."""
        return notebook_path(self.course.root / "autograded" / "model" / self.assignment)


def run_cycle(course: Course, assignment: str, *, changekit_release: bool = False) -> Cycle:
    """Release, answer (model and untouched), submit, collect, autograde, return feedback.

    The assignment is generated with stock ``nbgrader generate_assignment`` (the
    formgrader's Generate), or with ``changekit release`` when ``changekit_release``.
    """
    if changekit_release:
        generate_release(course.root, course.env, ids=[assignment])
    else:
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
    return Cycle(assignment, top, scores, feedback, course)


@pytest.fixture(
    scope="module",
    params=[pytest.param(a, marks=pytest.mark.xdist_group(a)) for a in assignments()],
)
def cycle(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Cycle:
    assignment = request.param
    return run_cycle(Course(tmp_path_factory.mktemp(assignment)), assignment)


def test_assignment_has_autograded_marks(cycle: Cycle) -> None:
    assert cycle.max_score > 0, (
        f"{cycle.assignment} has no autograded points to prove anything with"
    )


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
    assert not (cycle.graded.parent / "answers.json").exists(), (
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
    assert not [p for p in phrases if p in untouched], (
        "the model's answers reached an untouched release"
    )
    if answers:
        strings = _strings(answers)
        # Free text where the trainee wrote some; otherwise the codes they chose.
        texts = [v for v in strings if len(v) > 25] or [v for v in strings if len(v) >= 8]
        assert any(t in shown for t in texts), (
            "none of the model's form answers appear in its feedback"
        )


def plain_text(html_file: Path) -> str:
    """A feedback page's text without tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", visible_text(html_file)).split())


def written_phrases(notebook: nbformat.NotebookNode) -> list[str]:
    """From each manually graded written answer's model text, six plain words in a row
    found nowhere else in the notebook (so only the answer itself can show them)."""
    solution = re.compile(r"### BEGIN SOLUTION(.*?)### END SOLUTION", re.DOTALL)
    elsewhere = " ".join(
        " ".join(solution.sub(" ", cell.source).split()) for cell in notebook.cells
    )
    phrases = []
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("grade") and meta.get("solution"):
            answer = solution.search(cell.source)
            text = " ".join((answer.group(1) if answer else cell.source).split())
            words = [w for w in text.split() if re.fullmatch(r"[A-Za-z][a-z]*[,.]?", w)]
            runs = [" ".join(words[i : i + 6]) for i in range(len(words) - 5)]
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


def source_of(cycle: Cycle) -> nbformat.NotebookNode:
    return nbformat.read(notebook_path(course_root() / "source" / cycle.assignment), as_version=4)


def test_feedback_titles_each_item_by_its_task(cycle: Cycle) -> None:
    """No "Test cell" or "Written response": each graded item is named for its task or question."""
    titles = graded_cell_titles(source_of(cycle).cells)
    for name, files in cycle.feedback.items():
        text = plain_text(files[0])
        assert "Test cell" not in text and "Written response" not in text, (
            f"{name}: nbgrader's generic titles"
        )
        missing = [title for title in titles.values() if f"{title} (" not in text]
        assert not missing, f"{cycle.assignment}: {name}'s feedback lacks the titles {missing[:3]}"


def test_unmarked_answers_say_not_yet_marked(cycle: Cycle) -> None:
    """The model's written answers wait for the tutor: "not yet marked", never a score of 0."""
    source = source_of(cycle)
    titles = graded_cell_titles(source.cells)
    manual = [source.cells[i].metadata.nbgrader for i in manually_graded(source)]
    model = plain_text(cycle.feedback["model"][0])
    for meta in manual:
        title = titles[meta["grade_id"]]
        assert f"{title} (not yet marked, out of {float(meta['points'])})" in model, (
            f"{cycle.assignment}: {title}"
        )
        assert f"{title} (Score: 0.0 /" not in model
    assert (
        f"{len(manual)} answer" in model
        and "not yet marked by your tutor" in model
        and "Score so far" in model
    )
    untouched = plain_text(cycle.feedback["untouched"][0])
    for meta in manual:  # a blank written answer is a real 0; a task always waits for the tutor
        title = titles[meta["grade_id"]]
        expected = "not yet marked" if meta.get("task") else "Score: 0.0 /"
        assert f"{title} ({expected}" in untouched, f"{cycle.assignment}: untouched {title}"


def test_formgrader_shows_the_mark_scheme_above_each_answer(cycle: Cycle) -> None:
    """The autograded notebook (what the formgrader renders) has every mark scheme back in place."""
    source, graded = source_of(cycle), nbformat.read(cycle.graded, as_version=4)
    expected = [mark_scheme_above(source, i) for i in manually_graded(source)]
    shown = [mark_scheme_above(graded, i) for i in manually_graded(graded)]
    assert expected and all(expected), f"{cycle.assignment}: the source lacks mark schemes"
    assert shown == expected, (
        f"{cycle.assignment}: the formgrader would not show the mark schemes above the answers"
    )
    page = formgrader_page(cycle.graded)
    cells = [graded.cells[i].metadata.nbgrader for i in manually_graded(graded)]
    starts = [page.index(f'id="{meta["grade_id"]}"') for meta in cells]
    for meta, start, before, after, scheme in zip(
        cells, starts, [0, *starts[:-1]], [*starts[1:], len(page)], expected, strict=True
    ):
        criterion = plain(scheme.split("|---|---|---|")[1].split("|")[1])
        # beside the answer: in the task itself, or between the previous answer and this one
        low, high = (start, after) if meta.get("task") else (before, start)
        assert low < page.find(criterion, low) < high, (
            f"{cycle.assignment}: the formgrader page does not show {meta['grade_id']}'s mark scheme beside it"
        )


def formgrader_page(notebook: Path) -> str:
    """The formgrader's Manual Grading page for a submission, rendered as its handler does, as text."""
    exporter = HTMLExporter(
        template_name="formgrade", extra_template_basedirs=[formgrader_handlers.template_path]
    )
    resources = {
        "assignment_id": "a",
        "notebook_id": notebook.stem,
        "submission_id": "s",
        "index": 0,
        "total": 1,
        "base_url": "/",
        "student": "model",
        "last_name": None,
        "first_name": None,
        "notebook_path": str(notebook),
    }
    page, _ = exporter.from_filename(str(notebook), resources=resources)
    return plain(html.unescape(page))


def plain(text: str) -> str:
    return " ".join(text.split())


def test_feedback_has_no_mark_scheme(cycle: Cycle) -> None:
    """Feedback can reach one trainee before another submits, so it never carries a mark scheme."""
    source = source_of(cycle)
    examples = [
        " ".join(re.sub(r"<[^>]+>|[*|]", " ", line).split())[:60]
        for i in manually_graded(source)
        for line in mark_scheme_above(source, i).splitlines()
        if line.startswith(("**Full marks", "**Partial"))
    ]
    for name, files in cycle.feedback.items():
        html_text, text = visible_text(files[0]), plain_text(files[0])
        assert "MARK SCHEME" not in html_text and "Mark scheme" not in text, (
            f"{name}: mark scheme in feedback"
        )
        leaked = [example for example in examples if example in text]
        assert not leaked, (
            f"{cycle.assignment}: {name}'s feedback shows mark scheme examples {leaked[:2]}"
        )


def test_formgrader_generate_feedback_gives_the_same_page(cycle: Cycle) -> None:
    """The formgrader's Generate feedback (nbgrader's API, which forces its own template name) uses the course page."""
    course, assignment = cycle.course, cycle.assignment
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from nbgrader.apps import NbGraderAPI\n"
        "from nbgrader.coursedir import CourseDirectory\n"
        "from changekit.course import course_config\n"
        "config = course_config(Path.cwd())\n"
        "api = NbGraderAPI(CourseDirectory(config=config), config=config)\n"
        f"result = api.generate_feedback({assignment!r}, 'model')\n"
        "sys.exit(0 if result['success'] else result.get('error', 'failed'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=course.root,
        env=tool_env(course.env),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    page = plain_text(course.root / "feedback" / "model" / assignment / f"{assignment}.html")
    assert "Test cell" not in page and "not yet marked" in page and "Mark scheme" not in page


def test_changekit_release_and_feedback_path(tmp_path: Path) -> None:
    """The same cycle, generated with `changekit release`: full marks for the model, 0 untouched.

    Then `changekit feedback` warns that the model's answers are not yet marked and
    holds its feedback back, releasing the untouched trainee's (nothing to mark);
    with --include-unmarked it releases both, still warning.
    """
    cycle = run_cycle(Course(tmp_path), "drivers_and_barriers", changekit_release=True)
    assert cycle.scores == {"model": pytest.approx(cycle.max_score), "untouched": 0}
    held = changekit(cycle.course, "feedback", cycle.assignment)
    assert held.returncode == 0, held.stdout + held.stderr
    assert (
        "WARNING: 3 answers in drivers_and_barriers are not yet marked, from 1 trainee: model (3)"
        in held.stderr
    )
    assert "Feedback released to 1 of 2 trainees: untouched." in held.stdout
    assert "Held back until marked: model." in held.stdout
    everyone = changekit(cycle.course, "feedback", cycle.assignment, "--include-unmarked")
    assert "WARNING: 3 answers" in everyone.stderr
    assert "Feedback released to 2 of 2 trainees: model, untouched." in everyone.stdout


def changekit(course: Course, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the `changekit` command line on a course copy, as its tutor."""
    env = tool_env({**course.env, "CHANGEKIT_COURSE_ROOT": str(course.root)})
    return subprocess.run(
        [str(Path(sys.executable).parent / "changekit"), *args],
        cwd=course.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
