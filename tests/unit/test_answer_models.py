"""The form models: what counts as complete, the derived values, the Markdown shown in feedback."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from changekit.answer_models import (
    HLM_DIMENSIONS,
    LEARNING_OUTCOMES,
    LEVELS,
    NINE_CS,
    STORE_KEYS,
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
    Reflection,
    SecondaryDriver,
    SelfAssessment,
    SmartAim,
    Stakeholder,
    Stakeholders,
    model_for,
)

AIM_TEXT = (
    "Reduce the percentage of GP referrals to community paediatrics in Brent that are redirected "
    "from 35% to 15% by 31 March 2027."
)


def complete_answers() -> dict[str, Answer]:
    """A model answer for every form (synthetic, after the Brent referral case study)."""
    assessment = SelfAssessment(development_plan="Shadow the ICB children's lead for a month.")
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
                "champions": "Practice nurse leads",
                "consumers": "Parents of referred children",
            },
            stakeholders=[
                Stakeholder(
                    name="ICB children's commissioner",
                    category="commissioners",
                    power="high",
                    interest="high",
                    plan="Monthly update meeting",
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
                    plan="Newsletter and one workshop",
                ),
            ],
        ),
        "force_field": ForceField(
            change="A directory of community paediatric services in the GP record system",
            driving=[Force(description="GPs frustrated by rejected referrals", score=4)],
            restraining=[
                Force(description="Nobody owns keeping the directory up to date", score=5),
                Force(description="IT access", score=2),
            ],
            plan="Agree a named owner in the paediatric admin team and a six-monthly review.",
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
                    data_source="EMIS template",
                ),
                Measure(kind="balancing", name="Weeks to first appointment", data_source="PAS"),
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
                    what=f"What for {key}",
                    so_what="So what",
                    now_what="Now what",
                    dimensions=["Engaging the team"],
                )
                for key in LEARNING_OUTCOMES
            }
        ),
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
        Stakeholder(name="Health visitors", power="high", plan="Meet the lead")
    )
    assert answer.missing() == [
        "Place stakeholder 4 (Health visitors) on the grid: choose its power and its interest."
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
    assert "Describe restraining force 2." in answer.missing()


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
        "Write your aim in one sentence (or fill in the parts and build it)."
    ]
    todo = SmartAim(
        statement="Improve referrals for children in Brent community paediatrics soon."
    ).missing()
    assert [item.split(":")[0] for item in todo] == [
        "Add a measure",
        "Add a number in figures",
        "Add a date",
    ]


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
    assert diagram.missing() == ["Add at least one change idea to secondary driver 2.1."]


def test_measures_need_each_kind_and_a_data_source() -> None:
    answer = Measures(measures=[Measure(kind="outcome", name="% redirected")])
    assert answer.missing() == [
        "Add at least one process measure (are the steps that lead to the outcome happening as planned?)",
        "Add at least one balancing measure (is the change causing a problem somewhere else?)",
        "Say where the data for measure 1 come from.",
    ]


def test_a_pdsa_cycle_needs_a_prediction() -> None:
    answer = PdsaCycles(cycles=[PdsaCycle(change="x", plan="y")])
    assert answer.missing() == ["Write a prediction for cycle 1."]


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
        "LO3: link at least one leadership dimension.",
    ]
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
