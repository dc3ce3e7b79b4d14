"""The form models: what counts as complete, the derived values, the Markdown shown in feedback."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from changekit.answer_models import (
    HLM_DIMENSIONS,
    LEARNING_OUTCOMES,
    LEVELS,
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
    REPORT_PICKS,
    STORE_KEYS,
    Answer,
    DimensionRating,
    DriverDiagram,
    Force,
    ForceField,
    Measure,
    Measures,
    NotFinished,
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
    model_for,
)
from tests.unit.test_services_directory import complete_directory

AIM_TEXT = (
    "Reduce the percentage of GP referrals to community paediatrics in Brent that are redirected "
    "from 35% to 15% by 31 March 2027."
)


def words(n: int, word: str = "word") -> str:
    """A text of exactly ``n`` words."""
    return " ".join([word] * n)


PLAN_TEXT = (
    "Holding to account: I will agree clear goals with the referral team, review progress "
    "with them every month and ask my supervisor by July whether people feel they own the results."
)
REFLECTION_TEXT = (
    "I mapped the stakeholders for the referral project and learnt that the parents' forum "
    "knew more about bounced referrals than I did."
)


def complete_answers() -> dict[str, Answer]:
    """A model answer for every form (synthetic, after the Brent referral case study)."""
    assessment = SelfAssessment(development_plan=PLAN_TEXT)
    for n, name in enumerate(HLM_DIMENSIONS):
        assessment.ratings[name] = DimensionRating(
            performance=LEVELS[n % 3],
            importance=LEVELS[(n + 1) % 4],
            evidence=f"Example for {name}",
        )
    return {
        "self_assessment": assessment,
        "stakeholders": Stakeholders(
            brainstorm={
                "commissioners": "ICB children's lead",
                "customers": "GPs who refer",
                "collaborators": "Community paediatric triage team",
                "contributors": "The business intelligence analyst",
                "champions": "Practice nurse leads",
                "consumers": "Parents of referred children",
            },
            stakeholders=[
                Stakeholder(
                    name="ICB children's commissioner",
                    category="commissioners",
                    power="high",
                    interest="high",
                    plan="A monthly update meeting with the data",
                ),
                Stakeholder(
                    name="GP partners",
                    category="customers",
                    power="high",
                    interest="low",
                    plan="Two-minute briefing at the practice meeting",
                ),
                Stakeholder(
                    name="Parents' forum",
                    category="consumers",
                    power="low",
                    interest="high",
                    plan="Newsletter and one co-design workshop",
                ),
                Stakeholder(
                    name="Triage nurse",
                    category="collaborators",
                    power="low",
                    interest="high",
                    plan="Co-write the directory entries with her",
                ),
                Stakeholder(
                    name="Local Medical Committee",
                    category="commentators",
                    power="low",
                    interest="low",
                    plan="Send the final directory for comment",
                ),
            ],
        ),
        "force_field": ForceField(
            change="A directory of community paediatric services in the GP record system",
            driving=[
                Force(description="GPs frustrated by rejected referrals", score=4),
                Force(description="The service wants fewer misdirected referrals", score=5),
                Force(description="A willing sponsor", score=3),
            ],
            restraining=[
                Force(description="Nobody owns keeping the directory up to date", score=5),
                Force(description="IT access", score=2),
                Force(description="Time", score=3),
            ],
            plan=(
                "Agree a named owner in the paediatric admin team and a six-monthly review: "
                "I will meet the service manager in May with the audit, ask her team to "
                "correct a draft page per service, and hand over before I rotate in August."
            ),
        ),
        "smart_aim": SmartAim(
            statement=AIM_TEXT, measure="monthly redirect rate from the referral log"
        ),
        "driver_diagram": DriverDiagram(
            aim=AIM_TEXT,
            primary=[
                PrimaryDriver(
                    text="GPs know which service does what",
                    secondary=[
                        SecondaryDriver(
                            text="An up-to-date directory",
                            change_ideas=["Publish it in EMIS", "Add it to the ICB website"],
                        ),
                    ],
                ),
                PrimaryDriver(
                    text="Referrals reach the right service first time",
                    secondary=[
                        SecondaryDriver(
                            text="Feedback to referrers", change_ideas=["Monthly feedback letter"]
                        ),
                    ],
                ),
            ],
        ),
        "measures": Measures(
            measures=[
                Measure(
                    kind="outcome",
                    name="% of referrals redirected",
                    definition="redirected / all",
                    data_source="community paediatrics referral log",
                ),
                Measure(
                    kind="process",
                    name="% of referrals made from the directory",
                    definition="from the template / all",
                    data_source="EMIS template",
                ),
                Measure(
                    kind="balancing",
                    name="Weeks to first appointment",
                    definition="median weeks, referral to first visit",
                    data_source="PAS",
                ),
            ]
        ),
        "pdsa_cycles": PdsaCycles(
            cycles=[
                PdsaCycle(
                    change="Publish it in EMIS",
                    plan="Two practices for one month",
                    prediction="Redirects fall from 35% to 25%",
                    do="Launched on 1 May",
                    study="Fell to 28%",
                    act="Add criteria to each entry",
                    decision="adapt",
                ),
            ]
        ),
        "reflection": Reflection(
            outcomes={
                key: OutcomeReflection(
                    what=f"What for {key}: {REFLECTION_TEXT}",
                    so_what=REFLECTION_TEXT,
                    now_what=REFLECTION_TEXT,
                    dimensions=["Engaging the team"],
                )
                for key in LEARNING_OUTCOMES
            }
        ),
        "quote_coding": QuoteCoding(
            codes={
                f"Q{n:02d}": QuoteCode(themes=["out_of_hours"], use_in_report=n <= REPORT_PICKS[0])
                for n in range(1, 7)
            }
        ),
        "services_directory": complete_directory(),
    }


# ----------------------------------------------------------------- constants


def test_the_constants_match_the_published_frameworks() -> None:
    assert HLM_DIMENSIONS == (
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
    assert LEVELS == ("essential", "proficient", "strong", "exemplary")
    assert list(NINE_CS) == [
        "commissioners",
        "customers",
        "collaborators",
        "contributors",
        "channels",
        "champions",
        "competitors",
        "commentators",
        "consumers",
    ]
    assert list(LEARNING_OUTCOMES) == ["LO1", "LO2", "LO3", "LO4"]


@pytest.mark.parametrize("key", list(STORE_KEYS))
def test_a_blank_form_is_incomplete_and_a_model_answer_complete(key: str) -> None:
    model = model_for(key)
    assert model().missing(), f"a blank {key} must have something still to do"
    assert not model().complete
    answer = complete_answers()[key]
    assert isinstance(answer, model)
    assert answer.missing() == []
    assert "Still to do" not in answer.to_markdown()
    assert "Still to do" in model().to_markdown()


def test_the_quote_coding_form_is_found_by_its_key_like_every_other_form() -> None:
    assert model_for("quote_coding") is QuoteCoding
    with pytest.raises(KeyError, match='no form called "quote coding".*quote_coding'):
        model_for("quote coding")


def test_an_unknown_form_key_is_explained() -> None:
    with pytest.raises(KeyError, match='no form called "smart aim".*smart_aim'):
        model_for("smart aim")


def test_misspelt_fields_are_reported_not_dropped() -> None:
    with pytest.raises(ValidationError, match="statment"):
        SmartAim.model_validate({"statment": "typo"})


# ----------------------------------------------------------- self-assessment


def test_self_assessment_always_holds_all_nine_dimensions_in_order() -> None:
    partial = SelfAssessment.model_validate(
        {"ratings": {"Holding to account": {"performance": "strong"}}}
    )
    assert list(partial.ratings) == list(HLM_DIMENSIONS)
    assert partial.ratings["Holding to account"].performance == "strong"
    with pytest.raises(ValidationError):
        SelfAssessment.model_validate({"ratings": {"Being brilliant": {}}})
    with pytest.raises(ValidationError):
        partial.ratings["Leading with care"].performance = "brilliant"


def test_missing_names_the_unrated_dimensions() -> None:
    answer = complete_answers()["self_assessment"]
    answer.ratings["Sharing the vision"].importance = None
    assert answer.missing() == ["Rate the level your role needs for: Sharing the vision."]


def test_development_priorities_are_the_biggest_gaps_first() -> None:
    answer = SelfAssessment()
    for name in HLM_DIMENSIONS:
        answer.ratings[name] = DimensionRating(performance="strong", importance="strong")
    answer.ratings["Holding to account"] = DimensionRating(
        performance="essential", importance="strong"
    )
    answer.ratings["Leading with care"] = DimensionRating(
        performance="proficient", importance="strong"
    )
    answer.ratings["Engaging the team"] = DimensionRating(
        performance="strong", importance="exemplary"
    )
    answer.ratings["Sharing the vision"] = DimensionRating(
        performance="exemplary", importance="essential"
    )
    # gap 2 first; then the two gaps of 1, the one the role needs at a higher level first
    assert answer.development_priorities() == [
        "Holding to account",
        "Engaging the team",
        "Leading with care",
    ]


def test_no_priorities_when_every_dimension_meets_the_role() -> None:
    answer = SelfAssessment()
    for name in HLM_DIMENSIONS:
        answer.ratings[name] = DimensionRating(performance="strong", importance="proficient")
    assert answer.development_priorities() == []
    assert "None: every rated dimension meets" in answer.to_markdown()


# --------------------------------------------------------------- stakeholders


@pytest.mark.parametrize(
    ("power", "interest", "strategy"),
    [
        ("high", "high", "manage closely"),
        ("high", "low", "keep satisfied"),
        ("low", "high", "keep informed"),
        ("low", "low", "monitor"),
        (None, "high", None),
    ],
)
def test_each_stakeholder_gets_mendelows_strategy(
    power: str | None, interest: str, strategy: str | None
) -> None:
    assert Stakeholder(name="x", power=power, interest=interest).strategy == strategy


def test_an_unplaced_stakeholder_is_named_in_missing() -> None:
    answer = complete_answers()["stakeholders"]
    answer.stakeholders.append(
        Stakeholder(name="Health visitors", power="high", plan="Meet the team lead monthly")
    )
    assert answer.missing() == [
        "Place stakeholder 6 (Health visitors) on the grid: choose its power and its interest.",
        "Choose which of the 9 Cs stakeholder 6 is.",
    ]
    assert [p.name for p in answer.by_strategy()["manage closely"]] == [
        "ICB children's commissioner"
    ]


# ----------------------------------------------------------------- force field


def test_force_field_totals_and_the_strongest_restraint() -> None:
    answer = ForceField(
        driving=[Force(description="a", score=4), Force(description="b", score=3)],
        restraining=[
            Force(description="first five", score=5),
            Force(description="", score=5),
            Force(description="second five", score=5),
            Force(description="c", score=1),
        ],
    )
    totals = answer.totals()
    assert (totals.driving, totals.restraining, totals.balance) == (7, 16, -9)
    assert answer.strongest_restraint().description == "first five"
    assert ForceField().strongest_restraint() is None
    assert "Describe restraining force 2, or remove it." in answer.missing("forces")


@pytest.mark.parametrize("score", [0, 6])
def test_scores_outside_one_to_five_are_refused(score: int) -> None:
    with pytest.raises(ValidationError):
        Force(description="x", score=score)


# ------------------------------------------------------------------- SMART aim


def test_a_smart_aim_passes_every_check() -> None:
    assert SmartAim(statement=AIM_TEXT).check() == {
        "specific": True,
        "measure": True,
        "number": True,
        "date": True,
        "time_bound": True,
    }


@pytest.mark.parametrize(
    ("statement", "failing"),
    [
        (
            "Improve referrals to community paediatrics for children in Brent by March 2027.",
            {"measure", "number"},
        ),
        (
            "Reduce the percentage of redirected referrals in Brent from 35% to 15% soon.",
            {"date", "time_bound"},
        ),
        (
            "Reduce the percentage of redirected referrals in Brent from 35% to 15% within six months.",
            {"date"},
        ),
        ("We may reduce the rate of redirected referrals for Brent children in 2027.", {"number"}),
        ("Cut redirects to 15% by 2027.", {"specific"}),
        ("Reduce the redirect rate for Brent GP referrals to 15% by 31/03/2027.", set()),
    ],
)
def test_smart_check_finds_what_is_missing(statement: str, failing: set[str]) -> None:
    checks = SmartAim(statement=statement).check()
    assert {name for name, ok in checks.items() if not ok} == failing


def test_smart_missing_says_what_to_add() -> None:
    assert SmartAim().missing() == [
        "Write your aim in one sentence (or fill in the parts and build it).",
        "Fill in 'Measured by': how you will measure the aim and where the data come from.",
    ]
    todo = SmartAim(
        statement="Improve referrals for children in Brent community paediatrics soon.",
        measure="the referral log",
    ).missing()
    assert [item.split(":")[0] for item in todo] == ["Add a number in figures", "Add a date"]


def test_compose_joins_the_parts() -> None:
    aim = SmartAim(
        improvement="reduce the percentage of GP referrals redirected",
        population="Brent children",
        target="from 35% to 15%",
        deadline="31 March 2027",
        measure="the referral log",
    )
    assert aim.compose() == (
        "Reduce the percentage of GP referrals redirected for Brent children from 35% "
        "to 15% by 31 March 2027, measured by the referral log."
    )
    assert SmartAim().compose() == ""


# ------------------------------------------------- driver diagram, measures, PDSA


def test_driver_diagram_missing_and_change_ideas() -> None:
    diagram = complete_answers()["driver_diagram"]
    assert diagram.change_ideas() == [
        "Publish it in EMIS",
        "Add it to the ICB website",
        "Monthly feedback letter",
    ]
    diagram.primary[1].secondary[0].change_ideas = [" "]
    assert diagram.missing() == [
        "Add at least one change idea to secondary driver 2.1.",
        f"Give at least {MIN_CHANGE_IDEAS} change ideas in all (you have 2).",
    ]


def test_measures_need_each_kind_and_a_data_source() -> None:
    answer = Measures(measures=[Measure(kind="outcome", name="% redirected")])
    assert answer.missing() == [
        "Add at least one process measure (are the steps that lead to the outcome happening as planned?)",
        "Add at least one balancing measure (is the change causing a problem somewhere else?)",
        "Define measure 1: what is counted, out of what.",
        "Say where the data for measure 1 come from.",
    ]


def test_a_pdsa_cycle_needs_a_prediction() -> None:
    answer = PdsaCycles(cycles=[PdsaCycle(change="x", plan="y")])
    assert answer.missing() == [
        "Write a prediction for cycle 1.",
        (
            "Put a number in figures in at least one prediction, so that you can tell whether it "
            "came true (e.g. 'at least 8 of 10 referrals')."
        ),
    ]


# ------------------------------------------------------------------ reflection


def test_reflection_needs_every_outcome_and_keeps_dimensions_in_model_order() -> None:
    item = OutcomeReflection(
        dimensions=["Influencing for results", "Leading with care", "Leading with care"]
    )
    assert item.dimensions == ["Leading with care", "Influencing for results"]
    answer = complete_answers()["reflection"]
    answer.outcomes["LO3"] = OutcomeReflection(what="Something happened")
    assert answer.missing() == [
        "LO3: write the 'so what' and 'now what' parts.",
        (
            f"LO3: write at least {MIN_REFLECTION_WORDS} words (three or four sentences) in the "
            "'what' part."
        ),
        "LO3: link at least one leadership dimension.",
    ]
    assert answer.missing("LO1") == [] and answer.missing("LO3") == answer.missing()
    with pytest.raises(ValidationError):
        Reflection.model_validate({"outcomes": {"LO9": {}}})


# -------------------------------------------------------------------- markdown


def test_markdown_shows_what_the_trainee_wrote() -> None:
    answers = complete_answers()
    assert AIM_TEXT in answers["smart_aim"].to_markdown()
    assert (
        "| Holding to account | essential | exemplary | +3 |"
        in answers["self_assessment"].to_markdown()
    )
    assert "keep satisfied" in answers["stakeholders"].to_markdown()
    assert "**Strongest restraining force:** Nobody owns" in answers["force_field"].to_markdown()
    assert (
        "        - Change idea: Monthly feedback letter" in answers["driver_diagram"].to_markdown()
    )


def test_markdown_escapes_tables_and_html() -> None:
    answer = Measures(
        measures=[Measure(kind="outcome", name="a | b", data_source="<script>alert(1)</script>")]
    )
    text = answer.to_markdown()
    assert "a \\| b" in text
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert SmartAim().to_markdown().count("_(not answered yet)_") == 2


# ------------------------------------------- the rules: exactly the minimum passes


@pytest.mark.parametrize("key", list(STORE_KEYS))
def test_every_part_of_a_blank_form_has_something_to_do(key: str) -> None:
    """A blank form earns no check's marks: each part's check has something to ask for."""
    model = model_for(key)
    assert model.parts, f"{key} has no parts for the notebook to check"
    for part in model.parts:
        assert model().missing(part), f"a blank {key} passes the check of its part {part!r}"


def test_missing_for_an_unknown_part_is_explained() -> None:
    with pytest.raises(KeyError, match='no part called "LO9".*LO1, LO2, LO3, LO4'):
        Reflection().missing("LO9")


def test_require_raises_the_forms_own_list_and_prints_first_checks(capsys) -> None:
    answer = complete_answers()["reflection"]
    answer.require("LO1")
    assert capsys.readouterr().out == (
        "First checks passed for your reflection on LO1. "
        "More checks are run when your work is marked.\n"
    )
    answer.require("LO1", saved=True)
    assert capsys.readouterr().out == ""
    answer.outcomes["LO2"].now_what = words(MIN_REFLECTION_WORDS - 1)
    with pytest.raises(NotFinished) as raised:
        answer.require("LO2")
    assert str(raised.value).startswith("Not finished yet: your reflection on LO2. Still to do: ")
    assert answer.missing("LO2")[0] in str(raised.value)
    with pytest.raises(AssertionError, match=r"as saved in the answers file"):
        answer.require("LO2", saved=True)


def _with(answer: Answer, **changes: object) -> Answer:
    """A copy of ``answer`` with fields changed (validated)."""
    return type(answer).model_validate({**answer.model_dump(), **changes})


def test_development_plan_word_boundary() -> None:
    answer = complete_answers()["self_assessment"]
    top = answer.development_priorities()[0]
    exact = f"{top} " + words(MIN_DEVELOPMENT_PLAN_WORDS - len(top.split()))
    assert _with(answer, development_plan=exact).missing() == []
    short = " ".join(exact.split()[:-1])
    assert _with(answer, development_plan=short).missing("examples_and_plan") == [
        (
            f"Write a development plan of at least {MIN_DEVELOPMENT_PLAN_WORDS} words "
            f"(you have {MIN_DEVELOPMENT_PLAN_WORDS - 1})."
        )
    ]
    unnamed = words(MIN_DEVELOPMENT_PLAN_WORDS)
    top_two = " or ".join(answer.development_priorities()[:2])
    assert _with(answer, development_plan=unnamed).missing() == [
        f"Name your top development priority in your plan ({top_two})."
    ]


def test_examples_boundary_and_the_top_priorities_need_one() -> None:
    answer = complete_answers()["self_assessment"]
    top = answer.development_priorities()[:2]
    keep = top + [n for n in HLM_DIMENSIONS if n not in top][: MIN_EXAMPLES - len(top)]
    for name in HLM_DIMENSIONS:
        if name not in keep:
            answer.ratings[name].evidence = ""
    assert answer.missing() == []
    answer.ratings[keep[-1]].evidence = " "
    assert answer.missing() == [
        f"Give an example for at least {MIN_EXAMPLES} dimensions (you have {MIN_EXAMPLES - 1})."
    ]
    answer.ratings[keep[-1]].evidence = "An example"
    answer.ratings[top[1]].evidence = ""
    extra = next(n for n in HLM_DIMENSIONS if n not in keep)
    answer.ratings[extra].evidence = "Another example"
    assert answer.missing() == [f"Give an example for your top development priorities: {top[1]}."]


def test_the_same_two_ratings_everywhere_is_not_finished() -> None:
    answer = complete_answers()["self_assessment"]
    for name in HLM_DIMENSIONS:
        answer.ratings[name] = DimensionRating(performance="strong", importance="strong")
    assert answer.missing("ratings") == [
        "Every dimension has the same two ratings: rate each one on its own merits."
    ]
    answer.ratings["Leading with care"].importance = "exemplary"
    assert answer.missing("ratings") == []


def test_stakeholder_counts_boundary() -> None:
    answer = complete_answers()["stakeholders"]
    assert len(answer.stakeholders) == MIN_STAKEHOLDERS
    assert sum(bool(t.strip()) for t in answer.brainstorm.values()) == MIN_NINE_CS
    assert answer.missing() == []
    fewer = _with(answer, stakeholders=[p.model_dump() for p in answer.stakeholders[:-1]])
    assert fewer.missing() == [
        f"Add at least {MIN_STAKEHOLDERS} stakeholders to the grid (you have {MIN_STAKEHOLDERS - 1})."
    ]
    answer.brainstorm["consumers"] = ""
    assert answer.missing() == [
        f"Brainstorm at least {MIN_NINE_CS} of the 9 Cs (you have {MIN_NINE_CS - 1})."
    ]


def test_engagement_plan_word_boundary() -> None:
    answer = complete_answers()["stakeholders"]
    answer.stakeholders[1].plan = words(MIN_ENGAGEMENT_PLAN_WORDS)
    assert answer.missing() == []
    answer.stakeholders[1].plan = words(MIN_ENGAGEMENT_PLAN_WORDS - 1)
    assert answer.missing() == [
        (
            f"Write at least {MIN_ENGAGEMENT_PLAN_WORDS} words on how you will engage "
            "stakeholder 2 (GP partners)."
        )
    ]


def test_families_count_as_consumers_and_somebody_is_managed_closely() -> None:
    answer = complete_answers()["stakeholders"]
    answer.stakeholders[2].category = "customers"
    answer.stakeholders[0].interest = "low"
    assert answer.missing() == [
        "Put children, young people or families on the grid, as 'Consumers' in the 9 Cs.",
        (
            "Place somebody with high power and high interest ('manage closely'): "
            "who will sponsor the change?"
        ),
    ]


def test_force_field_boundaries() -> None:
    answer = complete_answers()["force_field"]
    assert len(answer.driving) == len(answer.restraining) == MIN_FORCES
    assert _with(answer, change=words(MIN_CHANGE_WORDS)).missing() == []
    assert _with(answer, change=words(MIN_CHANGE_WORDS - 1)).missing() == [
        f"Describe the change you want to make in a sentence of at least {MIN_CHANGE_WORDS} words."
    ]
    assert _with(answer, plan=words(MIN_FORCE_PLAN_WORDS - 1)).missing() == [
        (
            "Write your plan to weaken the strongest restraining force: at least "
            f"{MIN_FORCE_PLAN_WORDS} words (you have {MIN_FORCE_PLAN_WORDS - 1})."
        )
    ]
    fewer = _with(answer, driving=[f.model_dump() for f in answer.driving[:-1]])
    assert fewer.missing() == [
        f"Describe at least {MIN_FORCES} driving forces (you have {MIN_FORCES - 1})."
    ]


def test_a_short_restraint_needs_no_long_word_in_the_plan() -> None:
    """'Time' or 'IT' as the strongest restraint: the plan is complete at its word count."""
    answer = complete_answers()["force_field"]
    answer.restraining[2].score = 5
    answer.restraining[0].score = 4
    assert answer.strongest_restraint().description == "Time"
    assert answer.missing() == []


def test_forces_listed_twice_or_on_both_sides_or_all_scored_alike() -> None:
    answer = complete_answers()["force_field"]
    answer.driving[2].description = "GPs frustrated by rejected referrals "
    assert answer.missing() == [
        "Two driving forces have the same description: list each force once."
    ]
    answer.driving[2].description = "time"
    assert answer.missing() == [
        (
            "A force cannot both drive and restrain the change: split 'time' into the part "
            "that helps and the part that hinders."
        )
    ]
    answer.driving[2].description = "A sponsor"
    for force in answer.driving + answer.restraining:
        force.score = 3
    assert answer.missing("forces") == [
        (
            "Every force has the same score: set each strength to how strong that force really "
            "is, from 1 (weak) to 5 (strong)."
        )
    ]


def test_driver_diagram_boundaries_and_the_smart_aim() -> None:
    answers = complete_answers()
    diagram, aim = answers["driver_diagram"], answers["smart_aim"]
    assert len(diagram.primary) == MIN_PRIMARY_DRIVERS
    assert len(diagram.change_ideas()) == MIN_CHANGE_IDEAS
    assert diagram.missing(smart_aim=aim) == []
    diagram.aim = "Reduce redirected referrals from 35% to 20% by March 2027."
    assert diagram.missing(smart_aim=aim) == [
        (
            "Make the diagram's aim your SMART aim: press 'Use my SMART aim' "
            "(its figures are not all in the diagram's aim)."
        )
    ]
    assert diagram.missing() == []
    assert "Use my SMART aim" in diagram.to_markdown(smart_aim=aim)
    assert "Still to do" not in diagram.to_markdown()


def test_a_prediction_needs_a_number() -> None:
    answer = complete_answers()["pdsa_cycles"]
    answer.cycles[0].prediction = "Redirects will fall a lot"
    assert len(answer.missing()) == 1 and "Put a number" in answer.missing()[0]
    answer.cycles[0].prediction = "8 of 10 go to the right service"
    assert answer.missing() == []


def test_reflection_word_boundary() -> None:
    answer = complete_answers()["reflection"]
    answer.outcomes["LO4"].so_what = words(MIN_REFLECTION_WORDS)
    assert answer.missing() == []
    answer.outcomes["LO4"].so_what = words(MIN_REFLECTION_WORDS - 1)
    assert answer.missing() == [
        (
            f"LO4: write at least {MIN_REFLECTION_WORDS} words (three or four sentences) in the "
            "'so what' part."
        )
    ]
