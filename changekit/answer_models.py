"""The forms trainees fill in, as pydantic models: one per widget.

Each model is what the answer store saves (``changekit.answers``), what a
graded cell loads and checks, and what the feedback shows. Every rule a form
must meet (word counts, numbers of rows, the 9 Cs, ratings) is stated once,
here, as a named constant and a line of ``todo()``; the same list drives the
form's "Still to do" and "Complete" status, the visible check in the
notebook, the hidden test (which checks the saved file again) and the
feedback. So a form that says "Complete" earns every completion mark. Every
form has:

- ``parts``: the parts that have their own check cell in the notebook, e.g.
  ``Reflection.parts == {"LO1": ..., "LO2": ...}``;
- ``todo() -> list[Todo]`` and ``missing(part=None) -> list[str]``: what is
  still to do, in plain English, for the whole form or one part; empty when
  complete;
- ``to_markdown() -> str``: the answer as Markdown, so the formgrader and the
  feedback show what the trainee wrote (widgets render blank there);
- derived values as methods (``development_priorities()``, ``totals()``,
  ``check()``...), so notebooks and charts never recompute them.

Store keys: ``STORE_KEYS`` maps each key ("self_assessment", ...) to its model.
Sources: NHS Healthcare Leadership Model (NHS Leadership Academy, 2013); NHS
QSIR stakeholder analysis (9 Cs, Mendelow's power/interest grid); Lewin's
force-field analysis; Model for Improvement (Langley et al.).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import ClassVar, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator

# ----------------------------------------------------------------- constants

HLM_DIMENSIONS: tuple[str, ...] = (
    "Inspiring shared purpose",
    "Leading with care",
    "Evaluating information",
    "Connecting our service",
    "Sharing the vision",
    "Engaging the team",
    "Holding to account",
    "Developing capability",
    "Influencing for results",
)
"""The nine dimensions of the NHS Healthcare Leadership Model (NHS Leadership Academy, 2013)."""

HLM_PROMPTS: dict[str, str] = {
    "Inspiring shared purpose": "holding to a service ethos and NHS values; curious about improving care",
    "Leading with care": "understanding your team's needs and keeping a caring, safe environment",
    "Evaluating information": "seeking varied information and using it to form ideas and plans",
    "Connecting our service": "seeing how services, teams and organisations fit together",
    "Sharing the vision": "describing a credible future so that it feels achievable",
    "Engaging the team": "involving people and showing that their ideas count",
    "Holding to account": "agreeing clear goals and supporting people to own the results",
    "Developing capability": "building people's ability to meet future challenges",
    "Influencing for results": "building relationships and choosing how to persuade",
}
"""A one-line paraphrase of each dimension, to prompt the self-assessment."""

LEVELS: tuple[str, ...] = ("essential", "proficient", "strong", "exemplary")
"""The model's four levels, lowest first. Not tied to grade or seniority."""

NINE_CS: dict[str, str] = {
    "commissioners": "who pays for or commissions the service",
    "customers": "who receives what the change produces",
    "collaborators": "who will work with you on it",
    "contributors": "whose knowledge, data or time you need",
    "channels": "who can carry your message to others",
    "champions": "who will speak up for the change",
    "competitors": "who wants the same money, time or attention",
    "commentators": "whose opinion others listen to",
    "consumers": "children, young people and families affected by it",
}
"""The NHS QSIR "9 Cs" for brainstorming stakeholders, each with a prompt."""

POWER_INTEREST: tuple[str, ...] = ("low", "high")

STRATEGIES: dict[tuple[str, str], str] = {
    ("high", "high"): "manage closely",
    ("high", "low"): "keep satisfied",
    ("low", "high"): "keep informed",
    ("low", "low"): "monitor",
}
"""Mendelow's grid: (power, interest) -> engagement strategy."""

STRATEGY_ADVICE: dict[str, str] = {
    "manage closely": "involve them in decisions and meet them regularly",
    "keep satisfied": "consult them on what matters to them and avoid surprises",
    "keep informed": "keep them up to date and use their enthusiasm",
    "monitor": "check in now and then; their position may change",
}

MEASURE_KINDS: dict[str, str] = {
    "outcome": "does the change improve what matters to children and families?",
    "process": "are the steps that lead to the outcome happening as planned?",
    "balancing": "is the change causing a problem somewhere else?",
}
"""The three kinds of measure in the Model for Improvement."""

PDSA_DECISIONS: tuple[str, ...] = ("adopt", "adapt", "abandon")

LEARNING_OUTCOMES: dict[str, str] = {
    "LO1": "Leadership principles: self-awareness, others' perspectives, team working, "
    "stakeholder engagement",
    "LO2": "The local landscape and the whole-population approach",
    "LO3": "Drivers and barriers for local service change",
    "LO4": "Engaging other professions to design and implement care across services",
}
"""The four learning outcomes of the PICH theme 'Leadership of the development of integrated services'."""

# The rules each form must meet: stated here once, used by the forms' "still to
# do" lists, the notebooks' checks, the hidden tests and the feedback.
MIN_EXAMPLES = 3
"""Self-assessment: dimensions with an example, at least."""
PRIORITIES_WITH_EXAMPLE = 2
"""Self-assessment: this many top development priorities must each have an example."""
MIN_DEVELOPMENT_PLAN_WORDS = 25
MIN_NINE_CS = 6
"""Stakeholders: Cs brainstormed, at least."""
MIN_STAKEHOLDERS = 5
MIN_ENGAGEMENT_PLAN_WORDS = 5
"""Stakeholders: words in each 'how I will engage them', at least (a sentence)."""
MIN_CHANGE_WORDS = 5
"""Force field: words describing the change, at least (a sentence)."""
MIN_FORCES = 3
"""Force field: described forces on each side, at least."""
MIN_FORCE_PLAN_WORDS = 30
MIN_PRIMARY_DRIVERS = 2
MIN_CHANGE_IDEAS = 3
"""Driver diagram: change ideas in all, at least."""
SPECIFIC_MIN_WORDS = 8
MIN_REFLECTION_WORDS = 20
"""Reflection: words in each of what / so what / now what, at least."""

Dimension = Literal[HLM_DIMENSIONS]  # type: ignore[valid-type]
Level = Literal[LEVELS]  # type: ignore[valid-type]
NineC = Literal[tuple(NINE_CS)]  # type: ignore[valid-type]
PowerInterest = Literal[POWER_INTEREST]  # type: ignore[valid-type]
MeasureKind = Literal[tuple(MEASURE_KINDS)]  # type: ignore[valid-type]
PdsaDecision = Literal[PDSA_DECISIONS]  # type: ignore[valid-type]
OutcomeKey = Literal[tuple(LEARNING_OUTCOMES)]  # type: ignore[valid-type]

