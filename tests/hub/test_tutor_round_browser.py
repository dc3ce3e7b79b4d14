"""A tutor's whole marking round on one assignment, in real Chromium against the real local hub.

Three trainees submit "quantify a service problem" through their own servers'
Assignment List routes (what the Assignments tab's Fetch and Submit buttons
post): trainee1 before the due date, trainee2 after it, trainee3 after it too
but inside the one-day extension the tutor then grants from the control panel. The due date is
made to fall between the first submission and the others by writing
``calendar.toml`` in the hub's course folder just after trainee1 submits (the
course's collector writes the calendar's date into the gradebook at Collect).

The tutor then works only in the browser: the control panel in the tutor
dashboard (opened in the grading service's JupyterLab) for Collect, Autograde
all, Grant extension, Generate and release feedback (refused while an
answer is unmarked) and Export; the formgrader for the written answers, with
the mark scheme above each. The export's rows are checked value by value.
Screenshots of each step are saved in test-artefacts/browser/ (``round_*``);
README's "For tutors" shows a few of them (docs/images/).
"""

from __future__ import annotations

import csv
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nbformat
import pytest
from nbgrader.utils import parse_utc
from playwright.sync_api import Browser, Locator, Page, expect

from changekit.grading.deadlines import LONDON
from tests.hub import journeys
from tests.hub.conftest import Hub, running_hub
from tests.hub.test_inert_html import post_ok, xsrf_headers
from tests.hub.test_local_hub import open_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.hub,
    pytest.mark.xdist_group("hub"),
    pytest.mark.skipif(not Path(journeys.CHROMIUM).exists(), reason="needs Debian's chromium"),
]

ASSIGNMENT = journeys.ASSIGNMENT
ON_TIME, LATE, EXTENDED = "trainee1", "trainee2", "trainee3"
WRITTEN = "interpret_funnel"
#: The mark each trainee's written answer is given in the formgrader (out of 2).
MARKS = {ON_TIME: "2", LATE: "1", EXTENDED: "0"}
EXTENSION_DAYS = 1
#: Autograding three submissions in sandboxes on a loaded 2-core machine.
GRADING_MS = 600_000


def answer(home: Path, trainee: str, *, task_1: bool) -> None:
    """Write the trainee's answers into their fetched notebook: the funnel plot's reading, and task 1 if asked."""
    path = home / trainee / "pich-leadership" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == WRITTEN:
            cell.source = f"{trainee}: practice P07 sits above the upper limit, so look at its referrals first."
        elif grade_id == "load_data" and task_1:
            cell.source = journeys.TASK_1_ANSWER
    nbformat.write(notebook, path)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """A hub of the round's own: it counts every submission, mark and trainee released to, so no
    other test's work may be in it (the shared hub's trainees have submitted this assignment)."""
    with running_hub(tmp_path_factory.mktemp("round-hub")) as started:
        yield started


def submit(hub: Hub, trainee: str, *, task_1: bool = False) -> datetime:
    """Fetch, answer and submit as ``trainee`` through their own server; return the submission's time (UTC)."""
    session = open_server(hub, trainee)
    user = f"{hub.url}/user/{trainee}"
    headers = xsrf_headers(session, f"{user}/lab")
    ids = {"assignment_id": ASSIGNMENT, "course_id": hub.course_id}
    post_ok(session, f"{user}/assignments/fetch", headers, **ids)
    answer(hub.state / "hub" / "home", trainee, task_1=task_1)
    post_ok(session, f"{user}/assignments/submit", headers, **ids)
    inbound = hub.state / "exchange" / hub.course_id / "inbound"
    # Named trainee+assignment+time+random, read as nbgrader's collector reads it (a random part
    # such as "9abc" must not be taken for a zone offset).
    stamps = [
        parse_utc(p.name.rsplit("+", 3)[2]) for p in inbound.glob(f"{trainee}+{ASSIGNMENT}+*")
    ]
    assert len(stamps) == 1, (
        f"{trainee} should have one submission in the exchange, found {len(stamps)}"
    )
    return stamps[0].replace(tzinfo=UTC)


def set_due_date(hub: Hub, due: datetime) -> None:
    """Write the course calendar with ``due`` (London wall-clock time) for the assignment."""
    local = due.astimezone(LONDON).replace(tzinfo=None)
    (hub.root / "calendar.toml").write_text(f"[due]\n{ASSIGNMENT} = {local:%Y-%m-%dT%H:%M:%S}\n")


def wait_past(moment: datetime) -> None:
    """Wait until the clock has passed ``moment`` (at most a second or two here)."""
    while datetime.now(UTC) <= moment:
        time.sleep(0.05)


