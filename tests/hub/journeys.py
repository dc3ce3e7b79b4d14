"""What trainees and tutors do in the browser, step by step, in headless Debian Chromium.

Each step saves a screenshot in test-artefacts/browser/ so a failure can be seen.
Selectors follow JupyterLab 4.6 and nbgrader 0.9.6 (see shared stack notes).
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from changekit.paths import course_root

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTEFACTS = course_root() / "test-artefacts" / "browser"
ASSIGNMENT = "quantify_a_service_problem"
COURSE = "pich-leadership"
TASK_1_ANSWER = (
    'referrals = read_referrals("referrals.csv")\n'
    'referrals["redirected"] = referrals["outcome"] == "redirected"\n'
)
TUTOR_COMMENT_SCORE = "2"
LONG = 90_000  # ms: a server starting, a notebook running
expect.set_options(timeout=30_000)  # the exchange and the formgrader answer within seconds


def shot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as a test artefact."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(browser: Browser, url: str, user: str, password: str) -> Page:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.set_default_timeout(LONG)
    page.goto(f"{url}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", password)
    page.click("#login_submit")
    return page


IDLE = '.jp-NotebookPanel:visible .jp-Notebook-ExecutionIndicator[data-status="idle"]'
#: A user's first kernel on a busy machine (a new home, caches built) can take minutes to be ready.
FIRST_KERNEL_MS = 300_000


def wait_for_notebook(page: Page) -> None:
    """Wait until the notebook in front has its cells and an idle kernel."""
    page.locator(".jp-NotebookPanel:visible .jp-Cell").first.wait_for()
    kernel_choice = page.locator(".jp-Dialog", has_text="Select Kernel")
    page.wait_for_timeout(1000)
    if kernel_choice.count():
        kernel_choice.get_by_role("button", name="Select").click()
    wait_idle(page, FIRST_KERNEL_MS)


def wait_idle(page: Page, timeout_ms: float | None = None) -> None:
    page.locator(IDLE).wait_for(timeout=timeout_ms)


def open_lab(page: Page, user: str) -> None:
    """Wait for JupyterLab (the start page opens by default)."""
    wait_for_notebook(page)
    shot(page, f"{user}_01_lab")


def open_assignment_list(page: Page) -> None:
    """Nbgrader > Assignment List; a tab restored from the last visit is brought to the front."""
    tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="Assignments")
    if tab.count():
        tab.first.click()
    else:
        page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
        page.locator("li.lm-Menu-item:has-text('Assignment List')").click()
    page.locator(".panel-heading", has_text="Downloaded assignments").first.wait_for()


def fetch_assignment(page: Page, user: str, assignment: str = ASSIGNMENT) -> None:
    open_assignment_list(page)
    released = page.locator("#released_assignments_list .list_item", has_text=assignment)
    released.get_by_role("button", name="Fetch").click()
    expect(
        page.locator("#fetched_assignments_list .list_item", has_text=assignment).first
    ).to_be_visible()
    shot(page, f"{user}_02_fetched_{assignment}")


def open_fetched_notebook(page: Page, assignment: str = ASSIGNMENT) -> None:
    """Open the assignment's notebook from the Assignments tab, as a trainee would."""
    open_assignment_list(page)
    fetched = page.locator("#fetched_assignments_list .list_item", has_text=assignment).first
    fetched.locator("a.assignment-notebooks-link").click()
    fetched.locator(".nested_list_item a", has_text=assignment).first.click()
    page.locator(".lm-TabBar-tab.lm-mod-current", has_text=f"{assignment}.ipynb").wait_for()
    wait_for_notebook(page)


def scroll_to_top(page: Page) -> None:
    """Scroll the notebook in front back to its first cell (after Run All it shows the last)."""
    for _ in range(10):
        page.locator(".jp-NotebookPanel:visible .jp-WindowedPanel-outer").first.hover()
        page.mouse.wheel(0, -100_000)
        page.wait_for_timeout(100)


def find_code_cell(page: Page, code: str):
    """The first code cell whose source contains ``code``, scrolling down to it.

    JupyterLab draws only the cells near the screen, so a cell further down
    has no text to match until the notebook has been scrolled to it.
    """
    cell = page.locator(".jp-NotebookPanel:visible .jp-CodeCell", has_text=code).first
    for _ in range(40):
        if cell.count():
            return cell
        page.locator(".jp-NotebookPanel:visible .jp-WindowedPanel-outer").first.hover()
        page.mouse.wheel(0, 500)
        page.wait_for_timeout(200)
    raise AssertionError(f"no code cell containing {code!r} in the open notebook")


def run_cell(page: Page, code: str) -> None:
    """Run the first code cell whose source contains ``code`` (click it, Shift+Enter)."""
    find_code_cell(page, code).locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    wait_idle(page)


def first_form_text_box(page: Page):
    """The first multi-line text box of a form in the notebook in front."""
    return page.locator(".jp-NotebookPanel:visible .widget-textarea textarea").first


#: What the setup cell of a form notebook holds: the answer store every form cell is given.
SETUP_CELL = 'store = AnswerStore("answers.json")'


