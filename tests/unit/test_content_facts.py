"""Facts in the trainee-facing notebooks that a test can check.

Each test reads the notebooks in source/ and notebooks/ (what trainees see, less
the solutions nbgrader strips) and fails when a fact that was corrected comes
back wrong, or when the text and the code behind it disagree.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from changekit.experience import GP_CORE_HOURS, GP_WITH_ENHANCED_ACCESS
from changekit.governance import suppress_small_numbers
from changekit.sample_data.population import UNIT_COSTS

ROOT = Path(__file__).resolve().parents[2]
TRAINEE_NOTEBOOKS = sorted(ROOT.glob("source/*/*.ipynb")) + sorted(ROOT.glob("notebooks/*.ipynb"))
START_HERE = ROOT / "notebooks" / "00_start_here.ipynb"
TIMED = {
    "leadership_self_and_stakeholders": "Leadership: knowing yourself and your stakeholders",
    "local_landscape": "The local landscape: a whole-population approach",
    "drivers_and_barriers": "Drivers and barriers for local service change",
    "patient_experience": "Patients' experience (case study 2)",
    "change_plan": "Your change plan",
    "reflection": "Reflecting on your leadership",
}
"""The notebooks whose first cell states a time, with their titles in 00_start_here's table."""

OUT_OF_DATE = ("domain notes", "domain-notes", "extended access", "as published nhs statistics do")
"""Phrases that must not reach trainees: a file they cannot see, a scheme replaced in 2022, a
claim about suppression that is not true of every publisher."""


def _cells(path: Path) -> list[nbformat.NotebookNode]:
    return nbformat.read(path, as_version=4).cells


def _text(path: Path) -> str:
    """Every cell's source, with runs of whitespace (line breaks too) as one space."""
    return " ".join(" ".join(cell.source for cell in _cells(path)).split())


def _notebook(name: str) -> Path:
    return ROOT / "source" / name / f"{name}.ipynb"


def _cell(path: Path, grade_id: str) -> str:
    """One cell's source by its nbgrader grade_id, whitespace runs as one space."""
    matches = [
        c.source for c in _cells(path) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    ]
    assert len(matches) == 1, f"{path.name}: expected one cell with grade_id {grade_id!r}"
    return " ".join(matches[0].split())


def test_the_notebooks_are_found() -> None:
    assert len(TRAINEE_NOTEBOOKS) >= 10
    assert START_HERE in TRAINEE_NOTEBOOKS


@pytest.mark.parametrize("path", TRAINEE_NOTEBOOKS, ids=lambda p: p.stem)
def test_no_out_of_date_or_unseeable_source_in_trainee_text(path: Path) -> None:
    text = _text(path).lower()
    found = [phrase for phrase in OUT_OF_DATE if phrase in text]
    assert not found, f"{path.relative_to(ROOT)} still says {found}"


def test_enhanced_access_hours_in_the_text_are_the_hours_the_code_uses() -> None:
    text = _cell(_notebook("patient_experience"), "task_opening")
    assert "1 October 2022" in text and "Enhanced" in text
    assert "18:30 to 20:00" in text and "09:00 to 17:00 on" in text
    hours = GP_WITH_ENHANCED_ACCESS
    assert hours.is_open("Monday", 19 * 60 + 59) and not hours.is_open("Monday", 20 * 60)
    assert hours.is_open("Saturday", 9 * 60) and not hours.is_open("Saturday", 17 * 60)
    assert not hours.is_open("Sunday", 12 * 60)
    assert not GP_CORE_HOURS.is_open("Monday", 18 * 60 + 30)


def test_patient_experience_cites_each_figure_it_gives() -> None:
    text = _cell(_notebook("patient_experience"), "context")
    for source in ("RCPCH", "Nuffield Trust", "Mullan", "Simpson", "Butun", "Nath"):
        assert source in text
    assert "a quarter of all A&E" not in text


def test_patient_experience_covers_consent_and_childrens_voice() -> None:
    text = _text(_notebook("patient_experience"))
    for idea in (
        "hra-decisiontools.org.uk",
        "service evaluation",
        "Anonymise",
        "consent",
        "Lundy",
        "RCPCH &Us",
        "Experience-Based Co-Design",
        "Point of Care Foundation",
    ):
        assert idea.lower() in text.lower(), idea