@pytest.fixture(scope="module")
def tutor(browser: Browser, hub: Hub) -> Iterator[Page]:
    page = journeys.log_in(browser, hub.url, "tutor", hub.passwords["tutor"])
    page.wait_for_load_state("networkidle")
    yield page
    page.close()


def service(hub: Hub) -> str:
    return f"{hub.url}/services/{hub.course_id}"


def run_until_it_starts(page: Page, code: str, tries: int = 3) -> None:
    """Run the code cell holding ``code``; press again if its prompt shows it never started.

    Just after a notebook opens, JupyterLab can take the Shift+Enter before the
    kernel's session is attached: the selection moves on and nothing runs.
    """
    cell = journeys.find_code_cell(page, code)
    prompt = cell.locator(".jp-InputPrompt")
    for _ in range(tries):
        before = prompt.inner_text()
        cell.locator(".cm-content").click()
        page.keyboard.press("Shift+Enter")
        try:
            expect(prompt).not_to_have_text(before, timeout=15_000)
            return
        except AssertionError:
            continue
    raise AssertionError(f"the cell holding {code!r} did not start after {tries} tries")


def open_control_panel(page: Page, hub: Hub) -> Locator:
    """Open the tutor dashboard in the grading service's JupyterLab, run the panel's cell, choose the assignment."""
    page.goto(f"{service(hub)}/lab/tree/notebooks/tutor_dashboard.ipynb")
    journeys.wait_for_notebook(page)
    run_until_it_starts(page, "control_panel()")
    panel = page.locator(
        ".jp-NotebookPanel:visible .widget-vbox", has=page.locator("h3", has_text="Marking round")
    ).first
    error = page.locator(
        ".jp-NotebookPanel:visible .jp-OutputArea-output[data-mime-type*='stderr']",
        has_text=re.compile(r"Traceback|Error\b"),
    )  # a warning is no failure
    # The first run imports nbgrader, pandas and the widgets: minutes on a loaded machine.
    try:
        panel.or_(error).first.wait_for(timeout=journeys.FIRST_KERNEL_MS)
    finally:
        journeys.shot(page, "round_00_dashboard_opened")
    assert not error.count(), f"the control panel's cell failed: {error.first.inner_text()[:2000]}"
    panel.locator(".widget-dropdown", has_text="Assignment").locator("select").select_option(
        ASSIGNMENT
    )
    return panel


def press(
    panel: Locator, button: str, expected: str, shot: str, timeout: float = journeys.LONG
) -> str:
    """Press a panel button, wait for the status line to say ``expected`` and the buttons to be enabled again."""
    panel.get_by_role("button", name=button, exact=True).click()
    status = panel.locator('[role="status"]')
    expect(status).to_contain_text(expected, timeout=timeout)
    expect(panel.get_by_role("button", name="Collect", exact=True)).to_be_enabled()
    journeys.ARTEFACTS.mkdir(parents=True, exist_ok=True)
    panel.screenshot(path=str(journeys.ARTEFACTS / f"{shot}.png"))
    return status.inner_text()


def submission_ids(page: Page, hub: Hub) -> dict[str, str]:
    """Each trainee's submission id in the formgrader (its API, with the tutor's own cookies)."""
    answer = page.request.get(
        f"{service(hub)}/formgrader/api/submitted_notebooks/{ASSIGNMENT}/{ASSIGNMENT}"
    )
    assert answer.ok, answer.text()
    return {notebook["student"]: notebook["id"] for notebook in answer.json()}


def mark_written_answer(page: Page, hub: Hub, submission: str, score: str, shot: str) -> str:
    """Open a submission in Manual Grading, give the written answer ``score``; return the text above the answer."""
    page.goto(f"{service(hub)}/formgrader/submissions/{submission}/")
    page.wait_for_load_state("networkidle")
    cell = page.locator(f"#{WRITTEN}").locator(
        "xpath=ancestor::div[contains(@class,'nbgrader_cell')]"
    )
    # The notebook's cells are siblings: the one before the answer's is the question, scheme included.
    question = page.locator(f"div.cell:has(#{WRITTEN})").locator(
        "xpath=preceding-sibling::div[contains(@class,'cell')][1]"
    )
    box = cell.locator("input.score")
    box.fill(score)
    box.press("Tab")
    expect(cell.locator(".score-saved")).to_be_visible()
    # The scheme's heading at the top of the screen, clear of the formgrader's fixed bar; the answer below.
    question.locator("h4", has_text="Mark scheme").evaluate(
        "heading => { heading.scrollIntoView({block: 'start'}); window.scrollBy(0, -70); }"
    )
    journeys.ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(journeys.ARTEFACTS / f"{shot}.png"))
    return question.inner_text()


