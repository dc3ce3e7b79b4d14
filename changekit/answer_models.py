"""The forms trainees fill in, as pydantic models: one per widget.

Each model is what the answer store saves (``changekit.answers``), what a
graded cell loads and checks, and what the feedback shows. Every form has:

- ``missing() -> list[str]``: what is still to do, in plain English; empty
  when the answer is complete enough to score;
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

MIN_STAKEHOLDERS = 3
MIN_NINE_CS = 3
MIN_PRIMARY_DRIVERS = 2
SPECIFIC_MIN_WORDS = 8

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


class Answer(Part):
    """A whole form: what the store saves under one key."""

    title: ClassVar[str] = "Answer"

    def missing(self) -> list[str]:
        """What is still to do, in plain English; empty when complete enough to score."""
        raise NotImplementedError

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

    def missing(self) -> list[str]:
        todo = []
        for field, what in (
            ("performance", "your level"),
            ("importance", "the level your role needs"),
        ):
            unrated = [name for name, r in self.ratings.items() if getattr(r, field) is None]
            if unrated:
                todo.append(f"Rate {what} for: {_names(unrated)}.")
        return todo

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

    def missing(self) -> list[str]:
        todo = []
        filled = [c for c, text in self.brainstorm.items() if not _blank(text)]
        if len(filled) < MIN_NINE_CS:
            todo.append(f"Brainstorm at least {MIN_NINE_CS} of the 9 Cs (you have {len(filled)}).")
        if len(self.stakeholders) < MIN_STAKEHOLDERS:
            todo.append(
                f"Add at least {MIN_STAKEHOLDERS} stakeholders to the grid (you have {len(self.stakeholders)})."
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
        return todo

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


class ForceField(Answer):
    """Lewin's force-field analysis: driving and restraining forces, and a plan."""

    title: ClassVar[str] = "Force-field analysis"

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

    def missing(self) -> list[str]:
        todo = []
        if _blank(self.change):
            todo.append("Describe the change you want to make.")
        for side, forces in (("driving", self.driving), ("restraining", self.restraining)):
            if not forces:
                todo.append(f"Add at least one {side} force.")
            blank = [str(n) for n, f in enumerate(forces, 1) if _blank(f.description)]
            if blank:
                todo.append(f"Describe {side} force {_names(blank)}.")
        if _blank(self.plan):
            todo.append("Write your plan to weaken the strongest restraining force.")
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
}


class SmartAim(Answer):
    """A SMART aim, built from its parts or written directly in ``statement``.

    The parts (``improvement``, ``population``, ``target``, ``deadline``,
    ``measure``) prompt the trainee; ``compose()`` joins them into a sentence;
    ``check()`` and ``missing()`` judge the ``statement``.
    """

    title: ClassVar[str] = "SMART aim"

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

    def missing(self) -> list[str]:
        if _blank(self.statement):
            return ["Write your aim in one sentence (or fill in the parts and build it)."]
        checks = self.check()
        return [
            SMART_ADVICE[name]
            for name in ("specific", "measure", "number", "date")
            if not checks[name]
        ]

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

    def missing(self) -> list[str]:
        todo = []
        if _blank(self.aim):
            todo.append("Write the aim at the left of the diagram (your SMART aim).")
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
        return todo

    def to_markdown(self) -> str:
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
        return "\n".join(lines) + md_missing(self.missing())


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

    measures: list[Measure] = Field(default_factory=list)

    def of_kind(self, kind: str) -> list[Measure]:
        """The measures of one kind ('outcome', 'process' or 'balancing')."""
        return [m for m in self.measures if m.kind == kind]

    def missing(self) -> list[str]:
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
            if _blank(measure.data_source):
                todo.append(f"Say where the data for measure {n} come from.")
        return todo

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

    cycles: list[PdsaCycle] = Field(default_factory=list)

    def missing(self) -> list[str]:
        if not self.cycles:
            return ["Add at least one PDSA cycle, with a plan and a prediction."]
        todo = []
        for n, cycle in enumerate(self.cycles, 1):
            for field, what in (
                ("change", "the change idea"),
                ("plan", "the plan"),
                ("prediction", "a prediction"),
            ):
                if _blank(getattr(cycle, field)):
                    todo.append(f"Write {what} for cycle {n}.")
        return todo

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

    outcomes: dict[OutcomeKey, OutcomeReflection] = Field(
        default_factory=lambda: {key: OutcomeReflection() for key in LEARNING_OUTCOMES}
    )

    @field_validator("outcomes")
    @classmethod
    def _all_outcomes_in_order(
        cls, outcomes: dict[str, OutcomeReflection]
    ) -> dict[str, OutcomeReflection]:
        return {key: outcomes.get(key, OutcomeReflection()) for key in LEARNING_OUTCOMES}

    def missing(self) -> list[str]:
        todo = []
        for key, item in self.outcomes.items():
            gaps = [
                f"'{label}'"
                for field, label in (
                    ("what", "what"),
                    ("so_what", "so what"),
                    ("now_what", "now what"),
                )
                if _blank(getattr(item, field))
            ]
            if gaps:
                todo.append(f"{key}: write the {_names(gaps)} part{'s' if len(gaps) > 1 else ''}.")
            if not item.dimensions:
                todo.append(f"{key}: link at least one leadership dimension.")
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


STORE_KEYS: dict[str, type[Answer]] = {
    "self_assessment": SelfAssessment,
    "stakeholders": Stakeholders,
    "force_field": ForceField,
    "smart_aim": SmartAim,
    "driver_diagram": DriverDiagram,
    "measures": Measures,
    "pdsa_cycles": PdsaCycles,
    "reflection": Reflection,
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
