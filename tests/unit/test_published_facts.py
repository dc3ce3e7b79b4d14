"""Published wording the course quotes, checked against fixtures copied from the source.

The fixture ``fixtures/nice_qs25_statements.json`` quotes NICE's QS25 page with its
address and the date it was read. These tests fail if ``changekit.asthma`` or the
asthma notebook drifts from that wording (a paraphrase, a dropped word such as
"documented"), or if the baby clinic's infant count stops following from its
stated population and birth rate.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat

from changekit import asthma
from changekit.sample_data import baby_clinic

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "nice_qs25_statements.json").read_text())
ASTHMA_NOTEBOOK = ROOT / "source" / "national_standards_asthma" / "national_standards_asthma.ipynb"


def _flat(text: str) -> str:
    """Text with every run of whitespace (line breaks in markdown) as one space."""
    return re.sub(r"\s+", " ", text).strip()


def _notebook_text() -> str:
    notebook = nbformat.read(ASTHMA_NOTEBOOK, as_version=4)
    return _flat(" ".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown"))


def test_fixture_says_where_and_when_it_was_read() -> None:
    assert FIXTURE["url"].startswith("https://www.nice.org.uk/guidance/qs25")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", FIXTURE["date_read"])
    assert set(FIXTURE["statements"]) == {"1", "2", "3", "4", "5"}


def test_changekit_quotes_every_qs25_statement_as_published() -> None:
    assert FIXTURE["url"] == asthma.QS25_URL
    assert {str(k): v for k, v in asthma.QS25_STATEMENTS.items()} == FIXTURE["statements"]
    assert FIXTURE["retired_statements"] == asthma.QS25_RETIRED_STATEMENTS


def test_statement_2_is_a_documented_plan_and_4_is_general_practice_follow_up() -> None:
    assert "documented personalised action plan" in asthma.QS25_STATEMENTS[2]
    assert "general practice within 2 working days of discharge" in asthma.QS25_STATEMENTS[4]


def test_the_notebook_quotes_each_statement_word_for_word() -> None:
    text = _notebook_text()
    quoted = list(FIXTURE["statements"].values()) + list(FIXTURE["retired_statements"].values())
    missing = [statement for statement in quoted if f'"{statement}"' not in text]
    assert not missing, f"Not quoted word for word in {ASTHMA_NOTEBOOK.name}: {missing}"


def test_every_measure_names_a_published_statement() -> None:
    for measure in asthma.MEASURES:
        number = re.fullmatch(r"QS25 statement (\d)", measure.standard)
        if number:
            assert int(number.group(1)) in asthma.QS25_STATEMENTS, measure.key
        else:
            assert measure.key in asthma.QS25_RETIRED_STATEMENTS, measure.key


def test_the_notebook_says_what_nrad_counted() -> None:
    text = _notebook_text()
    assert "195" in text, "NRAD's percentages are of the 195 deaths its panels reviewed in detail"
    assert "every asthma death in a year and found" not in text
    assert "prescription **items**" in text, "the register counts items where NRAD counted inhalers"
    assert "Asthma + Lung UK" in text
    for comparator in (
        "AST007",
        "National Respiratory Audit Programme",
        "London asthma standards for children and young people",
        "Core20PLUS5",
    ):
        assert comparator in text, comparator


def test_no_trainee_text_cites_the_private_domain_notes() -> None:
    for notebook in (
        ASTHMA_NOTEBOOK,
        ROOT / "source" / "baby_clinic_economics" / "baby_clinic_economics.ipynb",
    ):
        text = nbformat.read(notebook, as_version=4)
        assert not any(
            "domain notes" in cell.source.lower() or "domain-notes" in cell.source
            for cell in text.cells
        ), notebook.name


def test_baby_clinic_infants_follow_from_the_network_and_birth_rate() -> None:
    births_a_year = baby_clinic.NETWORK_PATIENTS * baby_clinic.BIRTHS_PER_1000 / 1000
    assert 11 < baby_clinic.BIRTHS_PER_1000 < 12.5, (
        "London 2023: 104,252 births, about 8.9 million people"
    )
    assert abs(baby_clinic.INFANTS - births_a_year / 2) <= 5, (
        "babies aged 0-6 months = half a year of births"
    )
    table = baby_clinic.generate()["baby_clinic.csv"]
    assert abs(table["infants_0_6m"].mean() - births_a_year / 2) < 10