def test_drivers_and_barriers_names_its_own_grouping_and_current_bodies() -> None:
    text = _text(_notebook("drivers_and_barriers"))
    assert "six kinds of its own" in text and "not a published framework" in text
    assert "Ten challenges" in text and "2012;21(10):876-884" in text
    assert "Te Whatu Ora" in text and "1 July 2022" in text
    assert "integrated care boards (ICBs)" in text and "Health and Care Act 2022" in text


def test_local_landscape_pricing_table_matches_the_generator() -> None:
    """The unit costs the trainee reads beside the Pareto figures are those behind cost_gbp."""
    cells = [
        c.source
        for c in _cells(_notebook("local_landscape"))
        if c.metadata.get("nbgrader", {}).get("grade_id") == "task_pareto"
    ]
    assert len(cells) == 1
    text = cells[0]
    stated = {
        "gp_contacts": r"\| GP consultation \|[^|]*\| (\d+) \|",
        "ed_attendances": r"\| A&E attendance \|[^|]*\| (\d+) \|",
        "emergency_admissions": r"\| emergency admission \|[^|]*\| (\d+) \|",
        "outpatient_attendances": r"\| outpatient attendance \|[^|]*\| (\d+) \|",
        "community_contacts": r"\| community contact \|[^|]*\| (\d+) \|",
    }
    for column, pattern in stated.items():
        match = re.search(pattern, text)
        assert match, f"no price for {column} in the Pareto cell"
        assert int(match.group(1)) == UNIT_COSTS[column], column
    assert "health-visitor contact" in text and "short stay" in text and "first attendance" in text


def test_local_landscape_says_whose_rate_1864_is() -> None:
    text = _cell(_notebook("local_landscape"), "rates_context")
    assert "all-ages" not in text
    assert "all children under 15 (1,864" in text


def test_start_here_suppression_text_matches_the_code() -> None:
    text = _text(START_HERE)
    assert "counts of 1 to 4 as `<5`" in text and "1 to 7" in text
    shown = suppress_small_numbers(pd.DataFrame({"n": [0, 1, 4, 5, 8]}))["n"].tolist()
    assert shown == [0, "<5", "<5", 5, 8]


def test_start_here_reading_list_names_each_item_the_theme_asks_for() -> None:
    text = _text(START_HERE)
    for item in (
        "Better Health for London",
        "Camden",
        "CYPHP",
        "Insight into life as a GP",
        "Partners in Paediatrics",
        "seminars",
    ):
        assert item in text, item


def _minutes(text: str) -> int:
    """'about 1 hour 45 minutes' -> 105."""
    match = re.search(r"(?:(\d+) hours?)?\s*(?:(\d+) minutes)?", text.strip())
    assert match and any(match.groups()), f"no time in {text!r}"
    return int(match.group(1) or 0) * 60 + int(match.group(2) or 0)


def _table_times() -> dict[str, int]:
    source = "\n".join(cell.source for cell in _cells(START_HERE))
    rows = re.findall(r"^\| \d* \| ([^|]+) \| ([^|]+) \|$", source, flags=re.MULTILINE)
    return {title.strip(): _minutes(time) for title, time in rows}


@pytest.mark.parametrize("name", sorted(TIMED))
def test_each_notebook_states_its_time_and_how_it_was_found(name: str) -> None:
    first = " ".join(_cells(_notebook(name))[0].source.split())
    stated = re.search(r"\*\*Time:\*\* about (\d+ hours?(?: \d+ minutes)?|\d+ minutes)", first)
    assert stated, f"{name}: the first cell states no time"
    assert "How this was worked out" in first and "estimate" in first
    assert _table_times()[TIMED[name]] == _minutes(stated.group(1)), (
        f"{name}: its first cell and 00_start_here's table give different times"
    )


def test_start_here_table_covers_every_assignment_and_the_course_total() -> None:
    table = _table_times()
    assignments = sorted(
        p.name for p in (ROOT / "source").iterdir() if (p / f"{p.name}.ipynb").exists()
    )
    assert len(table) == len(assignments) + 1  # every assignment plus Start here
    total_hours = round(sum(table.values()) / 60)
    assert f"about 17 to {total_hours} hours" in _text(START_HERE)
