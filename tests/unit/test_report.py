"""Exports for the e-portfolio: DOCX that Word can open, HTML that is self-contained and escaped."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest

from changekit.answer_models import Measure, SelfAssessment
from changekit.answers import AnswerStore
from changekit.report import export_change_plan, export_reflection
from tests.unit.test_answer_models import AIM_TEXT, complete_answers

HOSTILE = "<script>alert('x')</script> Smith & Jones"


@pytest.fixture
def store(tmp_path: Path) -> AnswerStore:
    """An answer store holding a complete model answer for every form."""
    store = AnswerStore(tmp_path / "answers.json")
    for key, answer in complete_answers().items():
        store.save(key, answer)
    return store


class NestingChecker(HTMLParser):
    """Records badly nested tags: a list inside a list (not in an item), an item outside a list."""

    VOID = frozenset({"meta", "img", "br"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.VOID:
            return
        parent = self.stack[-1] if self.stack else None
        if (tag == "ul" and parent == "ul") or (tag == "li" and parent != "ul"):
            self.problems.append(f"<{tag}> inside <{parent}>")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack.pop() != tag:
            self.problems.append(f"</{tag}> closes the wrong element")


def all_text(path: Path) -> str:
    """Every paragraph and table cell of a Word file, one per line."""
    document = docx.Document(str(path))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_change_plan_exports_as_docx_and_html(store: AnswerStore, tmp_path: Path) -> None:
    docx_path, html_path = export_change_plan(store, tmp_path / "out")
    assert (docx_path.name, html_path.name) == (
        "output_change_plan.docx",
        "output_change_plan.html",
    )

    text = all_text(docx_path)
    for expected in (
        AIM_TEXT,
        "Primary driver 2: Referrals reach the right service first time",
        "Change idea: Publish it in EMIS",
        "% of referrals made from the directory",  # measures table
        "Redirects fall from 35% to 25%",  # PDSA prediction
        "keep satisfied",  # stakeholder strategy
        "Plan to weaken it: Agree a named owner",
    ):
        assert expected in text, f"{expected!r} missing from the DOCX"
    assert "Still to do" not in text
    assert len(docx.Document(str(docx_path)).inline_shapes) == 3, (
        "driver diagram, grid and force field"
    )

    page = html_path.read_text(encoding="utf-8")
    assert AIM_TEXT in page
    assert page.count('<img src="data:image/png;base64,') == 3
    assert not re.search(r'(src|href)="https?:', page), "the page must not fetch anything"
    checker = NestingChecker()
    checker.feed(page)
    assert checker.problems == [] and checker.stack == []


def test_trainee_text_is_escaped_in_html_and_kept_in_docx(
    store: AnswerStore, tmp_path: Path
) -> None:
    measures = complete_answers()["measures"]
    measures.measures.append(
        Measure(kind="process", name=HOSTILE, data_source="line one\nline two")
    )
    store.save("measures", measures)

    docx_path, html_path = export_change_plan(store, tmp_path, charts=False)
    page = html_path.read_text(encoding="utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Smith &amp; Jones" in page
    assert "line one<br>line two" in page
    assert HOSTILE in all_text(docx_path)


def test_a_blank_plan_exports_with_what_is_still_to_do(tmp_path: Path) -> None:
    docx_path, html_path = export_change_plan(tmp_path / "answers.json", tmp_path, charts=False)
    text = all_text(docx_path)
    assert "Not answered yet" in text
    assert "Add at least one balancing measure" in text
    assert "Add at least one PDSA cycle, with a plan and a prediction." in html_path.read_text(
        encoding="utf-8"
    )


def test_the_reflection_exports_each_outcome_and_the_self_assessment(
    store: AnswerStore, tmp_path: Path
) -> None:
    docx_path, html_path = export_reflection(store.path, tmp_path)
    assert (docx_path.name, html_path.name) == ("output_reflection.docx", "output_reflection.html")
    text = all_text(docx_path)
    for key in ("LO1", "LO2", "LO3", "LO4"):
        assert f"What? What for {key}" in text
    assert "Leadership dimensions: Engaging the team" in text
    assert "Healthcare Leadership Model self-assessment" in text
    assert "Development priorities:" in text
    assert len(docx.Document(str(docx_path)).inline_shapes) == 1, "the radar chart"


def test_an_unstarted_self_assessment_is_left_out_of_the_reflection(
    store: AnswerStore, tmp_path: Path
) -> None:
    store.save("self_assessment", SelfAssessment())
    docx_path, _ = export_reflection(store, tmp_path, charts=False)
    assert "Healthcare Leadership Model self-assessment" not in all_text(docx_path)