def fill_form_and_reload(page: Page, user: str, assignment: str, form_call: str, text: str) -> str:
    """Type into a form, reload the browser page, run the form again; return what it shows."""
    open_fetched_notebook(page, assignment)
    run_cell(page, SETUP_CELL)
    run_cell(page, form_call)
    box = first_form_text_box(page)
    box.fill(text)
    box.press("Tab")
    page.wait_for_timeout(1500)
    shot(page, f"{user}_08_form_filled")
    page.reload()
    wait_for_notebook(page)
    run_cell(page, SETUP_CELL)
    run_cell(page, form_call)
    box = first_form_text_box(page)
    box.wait_for()
    shot(page, f"{user}_09_form_after_reload")
    return box.input_value()


def run_all(page: Page) -> None:
    """Run > Run All Cells, then wait for the kernel to go idle (it stops at the first unanswered task)."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator('li.lm-Menu-item[data-command="runmenu:run-all"]').click()
    page.wait_for_timeout(500)
    wait_idle(page)


def answer_cell(page: Page, stub_text: str, code: str) -> None:
    """Replace the first answer cell still showing ``stub_text`` with ``code`` and run it."""
    editor = find_code_cell(page, stub_text).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(code)
    page.keyboard.press("Shift+Enter")
    page.wait_for_timeout(500)
    wait_idle(page)


def save(page: Page) -> None:
    page.keyboard.press("Control+S")
    page.wait_for_timeout(1000)


def validate(page: Page, user: str) -> str:
    """Press the notebook's Validate button; return what the dialog says."""
    page.get_by_role("button", name="Validate").first.click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_be_visible()
    text = dialog.inner_text()
    shot(page, f"{user}_04_validated")
    dialog.get_by_role("button").last.click()
    return text


def submit(page: Page, user: str) -> None:
    open_assignment_list(page)
    fetched = page.locator("#fetched_assignments_list .list_item", has_text=ASSIGNMENT).first
    fetched.get_by_role("button", name="Submit").click()
    expect(
        page.locator("#submitted_assignments_list .list_item", has_text=ASSIGNMENT).first
    ).to_be_visible()
    shot(page, f"{user}_05_submitted")


def formgrader(page: Page, url: str, path: str = "manage_assignments") -> None:
    page.goto(f"{url}/services/{COURSE}/formgrader/{path}")
    page.wait_for_load_state("networkidle")


def assignment_row(page: Page):
    return page.locator("tr", has=page.locator("td.name", has_text=ASSIGNMENT))


def success_modal(page: Page) -> str:
    """Wait for the formgrader's result window, read it, close it."""
    modal = page.locator(".modal.in, .modal.show").last
    expect(modal).to_be_visible()
    text = modal.inner_text()
    modal.get_by_role("button", name=re.compile("Close|OK", re.IGNORECASE)).last.click()
    expect(modal).to_be_hidden()
    return text


def collect_and_autograde(page: Page, url: str) -> str:
    formgrader(page, url)
    assignment_row(page).locator("td.collect a").click()
    collected = success_modal(page)
    formgrader(page, url, f"manage_submissions/{ASSIGNMENT}")
    shot(page, "tutor_02_submissions")
    page.locator("td.autograde a").first.click()
    success_modal(page)
    formgrader(page, url, f"manage_submissions/{ASSIGNMENT}")
    shot(page, "tutor_03_autograded")
    return collected


def grade_manual_cell(page: Page, url: str, grade_id: str, score: str) -> None:
    """Open the first submission in Manual Grading and give ``score`` to a written answer."""
    formgrader(page, url, f"gradebook/{ASSIGNMENT}/{ASSIGNMENT}")
    page.locator("td a", has_text=re.compile("Submission", re.IGNORECASE)).first.click()
    page.wait_for_load_state("networkidle")
    cell = page.locator(f"#{grade_id}").locator(
        "xpath=ancestor::div[contains(@class,'nbgrader_cell')]"
    )
    box = cell.locator("input.score")
    box.fill(score)
    box.press("Tab")
    expect(cell.locator(".score-saved")).to_be_visible()
    shot(page, "tutor_04_manual_grade")


def release_feedback(page: Page, url: str) -> None:
    formgrader(page, url)
    assignment_row(page).locator("td.generate-feedback a").click()
    success_modal(page)
    formgrader(page, url)
    assignment_row(page).locator("td.release-feedback a").click()
    success_modal(page)
    shot(page, "tutor_05_feedback_released")


def fetch_feedback(page: Page, user: str) -> str:
    """Fetch feedback from the Assignments tab and open it; return the feedback page's text."""
    open_assignment_list(page)
    submitted = page.locator("#submitted_assignments_list .list_item", has_text=ASSIGNMENT).first
    submitted.get_by_role("button", name="Fetch Feedback").click()
    link = page.locator("#submitted_assignments_list a", has_text="view feedback").first
    expect(link).to_be_visible()
    shot(page, f"{user}_06_feedback_fetched")
    link.click()  # the file browser goes to the feedback folder
    page.locator(".jp-DirListing-item", has_text=f"{ASSIGNMENT}.html").first.dblclick()
    viewer = page.frame_locator(".jp-MainAreaWidget:visible iframe").first
    viewer.locator("body").wait_for()
    page.wait_for_timeout(1000)
    shot(page, f"{user}_07_feedback")
    return viewer.locator("body").inner_text()