NOT_ANSWERED = "_(not answered yet)_"

# ------------------------------------------------------------ markdown helpers

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#])")


def md_escape(text: str) -> str:
    """Trainee text made safe for Markdown: no accidental formatting, tables or HTML."""
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def md_paragraph(text: str) -> str:
    """Free text as a Markdown paragraph, line breaks kept; a marker when blank."""
    if not text.strip():
        return NOT_ANSWERED
    return "  \n".join(md_escape(line) for line in text.strip().splitlines())


def md_cell(text: str) -> str:
    """Free text for one table cell: escaped, line breaks as ``<br>``; a dash when blank."""
    if not text.strip():
        return "-"
    return "<br>".join(md_escape(line) for line in text.strip().splitlines())


def md_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table; cells must already be escaped (use ``md_cell``)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def md_missing(items: list[str]) -> str:
    """The 'still to do' list that closes each form's Markdown (nothing when complete)."""
    if not items:
        return ""
    return "\n\n**Still to do:**\n\n" + "\n".join(f"- {md_escape(item)}" for item in items)


def _blank(text: str) -> bool:
    return not text.strip()


def word_count(text: str) -> int:
    """Words in ``text`` as the checks count them: runs of characters between spaces."""
    return len(text.split())


def _too_short(text: str, minimum: int) -> bool:
    """True when ``text`` is written but has fewer than ``minimum`` words."""
    return not _blank(text) and word_count(text) < minimum


