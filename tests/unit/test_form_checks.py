"""A form that says "Complete" earns every completion mark, and one that does not, does not.

For each form notebook, random answers (hypothesis) are saved to a temporary
answers file; the notebook's own graded check cells, hidden tests included, are
executed against it (the source cells, exec'd in one namespace: no kernel, no
nbgrader, so each example is cheap); each cell passes exactly when the
answer model has nothing still to do for that cell's part. The form widget
shows the same ``missing()`` list (``tests/unit/test_widgets.py``), so the
form's status and the graded score can never disagree.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from changekit.answer_models import (
    HLM_DIMENSIONS,
    LEARNING_OUTCOMES,
    LEVELS,
    MEASURE_KINDS,
    MIN_CHANGE_IDEAS,
    MIN_CHANGE_WORDS,
    MIN_DEVELOPMENT_PLAN_WORDS,
    MIN_ENGAGEMENT_PLAN_WORDS,
    MIN_EXAMPLES,
    MIN_FORCE_PLAN_WORDS,
    MIN_FORCES,
    MIN_NINE_CS,
    MIN_PRIMARY_DRIVERS,
    MIN_REFLECTION_WORDS,
    MIN_STAKEHOLDERS,
    NINE_CS,
    PRIORITIES_WITH_EXAMPLE,
    REPORT_PICKS,
    THEMES,
    Answer,
    DimensionRating,
    DriverDiagram,
    Force,
    ForceField,
    Measure,
    Measures,
    OutcomeReflection,
    PdsaCycle,
    PdsaCycles,
    PrimaryDriver,
    QuoteCode,
    QuoteCoding,
    Reflection,
    SecondaryDriver,
    SelfAssessment,
    SmartAim,
    Stakeholder,
    Stakeholders,
)
from changekit.answers import AnswerStore
from changekit.experience import read_quotes
from changekit.paths import course_root

SOURCE = course_root() / "source"
QUOTE_IDS: list[str] = list(
    read_quotes(SOURCE / "patient_experience" / "parent_quotes.csv")["quote_id"]
)


@dataclass(frozen=True)
class Check:
    """One graded check cell: the form it checks and the part of it."""

    key: str
    part: str


@dataclass(frozen=True)
class FormNotebook:
    """A source notebook's cells that load the forms' answers and check them."""

    assignment: str
    setup: str
    """grade_id of the cell that imports and makes ``store``."""
    loads: tuple[str, ...]
    """grade_ids of the cells that load the saved answers, in notebook order."""
    checks: dict[str, Check]
    """grade_id of each check cell -> what it checks."""


NOTEBOOKS = {
    nb.assignment: nb
    for nb in (
        FormNotebook(
            "leadership_self_and_stakeholders",
            "setup",
            ("self_assessment_saved", "stakeholders_saved"),
            {
                "test_self_assessment_complete": Check("self_assessment", "ratings"),
                "test_self_assessment_examples_and_plan": Check(
                    "self_assessment", "examples_and_plan"
                ),
                "test_stakeholders_complete": Check("stakeholders", "grid"),
                "test_stakeholders_breadth": Check("stakeholders", "breadth"),
            },
        ),
        FormNotebook(
            "drivers_and_barriers",
            "setup",
            ("force_field_saved",),
            {
                "test_force_field_complete": Check("force_field", "change"),
                "test_force_field_forces": Check("force_field", "forces"),
                "test_force_field_totals": Check("force_field", "totals"),
                "test_force_field_plan": Check("force_field", "plan"),
            },
        ),
        FormNotebook(
            "change_plan",
            "setup",
            ("smart_aim_saved", "driver_diagram_saved", "measures_saved", "pdsa_saved"),
            {
                "test_smart_aim": Check("smart_aim", "aim"),
                "test_driver_diagram": Check("driver_diagram", "diagram"),
                "test_measures": Check("measures", "measures"),
                "test_pdsa": Check("pdsa_cycles", "cycles"),
            },
        ),
        FormNotebook(
            "reflection",
            "setup",
            ("reflection_saved",),
            {
                f"test_reflection_{key.lower()}": Check("reflection", key)
                for key in LEARNING_OUTCOMES
            },
        ),
        FormNotebook(
            "patient_experience",
            "imports",
            ("show_coding",),
            {
                "test_every_quote_coded": Check("quote_coding", "coded"),
                "test_report_picks": Check("quote_coding", "picks"),
            },
        ),
    )
}

CONTEXT: dict[str, dict[str, str]] = {"driver_diagram": {"smart_aim": "smart_aim"}}
"""Forms whose rules compare with another saved form: key -> {argument: other key}."""


def _no_output(*_args: Any, **_kwargs: Any) -> None:
    """Stands in for display() and the charts: the checks do not depend on them."""


# ------------------------------------------------------------------ the notebook


def _cells(assignment: str) -> dict[str, nbformat.NotebookNode]:
    notebook = nbformat.read(SOURCE / assignment / f"{assignment}.ipynb", as_version=4)
    return {c.metadata.get("nbgrader", {}).get("grade_id", ""): c for c in notebook.cells}


@dataclass
class Graded:
    """What grading the check cells gave: each cell passed or not, and the points."""

    passed: dict[str, bool]
    points: dict[str, float]

    @property
    def score(self) -> float:
        return sum(p for gid, p in self.points.items() if self.passed[gid])


@contextlib.contextmanager
def _in(folder: Path) -> Iterator[None]:
    """Run in ``folder`` (the notebook's own folder when graded), then come back."""
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def grade(assignment: str, answers: dict[str, Answer], folder: Path) -> Graded:
    """Save ``answers`` in ``folder`` and run the notebook's load and check cells there."""
    spec = NOTEBOOKS[assignment]
    cells = _cells(assignment)
    (folder / "answers.json").unlink(missing_ok=True)
    store = AnswerStore(folder / "answers.json")
    for key, answer in answers.items():
        store.save(key, answer)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    passed = {}
    with _in(folder), contextlib.redirect_stdout(io.StringIO()):
        exec(cells[spec.setup].source, namespace)  # noqa: S102 - the course's own source cells
        namespace.update(
            display=_no_output,
            radar_chart=_no_output,
            stakeholder_grid=_no_output,
            force_field_chart=_no_output,
            driver_diagram_chart=_no_output,
            quotes=read_quotes(SOURCE / "patient_experience" / "parent_quotes.csv"),
        )
        for grade_id in spec.loads:
            exec(cells[grade_id].source, namespace)  # noqa: S102
        for grade_id in spec.checks:
            try:
                exec(cells[grade_id].source, namespace)  # noqa: S102
            except AssertionError:
                passed[grade_id] = False
            else:
                passed[grade_id] = True
    points = {gid: float(cells[gid].metadata["nbgrader"]["points"]) for gid in spec.checks}
    return Graded(passed, points)


def expected(assignment: str, answers: dict[str, Answer]) -> dict[str, bool]:
    """Each check cell's result as the form's status says it: nothing missing for its part."""
    result = {}
    for grade_id, check in NOTEBOOKS[assignment].checks.items():
        answer = answers[check.key]
        if isinstance(answer, QuoteCoding):
            answer = answer.for_quotes(QUOTE_IDS)
        context = {arg: answers[other] for arg, other in CONTEXT.get(check.key, {}).items()}
        result[grade_id] = not answer.missing(check.part, **context)
    return result


# ------------------------------------------------------------- random answers


WORDS = ("referral", "team", "parents", "service", "the", "and", "clinic", "we")


def text(minimum: int) -> st.SearchStrategy[str]:
    """Free text, often right at the boundary: blank, one word short, exactly, one over."""
    counts = st.sampled_from((0, minimum - 1, minimum, minimum + 1)) | st.integers(0, minimum + 5)
    return counts.flatmap(
        lambda n: st.lists(st.sampled_from(WORDS), min_size=max(n, 0), max_size=max(n, 0))
    ).map(" ".join)


def maybe(value: st.SearchStrategy[Any], filled: float = 0.8) -> st.SearchStrategy[Any]:
    """``value`` most of the time, otherwise a blank (so forms are often nearly complete)."""
    return st.floats(0, 1).flatmap(lambda r: value if r < filled else st.just(None))


short_text = st.sampled_from(("", " ", "A GP", "Health visitors", "The ICB lead"))


@st.composite
def self_assessments(draw: st.DrawFn) -> SelfAssessment:
    same = draw(st.booleans()) and draw(st.booleans())
    level = maybe(st.sampled_from(LEVELS), filled=0.97)
    pair = (draw(level), draw(level))
    ratings = {
        name: DimensionRating(
            performance=pair[0] if same else draw(level),
            importance=pair[1] if same else draw(level),
            evidence=draw(st.sampled_from(("", "An example", "A handover"))),
        )
        for name in HLM_DIMENSIONS
    }
    answer = SelfAssessment(ratings=ratings)
    names = answer.development_priorities()[:2] + list(HLM_DIMENSIONS)
    lead = draw(st.sampled_from(("", *names[:3])))
    answer.development_plan = f"{lead} {draw(text(MIN_DEVELOPMENT_PLAN_WORDS))}".strip()
    return answer


stakeholder = st.builds(
    Stakeholder,
    name=short_text,
    category=maybe(st.sampled_from(list(NINE_CS))),
    power=maybe(st.sampled_from(("low", "high"))),
    interest=maybe(st.sampled_from(("low", "high"))),
    plan=text(MIN_ENGAGEMENT_PLAN_WORDS),
)


@st.composite
def stakeholder_answers(draw: st.DrawFn) -> Stakeholders:
    filled = draw(st.sets(st.sampled_from(list(NINE_CS))))
    return Stakeholders(
        brainstorm={c: "Somebody" if c in filled else "" for c in NINE_CS},
        stakeholders=draw(st.lists(stakeholder, max_size=7)),
    )


force = st.builds(
    Force,
    description=st.sampled_from(("", "Time", "IT", "No protected time", "A sponsor", "Money")),
    score=st.integers(1, 5) | st.just(3),
)
force_fields = st.builds(
    ForceField,
    change=text(MIN_CHANGE_WORDS),
    driving=st.lists(force, max_size=5),
    restraining=st.lists(force, max_size=5),
    plan=text(MIN_FORCE_PLAN_WORDS),
)

AIMS = (
    "",
    "Reduce the percentage of redirected referrals in Brent from 35% to 15% by 31 March 2027.",
    "Improve referrals to community paediatrics for children in Brent by March 2027.",
    "Cut redirects to 15% by 2027.",
)
smart_aims = st.builds(
    SmartAim, statement=st.sampled_from(AIMS), measure=st.sampled_from(("", "the referral log"))
)
secondary = st.builds(
    SecondaryDriver,
    text=short_text,
    change_ideas=st.lists(st.sampled_from(("", "Publish it", "A template")), max_size=2),
)
driver_diagrams = st.builds(
    DriverDiagram,
    aim=st.sampled_from(AIMS),
    primary=st.lists(
        st.builds(PrimaryDriver, text=short_text, secondary=st.lists(secondary, max_size=2)),
        max_size=3,
    ),
)
measure_lists = st.builds(
    Measures,
    measures=st.lists(
        st.builds(
            Measure,
            kind=maybe(st.sampled_from(list(MEASURE_KINDS))),
            name=short_text,
            definition=short_text,
            data_source=short_text,
        ),
        max_size=5,
    ),
)
pdsa_lists = st.builds(
    PdsaCycles,
    cycles=st.lists(
        st.builds(
            PdsaCycle,
            change=short_text,
            plan=short_text,
            prediction=st.sampled_from(("", "It will work", "8 of 10 go first time")),
        ),
        max_size=2,
    ),
)
reflections = st.builds(
    Reflection,
    outcomes=st.fixed_dictionaries(
        {
            key: st.builds(
                OutcomeReflection,
                what=text(MIN_REFLECTION_WORDS),
                so_what=text(MIN_REFLECTION_WORDS),
                now_what=text(MIN_REFLECTION_WORDS),
                dimensions=st.lists(st.sampled_from(HLM_DIMENSIONS), max_size=2),
            )
            for key in LEARNING_OUTCOMES
        }
    ),
)


@st.composite
def quote_codings(draw: st.DrawFn) -> QuoteCoding:
    coded = draw(st.booleans())
    picks = set(draw(st.lists(st.sampled_from(QUOTE_IDS), max_size=REPORT_PICKS[1] + 2)))
    saved = QUOTE_IDS if draw(st.booleans()) else QUOTE_IDS[: len(QUOTE_IDS) // 2]
    return QuoteCoding(
        codes={
            q: QuoteCode(
                themes=[]
                if not coded and q == saved[-1]
                else [draw(st.sampled_from(list(THEMES)))],
                use_in_report=q in picks,
            )
            for q in saved
        }
    )


# ------------------------------------------------ finished answers, then mutated


def words(n: int, lead: str = "") -> str:
    """``lead`` followed by words up to exactly ``n`` words in all."""
    return " ".join([lead] * bool(lead) + ["word"] * (n - len(lead.split())))


def _self_assessment_at_the_minimum() -> SelfAssessment:
    answer = SelfAssessment()
    for n, name in enumerate(HLM_DIMENSIONS):
        answer.ratings[name] = DimensionRating(
            performance=LEVELS[n % 3], importance=LEVELS[(n + 1) % 4]
        )
    top = answer.development_priorities()[:PRIORITIES_WITH_EXAMPLE]
    others = [name for name in HLM_DIMENSIONS if name not in top]
    for name in (top + others)[:MIN_EXAMPLES]:
        answer.ratings[name].evidence = "A real moment"
    answer.development_plan = words(MIN_DEVELOPMENT_PLAN_WORDS, top[0])
    return answer


def _stakeholders_at_the_minimum() -> Stakeholders:
    cs = list(NINE_CS)
    return Stakeholders(
        brainstorm={c: "Somebody" for c in cs[-MIN_NINE_CS:]},
        stakeholders=[
            Stakeholder(
                name=f"Group {n}",
                category=cs[-1 - n],
                power="high" if n == 0 else "low",
                interest="high" if n < 2 else "low",
                plan=words(MIN_ENGAGEMENT_PLAN_WORDS),
            )
            for n in range(MIN_STAKEHOLDERS)
        ],
    )


AIM = "Reduce the percentage of redirected referrals in Brent from 35% to 15% by 31 March 2027."

AT_THE_MINIMUM: dict[str, Answer] = {
    "self_assessment": _self_assessment_at_the_minimum(),
    "stakeholders": _stakeholders_at_the_minimum(),
    "force_field": ForceField(
        change=words(MIN_CHANGE_WORDS),
        driving=[Force(description=f"Push {n}", score=1 + n) for n in range(MIN_FORCES)],
        restraining=[Force(description=f"Hold {n}", score=5 - n) for n in range(MIN_FORCES)],
        plan=words(MIN_FORCE_PLAN_WORDS),
    ),
    "smart_aim": SmartAim(statement=AIM, measure="the referral log"),
    "driver_diagram": DriverDiagram(
        aim=AIM,
        primary=[
            PrimaryDriver(
                text=f"Driver {n}",
                secondary=[SecondaryDriver(text="Secondary", change_ideas=[f"Idea {n}"] * (n + 1))],
            )
            for n in range(MIN_PRIMARY_DRIVERS)
        ],
    ),
    "measures": Measures(
        measures=[
            Measure(kind=kind, name=kind, definition="a out of b", data_source="a log")
            for kind in MEASURE_KINDS
        ]
    ),
    "pdsa_cycles": PdsaCycles(
        cycles=[PdsaCycle(change="Idea 0", plan="One GP", prediction="8 of 10 first time")]
    ),
    "reflection": Reflection(
        outcomes={
            key: OutcomeReflection(
                what=words(MIN_REFLECTION_WORDS),
                so_what=words(MIN_REFLECTION_WORDS),
                now_what=words(MIN_REFLECTION_WORDS),
                dimensions=["Engaging the team"],
            )
            for key in LEARNING_OUTCOMES
        }
    ),
    "quote_coding": QuoteCoding(
        codes={
            q: QuoteCode(themes=[next(iter(THEMES))], use_in_report=n < REPORT_PICKS[0])
            for n, q in enumerate(QUOTE_IDS)
        }
    ),
}
"""A finished answer for each form, every count and word total exactly at its minimum."""

Where = tuple[str | int, ...]


def _nodes(value: Any, path: Where = ()) -> Iterator[tuple[Where, Any]]:
    """Every value inside a dumped answer, with its path."""
    yield path, value
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, child in items:
        yield from _nodes(child, (*path, key))


def _set(data: Any, path: Where, new: Any) -> Any:
    """``data`` with the value at ``path`` replaced by ``new`` (``_DELETE`` removes it)."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    copy = dict(data) if isinstance(data, dict) else list(data)
    child = _set(copy[head], rest, new)
    if child is _DELETE:
        del copy[head]
    else:
        copy[head] = child
    return copy


_DELETE = object()


def _changes(value: Any, leaves: list[Any]) -> st.SearchStrategy[Any]:
    """Small changes to one value, the kind that cross a rule's boundary."""
    if isinstance(value, bool):
        return st.just(not value)
    if isinstance(value, int):
        return st.integers(1, 5)
    if isinstance(value, str):
        others = [leaf for leaf in leaves if isinstance(leaf, str)]
        return st.sampled_from(
            ["", " ".join(value.split()[:-1]), f"{value} word", _DELETE, None]
        ) | st.sampled_from(others)
    if isinstance(value, list):
        indices = range(len(value))
        drop = (
            st.sampled_from(indices).map(lambda i: value[:i] + value[i + 1 :])
            if value
            else st.just([])
        )
        twice = st.sampled_from(indices).map(lambda i: [*value, value[i]]) if value else st.just([])
        return drop | twice | st.just(_DELETE)
    return st.just(_DELETE)


@st.composite
def mutated(draw: st.DrawFn, answer: Answer) -> Answer:
    """``answer`` with up to three small random changes; often still finished, often not."""
    data = answer.model_dump(mode="json")
    for _ in range(draw(st.integers(0, 3))):
        nodes = list(_nodes(data))[1:]
        if not nodes:
            break
        leaves = [value for _, value in nodes if not isinstance(value, dict | list)]
        path, value = draw(st.sampled_from(nodes))
        data = _set(data, path, draw(_changes(value, leaves)))
    try:
        return type(answer).model_validate(data)
    except ValidationError:
        reject()


BUILT: dict[str, dict[str, st.SearchStrategy[Answer]]] = {
    "leadership_self_and_stakeholders": {
        "self_assessment": self_assessments(),
        "stakeholders": stakeholder_answers(),
    },
    "drivers_and_barriers": {"force_field": force_fields},
    "change_plan": {
        "smart_aim": smart_aims,
        "driver_diagram": driver_diagrams,
        "measures": measure_lists,
        "pdsa_cycles": pdsa_lists,
    },
    "reflection": {"reflection": reflections},
    "patient_experience": {"quote_coding": quote_codings()},
}
"""Answers built freely for each form notebook's forms (mostly unfinished)."""

FORMS = {
    assignment: {key: mutated(AT_THE_MINIMUM[key]) | built for key, built in forms.items()}
    for assignment, forms in BUILT.items()
}
"""Random answers for each form notebook: a finished answer mutated, or built freely."""

FORM_SETTINGS = settings(
    derandomize=True,
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def answer_sets(assignment: str) -> st.SearchStrategy[dict[str, Answer]]:
    return st.fixed_dictionaries(FORMS[assignment])


# --------------------------------------------------------------------- tests


@pytest.mark.parametrize("key", list(AT_THE_MINIMUM))
def test_the_answers_at_the_minimum_are_finished(key: str) -> None:
    context = {arg: AT_THE_MINIMUM[other] for arg, other in CONTEXT.get(key, {}).items()}
    assert AT_THE_MINIMUM[key].missing(**context) == []


@pytest.mark.parametrize("assignment", list(NOTEBOOKS))
def test_every_check_cell_of_a_form_is_covered(assignment: str) -> None:
    """Each graded cell that checks a form is in the table above, so the property covers it."""
    cells = _cells(assignment)
    checking = {gid for gid, c in cells.items() if ".require(" in c.source}
    assert checking == set(NOTEBOOKS[assignment].checks)


@pytest.mark.parametrize("assignment", list(NOTEBOOKS))
def test_the_form_status_and_the_graded_score_never_disagree(
    assignment: str, tmp_path: Path
) -> None:
    seen: set[tuple[str, bool]] = set()

    @FORM_SETTINGS
    @given(answers=answer_sets(assignment))
    def check(answers: dict[str, Answer]) -> None:
        graded = grade(assignment, answers, tmp_path)
        want = expected(assignment, answers)
        assert graded.passed == want
        if all(want.values()):  # every form says "Complete": every completion mark
            assert graded.score == sum(graded.points.values())
        seen.update(want.items())

    check()
    # the random answers finished and left unfinished every part, so both sides were tested
    unseen = {(gid, ok) for gid in NOTEBOOKS[assignment].checks for ok in (True, False)} - seen
    assert not unseen, f"no random answer gave these check results: {sorted(unseen)}"


def test_an_answer_changed_in_the_notebook_but_not_saved_fails_the_hidden_test(
    tmp_path: Path,
) -> None:
    """The hidden test checks the saved file again: a variable set by hand does not count."""
    cells = _cells("reflection")
    namespace: dict[str, Any] = {}
    with _in(tmp_path), contextlib.redirect_stdout(io.StringIO()) as out:
        exec(cells["setup"].source, namespace)  # noqa: S102
        finished = OutcomeReflection(
            what=" ".join(["word"] * MIN_REFLECTION_WORDS),
            so_what=" ".join(["word"] * MIN_REFLECTION_WORDS),
            now_what=" ".join(["word"] * MIN_REFLECTION_WORDS),
            dimensions=["Leading with care"],
        )
        namespace["reflection_answer"] = Reflection(outcomes={"LO1": finished})
        with pytest.raises(AssertionError, match="as saved in the answers file"):
            exec(cells["test_reflection_lo1"].source, namespace)  # noqa: S102
    assert "First checks passed for your reflection on LO1" in out.getvalue()


NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def _spelt(n: int) -> str:
    """How the instructions write a number: in words up to six, in figures above."""
    return NUMBER_WORDS.get(n, str(n))


INSTRUCTIONS = [
    (
        "leadership_self_and_stakeholders",
        "self_assessment_task",
        f"at least {_spelt(MIN_EXAMPLES)} dimensions",
    ),
    (
        "leadership_self_and_stakeholders",
        "self_assessment_task",
        f"top {_spelt(PRIORITIES_WITH_EXAMPLE)}",
    ),
    (
        "leadership_self_and_stakeholders",
        "self_assessment_task",
        f"at least {MIN_DEVELOPMENT_PLAN_WORDS} words",
    ),
    (
        "leadership_self_and_stakeholders",
        "stakeholders_task",
        f"at least {_spelt(MIN_NINE_CS)} of the 9 Cs",
    ),
    (
        "leadership_self_and_stakeholders",
        "stakeholders_task",
        f"at least {_spelt(MIN_STAKEHOLDERS)} stakeholders",
    ),
    (
        "leadership_self_and_stakeholders",
        "stakeholders_task",
        f"at least {_spelt(MIN_ENGAGEMENT_PLAN_WORDS)} words",
    ),
    ("leadership_self_and_stakeholders", "stakeholders_task", '"Consumers"'),
    ("drivers_and_barriers", "force_field_task", f"at least {_spelt(MIN_CHANGE_WORDS)} words"),
    ("drivers_and_barriers", "force_field_task", f"at least {_spelt(MIN_FORCES)} driving forces"),
    ("drivers_and_barriers", "force_field_task", f"at least {MIN_FORCE_PLAN_WORDS} words"),
    ("change_plan", "driver_intro", f"at least {_spelt(MIN_PRIMARY_DRIVERS)} primary drivers"),
    ("change_plan", "driver_intro", f"at least {_spelt(MIN_CHANGE_IDEAS)} change ideas"),
    ("change_plan", "pdsa_intro", "a number in figures"),
    ("reflection", "outcomes", f"at least {MIN_REFLECTION_WORDS} words each"),
]


@pytest.mark.parametrize(("assignment", "grade_id", "phrase"), INSTRUCTIONS)
def test_the_instructions_state_the_rules_the_forms_enforce(
    assignment: str, grade_id: str, phrase: str
) -> None:
    """Each rule's number, from the same constant the form uses, is in the task's instructions."""
    text = " ".join(_cells(assignment)[grade_id].source.replace("**", "").split())
    assert phrase in text, f"{assignment} / {grade_id} should say {phrase!r}"
