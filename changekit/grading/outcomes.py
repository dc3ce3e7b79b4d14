"""The theme's four learning outcomes, and which graded cell of each assignment assesses which.

The one place the mapping lives: the export's marks per learning outcome and
the e-portfolio summaries read it, and ``tests/grading/test_outcomes.py``
checks that every graded cell of every source notebook maps to exactly one
outcome. Each assignment names the outcome most of its cells assess; a cell
that assesses another one is listed under ``CELLS``.
"""

from __future__ import annotations

from collections.abc import Mapping

#: The London PICH leadership theme's learning outcomes, short and in full.
OUTCOMES: Mapping[str, str] = {
    "LO1": "Leadership principles: self-awareness, others' perspectives and stakeholders",
    "LO2": "The local landscape and a whole-population approach",
    "LO3": "Drivers of and barriers to change",
    "LO4": "Designing care with other professions, patients and families",
}

#: The outcome most of an assignment's graded cells assess.
ASSIGNMENTS: Mapping[str, str] = {
    "leadership_self_and_stakeholders": "LO1",
    "local_landscape": "LO2",
    "drivers_and_barriers": "LO3",
    "quantify_a_service_problem": "LO2",
    "patient_experience": "LO4",
    "national_standards_asthma": "LO2",
    "baby_clinic_economics": "LO3",
    "change_plan": "LO3",
    "reflection": "LO1",
}

#: Graded cells that assess another outcome than their assignment's: (assignment, grade_id) -> outcome.
CELLS: Mapping[tuple[str, str], str] = {
    # Quantifying the referral problem ends by planning the change.
    ("quantify_a_service_problem", "next_steps"): "LO3",
    # Who comes to A&E and when is the local landscape; coding parents' words and the workshop are LO4.
    **{
        ("patient_experience", cell): "LO2"
        for cell in (
            "test_load_attendances",
            "test_non_urgent",
            "test_opening",
            "test_acuity",
            "test_acuity_when_shut",
            "interpret_arrivals",
        )
    },
    # Setting an improvement target against the standard is planning a change.
    ("national_standards_asthma", "interpret_target"): "LO3",
    # The change plan's reflection on working with other professions.
    ("change_plan", "reflect_professions"): "LO4",
    # The reflection form has one part per outcome (its export counts as LO1's reflective practice).
    **{
        ("reflection", f"{kind}_lo{n}"): f"LO{n}"
        for kind in ("test_reflection", "task_depth")
        for n in (2, 3, 4)
    },
}


class UnmappedCell(KeyError):
    """A graded cell of an assignment this mapping does not know."""


def outcome_of(assignment: str, grade_id: str) -> str:
    """The learning outcome (``"LO1"`` to ``"LO4"``) that ``grade_id`` of ``assignment`` assesses.

    Raises ``UnmappedCell`` for an assignment not in ``ASSIGNMENTS`` (a new
    assignment: add it here).
    """
    if (assignment, grade_id) in CELLS:
        return CELLS[(assignment, grade_id)]
    if assignment not in ASSIGNMENTS:
        raise UnmappedCell(
            f"The assignment '{assignment}' has no learning outcome in changekit/grading/outcomes.py: "
            "add it to ASSIGNMENTS (and any cell that assesses another outcome to CELLS)."
        )
    return ASSIGNMENTS[assignment]


def outcome_or_blank(assignment: str, grade_id: str) -> str:
    """``outcome_of``, or ``""`` for an assignment the course does not know (a tutor's own)."""
    try:
        return outcome_of(assignment, grade_id)
    except UnmappedCell:
        return ""