def read_export(hub: Hub) -> dict[str, dict[str, str]]:
    with (hub.state / "exports" / f"{ASSIGNMENT}.csv").open(newline="") as file:
        return {row["student"]: row for row in csv.DictReader(file)}


def test_a_tutors_marking_round_in_the_browser(tutor: Page, hub: Hub) -> None:
    # Trainee 1 submits; the due date is then set to just after that submission.
    on_time_at = submit(hub, ON_TIME, task_1=True)
    due = (on_time_at + timedelta(seconds=1)).replace(microsecond=0)
    set_due_date(hub, due)
    wait_past(due)
    late_at = submit(hub, LATE)
    extended_at = submit(hub, EXTENDED)
    assert on_time_at < due < late_at < extended_at

    panel = open_control_panel(tutor, hub)
    journeys.shot(tutor, "round_01_control_panel")
    collected = press(panel, "Collect", "Next: Autograde all", "round_02_collected")
    assert f"{ON_TIME}, {LATE}, {EXTENDED}" in collected, collected

    graded = press(panel, "Autograde all", "graded now", "round_03_autograded", timeout=GRADING_MS)
    assert "3 graded now" in graded and "0 failed" in graded, graded
    results = panel.locator(".widget-output table")
    for trainee in (ON_TIME, LATE, EXTENDED):
        expect(results.locator("tr", has_text=trainee)).to_contain_text("graded")

    # trainee3 asked for more time: one day, granted after the fact (the panel lists graded trainees).
    panel.locator(".widget-dropdown", has_text="Trainee").locator("select").select_option(EXTENDED)
    days = panel.locator(".widget-inline-hbox", has_text="Days").locator("input")
    days.fill(str(EXTENSION_DAYS))
    days.press("Enter")
    extended = press(panel, "Grant extension", f"{EXTENDED} now has until", "round_04_extension")
    assert f"{(due + timedelta(days=EXTENSION_DAYS)).astimezone(LONDON):%H:%M}" in extended, (
        extended
    )

    ids = submission_ids(tutor, hub)
    above = mark_written_answer(
        tutor, hub, ids[ON_TIME], MARKS[ON_TIME], "round_05_mark_scheme_beside_answer"
    )
    assert "Mark scheme (tutors only)" in above, (
        f"the mark scheme must be right above the answer: {above[:300]}"
    )

    panel = open_control_panel(tutor, hub)
    refused = press(
        panel, "Generate and release feedback", "Feedback not released", "round_06_feedback_refused"
    )
    assert f"{LATE} (1), {EXTENDED} (1)" in refused, refused
    assert f"{ON_TIME} (" not in refused, "trainee1's answer is marked"

    for trainee in (LATE, EXTENDED):
        mark_written_answer(tutor, hub, ids[trainee], MARKS[trainee], f"round_07_marked_{trainee}")
    panel = open_control_panel(tutor, hub)
    released = press(
        panel,
        "Generate and release feedback",
        "released to",
        "round_08_feedback_released",
        timeout=GRADING_MS,
    )
    assert f"released to 3 of 3 trainees: {ON_TIME}, {LATE}, {EXTENDED}" in released, released
    assert "not yet marked" not in released

    exported = press(panel, "Export", "Exported", "round_09_exported")
    assert "3 trainees" in exported, exported
    rows = read_export(hub)
    prefix = f"{ASSIGNMENT}:"
    assert rows[ON_TIME][f"{prefix}lateness"] == "on time"
    assert rows[LATE][f"{prefix}lateness"].endswith(" late"), rows[LATE]
    assert rows[EXTENDED][f"{prefix}lateness"] == "on time", "inside the extension is on time"
    assert float(rows[EXTENDED][f"{prefix}extension_hours"]) == 24.0 * EXTENSION_DAYS
    assert float(rows[ON_TIME][f"{prefix}extension_hours"]) == 0.0
    assert float(rows[LATE][f"{prefix}extension_hours"]) == 0.0
    for trainee, mark in MARKS.items():
        assert float(rows[trainee][f"{prefix}{WRITTEN}"]) == float(mark), rows[trainee]
    assert float(rows[ON_TIME][f"{prefix}test_load_data"]) == 1.0, "trainee1 answered task 1"
    assert float(rows[LATE][f"{prefix}test_load_data"]) == 0.0
    # the due column is each trainee's own: the calendar's, or with the extension
    assert (
        rows[ON_TIME][f"{prefix}due"]
        == rows[LATE][f"{prefix}due"]
        != rows[EXTENDED][f"{prefix}due"]
    )
