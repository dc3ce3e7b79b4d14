"""Trainee and tutor journeys in real Chromium against the real local hub.

The trainee fetches "quantify a service problem", runs it, answers task 1,
validates and submits; the tutor collects, autogrades, marks a written answer
and releases feedback; the trainee fetches the feedback and reads the marks.
Screenshots of every step are kept in test-artefacts/browser/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.hub import journeys
from tests.hub.conftest import Hub

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("hub"),
    pytest.mark.skipif(not Path(journeys.CHROMIUM).exists(), reason="needs Debian's chromium"),
]
TRAINEE = "trainee3"


@pytest.fixture(scope="module")
def trainee(browser: Browser, hub: Hub) -> Iterator[Page]:
    page = journeys.log_in(browser, hub.url, TRAINEE, hub.passwords[TRAINEE])
    yield page
    page.close()


def test_trainee_fetches_answers_validates_and_submits(trainee: Page) -> None:
    journeys.open_lab(trainee, TRAINEE)
    journeys.fetch_assignment(trainee, TRAINEE)
    journeys.open_fetched_notebook(trainee)
    journeys.run_all(trainee)
    # Run All stops at the first unanswered task; JupyterLab then shows the end of the notebook
    # (and draws only the cells on screen), so go back up to the first stub and read its output.
    journeys.scroll_to_top(trainee)
    stub = journeys.find_code_cell(trainee, "raise NotImplementedError")
    expect(stub.locator(".jp-OutputArea-output", has_text="Not answered yet")).to_be_visible(
        timeout=journeys.LONG
    )
    journeys.shot(trainee, f"{TRAINEE}_03_ran_all")
    journeys.answer_cell(trainee, "YOUR CODE HERE", journeys.TASK_1_ANSWER)
    trainee.keyboard.press("Shift+Enter")  # the check below the answer
    journeys.wait_idle(trainee)
    expect(trainee.get_by_text("Task 1: first checks passed").first).to_be_visible()
    journeys.save(trainee)
    report = journeys.validate(trainee, TRAINEE)
    assert "There is no table called `referrals`" not in report, (
        "task 1 was answered: its check must pass"
    )
    assert "failed" in report, "validation must report the tasks still to do"
    journeys.submit(trainee, TRAINEE)


def test_tutor_collects_autogrades_marks_and_releases_feedback(browser: Browser, hub: Hub) -> None:
    tutor = journeys.log_in(browser, hub.url, "tutor", hub.passwords["tutor"])
    tutor.wait_for_load_state("networkidle")
    collected = journeys.collect_and_autograde(tutor, hub.url)
    assert f"Collecting submission: {TRAINEE}" in collected
    row = tutor.locator("tr", has_text=TRAINEE)
    expect(row.locator("td.score")).to_contain_text("1 /")
    journeys.grade_manual_cell(tutor, hub.url, "interpret_funnel", journeys.TUTOR_COMMENT_SCORE)
    journeys.release_feedback(tutor, hub.url)
    tutor.close()


def test_trainee_fetches_and_reads_feedback(trainee: Page) -> None:
    text = journeys.fetch_feedback(trainee, TRAINEE)
    assert "quantify_a_service_problem (Score: 3.0 /" in text, (
        "1 autograded + 2 manual marks expected"
    )
    assert "Your reading of the funnel plot (Score: 2.0 / 2.0)" in text, (
        "written answers are titled by their question"
    )
    assert "Task 1: load the referrals (Score: 1.0 / 1.0)" in text, (
        "checks are titled by their task"
    )
    assert "Test cell" not in text
    assert "HIDDEN TESTS" not in text and "Mark scheme" not in text


def test_trainee_form_answer_survives_a_page_reload(trainee: Page, hub: Hub) -> None:
    assignment = "leadership_self_and_stakeholders"
    journeys.fetch_assignment(trainee, TRAINEE, assignment)
    text = "Chaired the referral pathway meeting and summarised each service's view."
    shown = journeys.fill_form_and_reload(
        trainee, TRAINEE, assignment, "self_assessment(store.path)", text
    )
    assert shown == text
    saved = hub.state / "hub" / "home" / TRAINEE / hub.course_id / assignment / "answers.json"
    assert text in saved.read_text(), "the form must have saved the answer in the assignment folder"