def _names(items: Sequence[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# ------------------------------------------------------------------ base


class Part(BaseModel):
    """Base of every model: unknown fields are an error, assignments are validated.

    ``extra="forbid"`` means a hand-edited file with a misspelt field is reported
    (and backed up) rather than the text silently dropped.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


FIRST_CHECKS_PASSED = (
    "First checks passed for {what}. More checks are run when your work is marked."
)
"""What a visible check prints when it passes (hidden checks follow at marking)."""

RUN_AGAIN = (
    "After changing the form, run the cell that shows your saved answer again, then this one."
)
"""What a check that fails adds: the check reads the answer as that cell loaded it."""


class NotFinished(AssertionError):
    """A form's check found something still to do; the message lists it in plain English.

    An ``AssertionError``, so nbgrader scores the check cell zero and the
    feedback shows the message.
    """


class Todo(NamedTuple):
    """One thing still to do: the part of the form it belongs to and what to do."""

    part: str
    text: str


class Answer(Part):
    """A whole form: what the store saves under one key."""

    title: ClassVar[str] = "Answer"
    parts: ClassVar[dict[str, str]] = {}
    """Each part with its own check in the notebook, and what a finished part has."""

    def todo(self, **context: Answer | None) -> list[Todo]:
        """Everything still to do, each tagged with its part; empty when complete.

        ``context`` holds other forms a rule compares with (the driver diagram's
        aim with the SMART aim); forms without such a rule ignore it.
        """
        raise NotImplementedError

    def missing(self, part: str | None = None, **context: Answer | None) -> list[str]:
        """What is still to do, in plain English: for the whole form, or for one ``part``."""
        if part is not None and part not in self.parts:
            raise KeyError(
                f'The {self.title} form has no part called "{part}"; its parts are: '
                f"{', '.join(self.parts)}."
            )
        return [item.text for item in self.todo(**context) if part in (None, item.part)]

    def require(self, part: str, *, saved: bool = False, **context: Answer | None) -> None:
        """The check of one part, as the notebook's graded cell runs it.

        Raises ``NotFinished`` with this form's own "still to do" list for
        ``part``, so the check, the form and the feedback say the same thing;
        otherwise prints ``FIRST_CHECKS_PASSED``. ``saved=True`` is the hidden
        test: the same rules on the answer loaded again from the answers file
        (an answer changed in the notebook but not in the form does not count);
        it prints nothing.
        """
        __tracebackhide__ = True  # trainees see the message, not this method
        todo = self.missing(part, **context)
        what = self.parts[part]
        if todo:
            where = " (as saved in the answers file)" if saved else ""
            raise NotFinished(
                f"Not finished yet: {what}{where}. Still to do: {' '.join(todo)} {RUN_AGAIN}"
            )
        if not saved:
            print(FIRST_CHECKS_PASSED.format(what=what))

    def to_markdown(self) -> str:
        """The answer as Markdown, for the formgrader, feedback and reports."""
        raise NotImplementedError

    @property
    def complete(self) -> bool:
        """True when nothing is missing."""
        return not self.missing()

    def _repr_markdown_(self) -> str:
        """Show the answer as text when a notebook cell ends with it."""
        return self.to_markdown()


# ------------------------------------------------------------ self-assessment


class DimensionRating(Part):
    """Your rating for one dimension: the level you work at and the level your role needs."""

    performance: Level | None = None
    importance: Level | None = Field(None, description="the level your role needs")
    evidence: str = Field("", description="an example of what you did")

    @property
    def gap(self) -> int | None:
        """Levels between what the role needs and your performance (positive: room to grow)."""
        if self.performance is None or self.importance is None:
            return None
        return LEVELS.index(self.importance) - LEVELS.index(self.performance)


class SelfAssessment(Answer):
    """Healthcare Leadership Model self-assessment: nine dimensions, two ratings each.

    ``ratings`` always holds all nine dimensions in the model's order, e.g.
    ``SelfAssessment().ratings["Leading with care"].performance = "strong"``.
    """

    title: ClassVar[str] = "Healthcare Leadership Model self-assessment"
    parts: ClassVar[dict[str, str]] = {
        "ratings": "your ratings",
        "examples_and_plan": "your examples and development plan",
    }

    ratings: dict[Dimension, DimensionRating] = Field(
        default_factory=lambda: {name: DimensionRating() for name in HLM_DIMENSIONS}
    )
    development_plan: str = Field("", description="what you will do about your top priorities")

    @field_validator("ratings")
    @classmethod
    def _all_nine_in_order(cls, ratings: dict[str, DimensionRating]) -> dict[str, DimensionRating]:
        return {name: ratings.get(name, DimensionRating()) for name in HLM_DIMENSIONS}

    def development_priorities(self) -> list[str]:
        """Dimensions where your role needs a higher level than you rate yourself at.

        Biggest gap first; ties go to the dimension that matters more to the role,
        then to the model's order. Empty when every rated dimension meets the role.
        """
        gaps = [
            (rating.gap, LEVELS.index(rating.importance), -order, name)
            for order, (name, rating) in enumerate(self.ratings.items())
            if rating.gap is not None and rating.gap > 0
        ]
        return [name for *_, name in sorted(gaps, reverse=True)]

    def todo(self, **context: Answer | None) -> list[Todo]:
        return self._rating_todo() + self._example_and_plan_todo()

    def _rating_todo(self) -> list[Todo]:
        todo = []
        for field, what in (
            ("performance", "your level"),
            ("importance", "the level your role needs"),
        ):
            unrated = [name for name, r in self.ratings.items() if getattr(r, field) is None]
            if unrated:
                todo.append(Todo("ratings", f"Rate {what} for: {_names(unrated)}."))
        pairs = {(r.performance, r.importance) for r in self.ratings.values()}
        if not todo and len(pairs) == 1:
            todo.append(
                Todo(
                    "ratings",
                    "Every dimension has the same two ratings: rate each one on its own merits.",
                )
            )
        return todo

    def _example_and_plan_todo(self) -> list[Todo]:
        todo = []
        examples = [name for name, r in self.ratings.items() if not _blank(r.evidence)]
        if len(examples) < MIN_EXAMPLES:
            todo.append(
                f"Give an example for at least {MIN_EXAMPLES} dimensions (you have {len(examples)})."
            )
        top = self.development_priorities()[:PRIORITIES_WITH_EXAMPLE]
        unexampled = [name for name in top if name not in examples]
        if unexampled:
            todo.append(
                f"Give an example for your top development priorities: {_names(unexampled)}."
            )
        words = word_count(self.development_plan)
        if words < MIN_DEVELOPMENT_PLAN_WORDS:
            todo.append(
                f"Write a development plan of at least {MIN_DEVELOPMENT_PLAN_WORDS} words "
                f"(you have {words})."
            )
        named = top or list(HLM_DIMENSIONS)
        plan = self.development_plan.lower()
        if words and not any(name.lower() in plan for name in named):
            todo.append(
                f"Name your top development priority in your plan ({' or '.join(top)})."
                if top
                else "Name the leadership dimension your development plan is about."
            )
        return [Todo("examples_and_plan", text) for text in todo]

    def to_markdown(self) -> str:
        rows = [
            (
                md_escape(name),
                rating.performance or "-",
                rating.importance or "-",
                "-" if rating.gap is None else f"{rating.gap:+d}",
                md_cell(rating.evidence),
            )
            for name, rating in self.ratings.items()
        ]
        table = md_table(("Dimension", "My level", "Level my role needs", "Gap", "Example"), rows)
        priorities = self.development_priorities()
        listed = (
            "\n".join(f"{n}. {md_escape(name)}" for n, name in enumerate(priorities, 1))
            if priorities
            else "None: every rated dimension meets what the role needs."
        )
        return (
            f"### {self.title}\n\n{table}\n\n**Development priorities** (biggest gap first):\n\n"
            f"{listed}\n\n**My development plan:** {md_paragraph(self.development_plan)}"
            + md_missing(self.missing())
        )


# --------------------------------------------------------------- stakeholders


class Stakeholder(Part):
    """One stakeholder (a group or role, not a named person), placed on the grid."""

    name: str = ""
    category: NineC | None = None
    power: PowerInterest | None = None
    interest: PowerInterest | None = None
    plan: str = Field("", description="how you will engage them")

    @property
    def strategy(self) -> str | None:
        """Mendelow: 'manage closely', 'keep satisfied', 'keep informed' or 'monitor'."""
        if self.power is None or self.interest is None:
            return None
        return STRATEGIES[(self.power, self.interest)]


class Stakeholders(Answer):
    """A 9 Cs brainstorm and the stakeholders placed on a power/interest grid."""

    title: ClassVar[str] = "Stakeholders"
    parts: ClassVar[dict[str, str]] = {
        "grid": "your stakeholders on the grid and your plans to engage them",
        "breadth": "your 9 Cs brainstorm and the range of your stakeholders",
    }

    brainstorm: dict[NineC, str] = Field(default_factory=lambda: {c: "" for c in NINE_CS})
    stakeholders: list[Stakeholder] = Field(default_factory=list)

    @field_validator("brainstorm")
    @classmethod
    def _all_nine_cs_in_order(cls, brainstorm: dict[str, str]) -> dict[str, str]:
        return {c: brainstorm.get(c, "") for c in NINE_CS}

    def by_strategy(self) -> dict[str, list[Stakeholder]]:
        """The placed stakeholders grouped by engagement strategy (grid order)."""
        groups: dict[str, list[Stakeholder]] = {s: [] for s in STRATEGIES.values()}
        for person in self.stakeholders:
            if person.strategy is not None:
                groups[person.strategy].append(person)
        return groups

    def todo(self, **context: Answer | None) -> list[Todo]:
        return self._grid_todo() + self._breadth_todo()

    def _grid_todo(self) -> list[Todo]:
        """Enough stakeholders, each named, placed and with a plan."""
        todo = []
        if len(self.stakeholders) < MIN_STAKEHOLDERS:
            todo.append(
                f"Add at least {MIN_STAKEHOLDERS} stakeholders to the grid "
                f"(you have {len(self.stakeholders)})."
            )
        for n, person in enumerate(self.stakeholders, 1):
            label = f"stakeholder {n}" + (
                "" if _blank(person.name) else f" ({person.name.strip()})"
            )
            if _blank(person.name):
                todo.append(f"Name {label}.")
            if person.strategy is None:
                todo.append(f"Place {label} on the grid: choose its power and its interest.")
            if _blank(person.plan):
                todo.append(f"Write how you will engage {label}.")
            elif _too_short(person.plan, MIN_ENGAGEMENT_PLAN_WORDS):
                todo.append(
                    f"Write at least {MIN_ENGAGEMENT_PLAN_WORDS} words on how you will engage {label}."
                )
        return [Todo("grid", text) for text in todo]

    def _breadth_todo(self) -> list[Todo]:
        """The 9 Cs brainstorm, each stakeholder's C, families, and a sponsor."""
        todo = []
        filled = [c for c, text in self.brainstorm.items() if not _blank(text)]
        if len(filled) < MIN_NINE_CS:
            todo.append(f"Brainstorm at least {MIN_NINE_CS} of the 9 Cs (you have {len(filled)}).")
        todo += [
            f"Choose which of the 9 Cs stakeholder {n} is."
            for n, person in enumerate(self.stakeholders, 1)
            if person.category is None
        ]
        if not any(p.category == "consumers" for p in self.stakeholders):
            todo.append(
                "Put children, young people or families on the grid, as 'Consumers' in the 9 Cs."
            )
        if not self.by_strategy()["manage closely"]:
            todo.append(
                "Place somebody with high power and high interest ('manage closely'): "
                "who will sponsor the change?"
            )
        return [Todo("breadth", text) for text in todo]

    def to_markdown(self) -> str:
        cs = md_table(
            ("C", "Who comes to mind"),
            ((c.capitalize(), md_cell(text)) for c, text in self.brainstorm.items()),
        )
        people = (
            md_table(
                ("Stakeholder", "C", "Power", "Interest", "Strategy", "How I will engage them"),
                (
                    (
                        md_cell(p.name),
                        p.category or "-",
                        p.power or "-",
                        p.interest or "-",
                        p.strategy or "-",
                        md_cell(p.plan),
                    )
                    for p in self.stakeholders
                ),
            )
            if self.stakeholders
            else NOT_ANSWERED
        )
        return (
            f"### {self.title}\n\n**9 Cs brainstorm**\n\n{cs}\n\n**Power/interest grid and plan**"
            f"\n\n{people}" + md_missing(self.missing())
        )


# ------------------------------------------------------------------ force field


class Force(Part):
    """One force for or against the change, scored 1 (weak) to 5 (strong)."""

    description: str = ""
    score: int = Field(3, ge=1, le=5)


class ForceTotals(NamedTuple):
    """Total scores on each side of a force-field analysis."""

    driving: int
    restraining: int

    @property
    def balance(self) -> int:
        """Driving minus restraining: above zero, the forces for the change are stronger."""
        return self.driving - self.restraining


def _force_todo(side: str, forces: Sequence[Force]) -> list[str]:
    """What one side of a force field still needs: enough forces, each described once."""
    todo = []
    described = [f.description.strip().lower() for f in forces if not _blank(f.description)]
    if len(described) < MIN_FORCES:
        todo.append(f"Describe at least {MIN_FORCES} {side} forces (you have {len(described)}).")
    blank = [str(n) for n, f in enumerate(forces, 1) if _blank(f.description)]
    if blank:
        todo.append(f"Describe {side} force {_names(blank)}, or remove it.")
    if len(set(described)) < len(described):
        todo.append(f"Two {side} forces have the same description: list each force once.")
    return todo


class ForceField(Answer):
    """Lewin's force-field analysis: driving and restraining forces, and a plan."""

    title: ClassVar[str] = "Force-field analysis"
    parts: ClassVar[dict[str, str]] = {
        "change": "the change you describe",
        "forces": "your driving and restraining forces",
        "totals": "the totals of your forces",
        "plan": "your plan to weaken the strongest restraining force",
    }

    change: str = Field("", description="the change you want to make")
    driving: list[Force] = Field(default_factory=list)
    restraining: list[Force] = Field(default_factory=list)
    plan: str = Field("", description="how you will weaken the strongest restraining force")

    def totals(self) -> ForceTotals:
        """Sum of scores on each side, e.g. ``ForceTotals(driving=12, restraining=9)``."""
        return ForceTotals(
            sum(f.score for f in self.driving), sum(f.score for f in self.restraining)
        )

    def strongest_restraint(self) -> Force | None:
        """The restraining force with the highest score (the first listed on a tie)."""
        described = [f for f in self.restraining if not _blank(f.description)]
        return max(described, key=lambda f: f.score, default=None)

    def todo(self, **context: Answer | None) -> list[Todo]:
        todo = []
        if word_count(self.change) < MIN_CHANGE_WORDS:
            todo.append(
                Todo(
                    "change",
                    f"Describe the change you want to make in a sentence of at least "
                    f"{MIN_CHANGE_WORDS} words.",
                )
            )
        sides = (("driving", self.driving), ("restraining", self.restraining))
        todo += [
            Todo("forces", text) for side, forces in sides for text in _force_todo(side, forces)
        ]
        shared = {f.description.strip().lower() for f in self.driving} & {
            f.description.strip().lower() for f in self.restraining
        } - {""}
        if shared:
            todo.append(
                Todo(
                    "forces",
                    "A force cannot both drive and restrain the change: split "
                    f"'{min(shared)}' into the part that helps and the part that hinders.",
                )
            )
        if len({f.score for f in self.driving + self.restraining}) == 1:
            todo.append(
                Todo(
                    "forces",
                    "Every force has the same score: set each strength to how strong "
                    "that force really is, from 1 (weak) to 5 (strong).",
                )
            )
        todo += [
            Todo("totals", f"Add at least one {side} force, with its score.")
            for side, forces in sides
            if not forces
        ]
        if self.strongest_restraint() is None:
            todo.append(
                Todo("plan", "Describe a restraining force: the plan is about the strongest one.")
            )
        words = word_count(self.plan)
        if words < MIN_FORCE_PLAN_WORDS:
            todo.append(
                Todo(
                    "plan",
                    f"Write your plan to weaken the strongest restraining force: at least "
                    f"{MIN_FORCE_PLAN_WORDS} words (you have {words}).",
                )
            )
        return todo

    def to_markdown(self) -> str:
        totals = self.totals()
        sides = []
        for side, forces in (("Driving", self.driving), ("Restraining", self.restraining)):
            rows = ((md_cell(f.description), str(f.score)) for f in forces)
            table = md_table(("Force", "Score (1-5)"), rows) if forces else NOT_ANSWERED
            sides.append(f"**{side} forces** (total {getattr(totals, side.lower())})\n\n{table}")
        strongest = self.strongest_restraint()
        named = md_escape(strongest.description.strip()) if strongest else "-"
        return (
            f"### {self.title}\n\n**The change:** {md_paragraph(self.change)}\n\n"
            + "\n\n".join(sides)
            + f"\n\n**Strongest restraining force:** {named}\n\n"
            f"**Plan to weaken it:** {md_paragraph(self.plan)}" + md_missing(self.missing())
        )


# -------------------------------------------------------------------- SMART aim

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = re.compile(
    "|".join(
        (
            r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b",  # 31/03/2027
            r"\b\d{4}-\d{2}-\d{2}\b",  # 2027-03-31
            rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?{_MONTH}\s+(?:20)?\d{{2}}\b",  # (31) March 2027
            rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}",  # 31 March
            rf"\b(?:by|before|until|end of)\s+{_MONTH}",  # by March
            r"\bq[1-4]\s+20\d{2}\b",  # Q1 2027
            r"\b20\d{2}(?:/\d{2})?\b",  # 2027, 2026/27
        )
    ),
    re.IGNORECASE,
)
_WITHIN = re.compile(
    r"\b(?:within|in the next|over the next)\s+(?:\d+|a|one|two|three|four|six|nine|twelve)\s+"
    r"(?:days?|weeks?|months?|years?)\b",
    re.IGNORECASE,
)
_MEASURE_WORDS = re.compile(
    r"%|\bper ?cent|\bpercentage\b|\bproportion\b|\brates?\b|\bnumber of\b|\bper 1,?000\b|"
    r"\baverage\b|\bmedian\b|\bmean\b|\bscores?\b|\bcount\b|\bwaiting time\b",
    re.IGNORECASE,
)

SMART_ADVICE: dict[str, str] = {
    "specific": f"Make it specific: say what will change, for whom and where (at least {SPECIFIC_MIN_WORDS} words).",
    "measure": "Add a measure: what you will count, e.g. 'the percentage of GP referrals redirected'.",
    "number": "Add a number in figures: how much change, e.g. 'from 35% to 15%'.",
    "date": "Add a date: by when, e.g. 'by 31 March 2027'.",
    "time_bound": "Make it time-bound: give a date or a period, e.g. 'within six months'.",
    "measured_by": "Fill in 'Measured by': how you will measure the aim and where the data come from.",
}


class SmartAim(Answer):
    """A SMART aim, built from its parts or written directly in ``statement``.

    The parts (``improvement``, ``population``, ``target``, ``deadline``,
    ``measure``) prompt the trainee; ``compose()`` joins them into a sentence;
    ``check()`` and ``missing()`` judge the ``statement``.
    """

    title: ClassVar[str] = "SMART aim"
    parts: ClassVar[dict[str, str]] = {"aim": "your SMART aim"}

    improvement: str = Field("", description="what will improve")
    population: str = Field("", description="for whom and where")
    target: str = Field("", description="how much: from the baseline to the target, in figures")
    deadline: str = Field("", description="by when: a date")
    measure: str = Field("", description="how you will measure it, and where the data come from")
    statement: str = Field("", description="the aim in one sentence")

    def compose(self) -> str:
        """The parts joined into one sentence (blank parts left out)."""
        words = " ".join(
            part.strip().rstrip(".")
            for part in (
                self.improvement,
                f"for {self.population.strip()}" if not _blank(self.population) else "",
                self.target,
                f"by {self.deadline.strip()}" if not _blank(self.deadline) else "",
            )
            if not _blank(part)
        )
        if not _blank(self.measure):
            words += f", measured by {self.measure.strip().rstrip('.')}"
        return (words[:1].upper() + words[1:] + ".") if words else ""

    def check(self) -> dict[str, bool]:
        """Which SMART features the statement shows: specific, measure, number, date, time_bound.

        Heuristics, meant as prompts: *specific* is at least eight words;
        *measure* is a measure word (%, rate, proportion, number of...) in the
        statement or a filled ``measure`` box; *number* is a figure other than the
        date; *date* is a recognisable date (31/03/2027, March 2027, 31 March, Q1
        2027, 2027); *time_bound* is a date or a period ("within six months").
        """
        text = self.statement
        without_dates = _DATE.sub(" ", text)
        has_date = bool(_DATE.search(text))
        return {
            "specific": len(text.split()) >= SPECIFIC_MIN_WORDS,
            "measure": bool(_MEASURE_WORDS.search(text)) or not _blank(self.measure),
            "number": bool(re.search(r"\d", without_dates)),
            "date": has_date,
            "time_bound": has_date or bool(_WITHIN.search(text)),
        }

    def todo(self, **context: Answer | None) -> list[Todo]:
        if _blank(self.statement):
            todo = ["Write your aim in one sentence (or fill in the parts and build it)."]
        else:
            checks = self.check()
            todo = [
                SMART_ADVICE[name] for name in ("specific", "number", "date") if not checks[name]
            ]
        if _blank(self.measure):  # with it, the aim is measurable (``check()["measure"]``)
            todo.append(SMART_ADVICE["measured_by"])
        return [Todo("aim", text) for text in todo]

    def to_markdown(self) -> str:
        checks = self.check()
        ticks = ", ".join(
            f"{name.replace('_', '-')} {'yes' if ok else 'no'}" for name, ok in checks.items()
        )
        return (
            f"### {self.title}\n\n**Aim:** {md_paragraph(self.statement)}\n\n"
            f"**Measured by:** {md_paragraph(self.measure)}\n\n**Check:** {ticks}"
            + md_missing(self.missing())
        )


# --------------------------------------------------------------- driver diagram


def _figures(text: str) -> set[str]:
    """The numbers written in figures in ``text`` ("35%", "31 March 2027" -> 35, 31, 2027)."""
    return set(re.findall(r"\d+", text))


class SecondaryDriver(Part):
    """A secondary driver and the change ideas (each something to test) under it."""

    text: str = ""
    change_ideas: list[str] = Field(default_factory=list)


class PrimaryDriver(Part):
    """A primary driver: something that must be true for the aim to be met."""

    text: str = ""
    secondary: list[SecondaryDriver] = Field(default_factory=list)


class DriverDiagram(Answer):
    """Aim, primary drivers, secondary drivers, change ideas."""

    title: ClassVar[str] = "Driver diagram"
    parts: ClassVar[dict[str, str]] = {"diagram": "your driver diagram"}

    aim: str = ""
    primary: list[PrimaryDriver] = Field(default_factory=list)

    def change_ideas(self) -> list[str]:
        """Every change idea in the diagram, in order (candidates for PDSA cycles)."""
        return [
            idea
            for p in self.primary
            for s in p.secondary
            for idea in s.change_ideas
            if not _blank(idea)
        ]

    def todo(self, *, smart_aim: Answer | None = None, **context: Answer | None) -> list[Todo]:
        """As ``Answer.todo``; with ``smart_aim`` (a ``SmartAim``), the aim must carry its figures."""
        todo = []
        if _blank(self.aim):
            todo.append("Write the aim at the left of the diagram (your SMART aim).")
        elif isinstance(smart_aim, SmartAim) and not _figures(smart_aim.statement) <= _figures(
            self.aim
        ):
            todo.append(
                "Make the diagram's aim your SMART aim: press 'Use my SMART aim' "
                "(its figures are not all in the diagram's aim)."
            )
        if len(self.primary) < MIN_PRIMARY_DRIVERS:
            todo.append(
                f"Add at least {MIN_PRIMARY_DRIVERS} primary drivers (you have {len(self.primary)})."
            )
        for n, primary in enumerate(self.primary, 1):
            if _blank(primary.text):
                todo.append(f"Describe primary driver {n}.")
            if not primary.secondary:
                todo.append(f"Add at least one secondary driver under primary driver {n}.")
            for m, secondary in enumerate(primary.secondary, 1):
                where = f"secondary driver {n}.{m}"
                if _blank(secondary.text):
                    todo.append(f"Describe {where}.")
                if not any(not _blank(idea) for idea in secondary.change_ideas):
                    todo.append(f"Add at least one change idea to {where}.")
        ideas = len(self.change_ideas())
        if ideas < MIN_CHANGE_IDEAS:
            todo.append(f"Give at least {MIN_CHANGE_IDEAS} change ideas in all (you have {ideas}).")
        return [Todo("diagram", text) for text in todo]

    def to_markdown(self, *, smart_aim: Answer | None = None) -> str:
        """As ``Answer.to_markdown``; with ``smart_aim``, its still-to-do compares the aims."""
        lines = [f"### {self.title}", "", f"**Aim:** {md_paragraph(self.aim)}", ""]
        for n, primary in enumerate(self.primary, 1):
            lines.append(f"- **Primary driver {n}:** {md_cell(primary.text)}")
            for m, secondary in enumerate(primary.secondary, 1):
                lines.append(f"    - *Secondary driver {n}.{m}:* {md_cell(secondary.text)}")
                lines += [
                    f"        - Change idea: {md_cell(idea)}" for idea in secondary.change_ideas
                ]
        if not self.primary:
            lines.append(NOT_ANSWERED)
        return "\n".join(lines) + md_missing(self.missing(smart_aim=smart_aim))


# --------------------------------------------------------------------- measures


class Measure(Part):
    """One measure: its kind, what it is, how it is defined and where the data come from."""

    kind: MeasureKind | None = None
    name: str = ""
    definition: str = Field("", description="numerator and denominator, or how it is counted")
    data_source: str = ""


class Measures(Answer):
    """Outcome, process and balancing measures for the change."""

    title: ClassVar[str] = "Measures"
    parts: ClassVar[dict[str, str]] = {"measures": "your measures"}

    measures: list[Measure] = Field(default_factory=list)

    def of_kind(self, kind: str) -> list[Measure]:
        """The measures of one kind ('outcome', 'process' or 'balancing')."""
        return [m for m in self.measures if m.kind == kind]

    def todo(self, **context: Answer | None) -> list[Todo]:
        todo = [
            f"Add at least one {kind} measure ({question})"
            for kind, question in MEASURE_KINDS.items()
            if not self.of_kind(kind)
        ]
        for n, measure in enumerate(self.measures, 1):
            if measure.kind is None:
                todo.append(f"Choose the kind of measure {n} (outcome, process or balancing).")
            if _blank(measure.name):
                todo.append(f"Name measure {n}.")
            if _blank(measure.definition):
                todo.append(f"Define measure {n}: what is counted, out of what.")
            if _blank(measure.data_source):
                todo.append(f"Say where the data for measure {n} come from.")
        return [Todo("measures", text) for text in todo]

    def to_markdown(self) -> str:
        rows = (
            (m.kind or "-", md_cell(m.name), md_cell(m.definition), md_cell(m.data_source))
            for m in self.measures
        )
        table = (
            md_table(("Kind", "Measure", "Definition", "Data source"), rows)
            if self.measures
            else NOT_ANSWERED
        )
        return f"### {self.title}\n\n{table}" + md_missing(self.missing())


# ------------------------------------------------------------------ PDSA cycles


class PdsaCycle(Part):
    """One Plan-Do-Study-Act cycle; the plan includes a prediction."""

    change: str = Field("", description="the change idea being tested")
    plan: str = Field("", description="who, what, when, where; what data you will collect")
    prediction: str = Field("", description="what you expect to happen")
    do: str = Field("", description="what happened, including surprises")
    study: str = Field("", description="the results compared with the prediction")
    act: str = Field("", description="what you will do next")
    decision: PdsaDecision | None = None


class PdsaCycles(Answer):
    """PDSA cycles, in the order they were run."""

    title: ClassVar[str] = "PDSA cycles"
    parts: ClassVar[dict[str, str]] = {"cycles": "your PDSA cycles"}

    cycles: list[PdsaCycle] = Field(default_factory=list)

    def todo(self, **context: Answer | None) -> list[Todo]:
        if not self.cycles:
            return [Todo("cycles", "Add at least one PDSA cycle, with a plan and a prediction.")]
        todo = []
        for n, cycle in enumerate(self.cycles, 1):
            for field, what in (
                ("change", "the change idea"),
                ("plan", "the plan"),
                ("prediction", "a prediction"),
            ):
                if _blank(getattr(cycle, field)):
                    todo.append(f"Write {what} for cycle {n}.")
        if not any(_figures(cycle.prediction) for cycle in self.cycles):
            todo.append(
                "Put a number in figures in at least one prediction, so that you can tell "
                "whether it came true (e.g. 'at least 8 of 10 referrals')."
            )
        return [Todo("cycles", text) for text in todo]

    def to_markdown(self) -> str:
        parts = [f"### {self.title}"]
        for n, c in enumerate(self.cycles, 1):
            parts.append(
                f"**Cycle {n}: {md_cell(c.change)}**\n\n"
                + md_table(
                    ("Stage", "What I wrote"),
                    (
                        ("Plan", md_cell(c.plan)),
                        ("Prediction", md_cell(c.prediction)),
                        ("Do", md_cell(c.do)),
                        ("Study", md_cell(c.study)),
                        ("Act", md_cell(c.act)),
                        ("Decision", c.decision or "-"),
                    ),
                )
            )
        if not self.cycles:
            parts.append(NOT_ANSWERED)
        return "\n\n".join(parts) + md_missing(self.missing())


# ------------------------------------------------------------------- reflection


class OutcomeReflection(Part):
    """What? So what? Now what? for one learning outcome, linked to HLM dimensions."""

    what: str = Field("", description="what happened")
    so_what: str = Field("", description="what it meant; what you learnt")
    now_what: str = Field("", description="what you will do differently")
    dimensions: list[Dimension] = Field(default_factory=list)

    @field_validator("dimensions")
    @classmethod
    def _unique_in_model_order(cls, dimensions: list[str]) -> list[str]:
        return [name for name in HLM_DIMENSIONS if name in dimensions]


class Reflection(Answer):
    """The theme's reflection form: one structured reflection per learning outcome."""

    title: ClassVar[str] = "Reflection"
    parts: ClassVar[dict[str, str]] = {
        key: f"your reflection on {key}" for key in LEARNING_OUTCOMES
    }

    outcomes: dict[OutcomeKey, OutcomeReflection] = Field(
        default_factory=lambda: {key: OutcomeReflection() for key in LEARNING_OUTCOMES}
    )

    @field_validator("outcomes")
    @classmethod
    def _all_outcomes_in_order(
        cls, outcomes: dict[str, OutcomeReflection]
    ) -> dict[str, OutcomeReflection]:
        return {key: outcomes.get(key, OutcomeReflection()) for key in LEARNING_OUTCOMES}

    def todo(self, **context: Answer | None) -> list[Todo]:
        todo = []
        for key, item in self.outcomes.items():
            labelled = (("what", item.what), ("so what", item.so_what), ("now what", item.now_what))
            gaps = [f"'{label}'" for label, text in labelled if _blank(text)]
            if gaps:
                todo.append(
                    Todo(
                        key, f"{key}: write the {_names(gaps)} part{'s' if len(gaps) > 1 else ''}."
                    )
                )
            short = [
                f"'{label}'" for label, text in labelled if _too_short(text, MIN_REFLECTION_WORDS)
            ]
            if short:
                todo.append(
                    Todo(
                        key,
                        f"{key}: write at least {MIN_REFLECTION_WORDS} words (three or four "
                        f"sentences) in the {_names(short)} part{'s' if len(short) > 1 else ''}.",
                    )
                )
            if not item.dimensions:
                todo.append(Todo(key, f"{key}: link at least one leadership dimension."))
        return todo

    def to_markdown(self) -> str:
        parts = [f"### {self.title}"]
        for key, item in self.outcomes.items():
            dims = ", ".join(item.dimensions) if item.dimensions else "-"
            parts.append(
                f"**{key}: {md_escape(LEARNING_OUTCOMES[key])}**\n\n"
                f"*What?* {md_paragraph(item.what)}\n\n*So what?* {md_paragraph(item.so_what)}\n\n"
                f"*Now what?* {md_paragraph(item.now_what)}\n\n*Leadership dimensions:* {dims}"
            )
        return "\n\n".join(parts) + md_missing(self.missing())


# --------------------------------------------------------- own services directory

MIN_DIRECTORY_SERVICES = 3
"""Own services directory: services listed, at least (a GP needs a choice to be useful)."""
CONCERN_SEPARATOR = ";"
"""Own services directory: what separates the concerns a service takes ("headache; sleep")."""

DIRECTORY_FIELDS: dict[str, str] = {
    "service": "its name",
    "accepts": "what it accepts",
    "does_not_accept": "what it does not accept",
    "age_range": "the ages it sees",
    "how_to_refer": "how to refer",
    "contact_route": "how to contact it",
    "concerns": "the concerns it takes, for the page's index",
}
"""Each field of a directory entry and how the 'still to do' list names it (all are needed)."""


class DirectoryEntry(Part):
    """One service in a trainee's own directory, as case study 1's directory describes each service."""

    service: str = Field("", description="the service's name")
    accepts: str = Field("", description="the referrals it accepts")
    does_not_accept: str = Field(
        "", description="what it does not accept, and where those go instead"
    )
    age_range: str = Field("", description="the ages it sees, e.g. '0-5 years'")
    how_to_refer: str = Field("", description="the form, system or letter a referrer uses")
    contact_route: str = Field(
        "", description="a phone line, email or referral inbox (no patient details)"
    )
    concerns: str = Field("", description="the concerns it takes, separated by ';'")

    def concern_list(self) -> list[str]:
        """The concerns as a list: "headache; sleep problems" -> ["headache", "sleep problems"]."""
        return [part.strip() for part in self.concerns.split(CONCERN_SEPARATOR) if part.strip()]


class ServicesDirectory(Answer):
    """A trainee's own services directory: where to refer a child in their own patch.

    Exported as the same kind of page case study 1 builds
    (``changekit.widgets.services_directory.export_services_directory``).
    """

    title: ClassVar[str] = "Services directory for your patch"
    parts: ClassVar[dict[str, str]] = {"directory": "your services directory"}

    area: str = Field("", description="the patch the directory covers, e.g. 'Brent, 0-18'")
    services: list[DirectoryEntry] = Field(default_factory=list)

    def named(self) -> list[DirectoryEntry]:
        """The services that have a name (the ones a page can show)."""
        return [entry for entry in self.services if not _blank(entry.service)]

    def index(self) -> dict[str, list[str]]:
        """'If your concern is ... refer to ...': each concern (A to Z) and the services that take it."""
        by_concern: dict[str, list[str]] = {}
        for entry in self.named():
            for concern in entry.concern_list():
                by_concern.setdefault(concern, []).append(entry.service.strip())
        return {concern: by_concern[concern] for concern in sorted(by_concern, key=str.casefold)}

    def todo(self, **context: Answer | None) -> list[Todo]:
        todo = []
        if _blank(self.area):
            todo.append(
                "Say which patch the directory covers (the area, and the ages if you wish)."
            )
        if len(self.services) < MIN_DIRECTORY_SERVICES:
            todo.append(
                f"List at least {MIN_DIRECTORY_SERVICES} services (you have {len(self.services)})."
            )
        for n, entry in enumerate(self.services, 1):
            gaps = [
                what for field, what in DIRECTORY_FIELDS.items() if _blank(getattr(entry, field))
            ]
            if gaps:
                label = f"service {n}" + (
                    "" if _blank(entry.service) else f" ({entry.service.strip()})"
                )
                todo.append(f"Fill in {label}: {_names(gaps)}.")
        names = [entry.service.strip().casefold() for entry in self.named()]
        if len(set(names)) < len(names):
            todo.append("Two services have the same name: list each service once.")
        return [Todo("directory", text) for text in todo]

    def to_markdown(self) -> str:
        rows = (
            (
                md_cell(e.service),
                md_cell(e.accepts),
                md_cell(e.does_not_accept),
                md_cell(e.age_range),
                md_cell(e.how_to_refer),
                md_cell(e.contact_route),
                md_cell(e.concerns),
            )
            for e in self.services
        )
        headers = (
            "Service",
            "Accepts",
            "Does not accept",
            "Ages",
            "How to refer",
            "Contact",
            "Concerns",
        )
        table = md_table(headers, rows) if self.services else NOT_ANSWERED
        return f"### {self.title}\n\n**Patch:** {md_paragraph(self.area)}\n\n{table}" + md_missing(
            self.missing()
        )


STORE_KEYS: dict[str, type[Answer]] = {
    "self_assessment": SelfAssessment,
    "stakeholders": Stakeholders,
    "force_field": ForceField,
    "smart_aim": SmartAim,
    "driver_diagram": DriverDiagram,
    "measures": Measures,
    "pdsa_cycles": PdsaCycles,
    "reflection": Reflection,
    "services_directory": ServicesDirectory,
}
"""Each store key and the model saved under it (the widgets use the same keys)."""


def model_for(key: str) -> type[Answer]:
    """The model saved under ``key``; a plain-English error for an unknown key."""
    try:
        return STORE_KEYS[key]
    except KeyError:
        raise KeyError(
            f'There is no form called "{key}"; the forms are: {", ".join(STORE_KEYS)}.'
        ) from None


# ----------------------------------------------------------- coding parents' quotes
# Case study 2 (patient_experience): each quote coded into themes from a codebook,
# and 3 to 5 quotes chosen for a commissioner's report.

THEMES: dict[str, tuple[str, str]] = {
    "same_day_access": (
        "Same-day GP appointment",
        "Could not get, or did not expect to get, a GP appointment today.",
    ),
    "self_care_confidence": (
        "Confidence to manage at home",
        "Unsure what is normal, what to look for, or when to worry.",
    ),
    "gp_expertise": (
        "Doubts about GPs and children",
        "Feels GPs lack paediatric expertise; wants a children's specialist.",
    ),
    "out_of_hours": (
        "Evenings, nights and weekends",
        "The child was ill when the practice was closed.",
    ),
    "trust_in_hospital": (
        "Trust in the hospital",
        "Tests, specialists and admission all in one place; seen today.",
    ),
    "previous_experience": (
        "Previous experience",
        "A past experience, good or bad, of the GP, 111 or the hospital.",
    ),
    "advice_from_others": (
        "Advice from 111 or others",
        "Sent or advised by NHS 111, a pharmacist, family or friends.",
    ),
    "language_and_system": (
        "Language and knowing the system",
        "Language barriers, or not knowing how local services work.",
    ),
    "practical_barriers": (
        "Practical barriers",
        "Work, transport, other children, phone lines at 8am.",
    ),
}
"""The codebook: theme key -> (short label, what it covers)."""

REPORT_PICKS = (3, 5)
"""How many quotes to choose for the commissioner's report: at least 3, at most 5."""

Theme = Literal[tuple(THEMES)]  # type: ignore[valid-type]


class QuoteCode(Part):
    """The coding of one quote: its themes (one or more) and whether to use it in the report."""

    themes: list[Theme] = Field(default_factory=list)
    use_in_report: bool = False

    @field_validator("themes")
    @classmethod
    def _codebook_order(cls, themes: list[str]) -> list[str]:
        return [t for t in THEMES if t in themes]


class QuoteCoding(Answer):
    """Every quote's themes and the quotes chosen for the report (key ``"quote_coding"``)."""

    title: ClassVar[str] = "Coding of parents' quotes"
    parts: ClassVar[dict[str, str]] = {
        "coded": "your coding of every quote",
        "picks": "your choice of quotes for the report",
    }

    codes: dict[str, QuoteCode] = Field(default_factory=dict)

    def chosen(self) -> list[str]:
        """The ids of the quotes ticked for the report, in order."""
        return [quote_id for quote_id, code in self.codes.items() if code.use_in_report]

    def for_quotes(self, quote_ids: Iterable[str]) -> QuoteCoding:
        """This coding for exactly ``quote_ids``: blank entries for quotes not coded yet.

        What the form and the checks judge: every quote in the file must be
        coded, and only those quotes count for the report.
        """
        return QuoteCoding(codes={i: self.codes.get(i, QuoteCode()) for i in quote_ids})

    def todo(self, **context: Answer | None) -> list[Todo]:
        todo = []
        if not self.codes:
            todo.append(Todo("coded", "Code the quotes: none has been coded yet."))
        uncoded = [quote_id for quote_id, code in self.codes.items() if not code.themes]
        if uncoded:
            shown = ", ".join(uncoded[:8]) + (
                f" and {len(uncoded) - 8} more" if len(uncoded) > 8 else ""
            )
            todo.append(
                Todo("coded", f"Give at least one theme to every quote; not yet coded: {shown}.")
            )
        low, high = REPORT_PICKS
        picked = len(self.chosen())
        if not low <= picked <= high:
            todo.append(
                Todo(
                    "picks",
                    f"Tick 'use in report' for {low} to {high} quotes (you have ticked {picked}).",
                )
            )
        return todo

    def table(self, texts: dict[str, str] | None = None) -> str:
        """The coding as a Markdown table, with what still needs doing.

        With ``texts`` (quote id -> what the parent said, in order), one row
        per quote in ``texts``, its words beside its themes; without, one row
        per quote coded.
        """
        ids = list(self.codes) if texts is None else list(texts)
        rows = []
        for quote_id in ids:
            code = self.codes.get(quote_id, QuoteCode())
            labels = "; ".join(THEMES[t][0] for t in code.themes) or "-"
            row = [quote_id, md_cell(labels), "yes" if code.use_in_report else ""]
            if texts is not None:
                row.insert(1, md_cell(texts[quote_id]))
            rows.append(row)
        headers = ["Quote", "Themes", "Use in report"]
        if texts is not None:
            headers.insert(1, "What the parent said")
        body = md_table(headers, rows) if rows else "_(no quotes coded yet)_"
        return f"### {self.title}\n\n{body}" + md_missing(self.for_quotes(ids).missing())

    def to_markdown(self) -> str:
        return self.table()


STORE_KEYS["quote_coding"] = QuoteCoding
