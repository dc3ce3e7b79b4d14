"""The course's forms in real JupyterLab: axe-core, a keyboard-only journey, screenshots at 200% zoom.

A trainee (trainee2) fetches each assignment that has forms, opens its notebook
in the test hub's JupyterLab, runs the setup cell and each form's cell, and
axe-core (4.12.1, shipped inside axe-playwright-python, pinned in the lock)
checks that form's **output area only**: the context given to axe is the
cell's ``.jp-OutputArea``, so JupyterLab's own chrome (menus, tabs, the cell
editor, the file browser) is excluded. That chrome is upstream's to fix; what
the course draws is ours. A form passes with no violation of impact "serious"
or "critical".

The page is a 1280 by 900 CSS-pixel viewport at device scale factor 2 (200%
zoom: a 2560-pixel-wide screen), with the file browser folded away. Each form's output area is saved as
a screenshot in test-artefacts/browser/ (``a11y_<form>_200pct.png``).

The keyboard-only journey fills one form of each kind (text, drop-down,
scale: the force's strength, radio buttons in a row where a slider was) with
``page.keyboard`` alone: the first control is given focus
programmatically (``focus()``, no mouse event), then only Tab, typing and arrow
keys are used. Forms save on every change, so "save" is checked by reading the
answers file in the trainee's assignment folder.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Locator, Page, expect

from tests.hub import journeys
from tests.hub.conftest import Hub

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("hub"),
    pytest.mark.skipif(not Path(journeys.CHROMIUM).exists(), reason="needs Debian's chromium"),
]
TRAINEE = "trainee2"
#: Each assignment with forms, and the call in each form's cell.
FORMS = {
    "leadership_self_and_stakeholders": ["self_assessment(store.path)", "stakeholders(store.path)"],
    "drivers_and_barriers": ["force_field(store.path)"],
    "change_plan": [
        "smart_aim(store.path)",
        "driver_diagram(store.path)",
        "measures(store.path)",
        "pdsa_cycles(store.path)",
    ],
    "reflection": ["reflection(store.path)"],
}
BLOCKING = {"serious", "critical"}
FORM = ".changekit-form"


@pytest.fixture(scope="module")
def zoomed(browser: Browser, hub: Hub) -> Iterator[Page]:
    """trainee2 logged in, at 200% zoom (device scale factor 2 on a 1280-pixel-wide viewport)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(journeys.LONG)
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", TRAINEE)
    page.fill("#password_input", hub.passwords[TRAINEE])
    page.click("#login_submit")
    journeys.open_lab(page, TRAINEE)
    # Fold the file browser away (as a trainee zoomed in would): the notebook's toolbar keeps
    # its kernel indicator in view instead of folding it into an overflow menu.
    page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()
    yield page
    context.close()


#: Buttons that add the rows a form starts without (pressed before axe runs: their controls count
#: too), each with the remove button that shows its row is drawn.
ADD_ROW = {
    "Add a stakeholder": "Remove stakeholder 1",
    "Add a driving force": "Remove driving force 1",
    "Add a restraining force": "Remove restraining force 1",
    "Add a primary driver": "Remove primary driver 1",
    "Add a secondary driver": "Remove secondary driver 1",
    "Add a measure": "Remove measure 1",
    "Add a PDSA cycle": "Remove cycle 1",
}


def add_rows(output: Locator) -> None:
    """Press each 'Add ...' button of the form once, in order, waiting for each row to be drawn."""
    for label, drawn in ADD_ROW.items():
        button = output.get_by_role("button", name=label)
        if button.count():
            button.first.click()
            output.get_by_role("button", name=drawn).first.wait_for()


def open_form(page: Page, call: str) -> Locator:
    """Run the form's cell; return its output area once the form is drawn."""
    journeys.run_cell(page, call)
    output = journeys.find_code_cell(page, call).locator(".jp-OutputArea").first
    output.locator(FORM).first.wait_for()
    return output


def serious_violations(page: Page, output: Locator, name: str) -> list[str]:
    """axe-core on ``output`` only (JupyterLab's chrome excluded): serious or critical violations."""
    output.evaluate("(node, name) => node.setAttribute('data-a11y-form', name)", name)
    results = Axe().run(page, context=f"[data-a11y-form='{name}']")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def test_every_form_passes_axe_and_is_shot_at_200_percent(zoomed: Page) -> None:
    found: dict[str, list[str]] = {}
    for assignment, calls in FORMS.items():
        open_assignment(zoomed, assignment)
        for call in calls:
            name = call.split("(")[0]
            output = open_form(zoomed, call)
            expect(output).to_contain_text("run this cell again: your answers are saved")
            add_rows(output)
            output.screenshot(path=str(artefact(f"a11y_{name}_200pct")))
            found[name] = serious_violations(zoomed, output, name)
        if assignment == "reflection":
            ticks = zoomed.locator(f"{FORM} .widget-checkbox input[type=checkbox]")
            assert ticks.count() == 4 * 9, "every learning outcome lists all nine dimensions"
            for n in range(9):
                expect(ticks.nth(n)).to_be_visible()
    assert not any(found.values()), json.dumps(found, indent=1)


def artefact(name: str) -> Path:
    journeys.ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return journeys.ARTEFACTS / f"{name}.png"


def tab_to(page: Page, target: Locator, key: str = "Tab", limit: int = 40) -> None:
    """Press ``key`` (Tab, or Shift+Tab to go back) until ``target`` has focus (fails if it is
    not reached: a broken tab order)."""
    for _ in range(limit):
        if target.evaluate("node => node === document.activeElement"):
            return
        page.keyboard.press(key)
    raise AssertionError(f"Tab never reached {target}")


def saved(hub: Hub, assignment: str) -> dict:
    """The answers saved in the trainee's assignment folder (empty until the first save)."""
    path = hub.state / "hub" / "home" / TRAINEE / hub.course_id / assignment / "answers.json"
    return json.loads(path.read_text())["answers"] if path.exists() else {}


def wait_saved(
    page: Page, hub: Hub, assignment: str, ready: Callable[[dict], bool], what: str
) -> dict:
    """Wait (bounded) until the answers file shows ``ready``: the form saves on every change."""
    for _ in range(100):
        answers = saved(hub, assignment)
        with contextlib.suppress(KeyError, IndexError, TypeError):
            if ready(answers):
                return answers
        page.wait_for_timeout(200)
    raise AssertionError(f"never saved: {what}; the file holds {answers}")


def open_assignment(page: Page, assignment: str) -> None:
    """Open the assignment's notebook, fetching it first if this trainee has not yet."""
    journeys.open_assignment_list(page)
    fetched = page.locator("#fetched_assignments_list .list_item", has_text=assignment)
    if not fetched.count():
        journeys.fetch_assignment(page, TRAINEE, assignment)
    journeys.open_fetched_notebook(page, assignment)
    journeys.run_cell(page, journeys.SETUP_CELL)


def test_keyboard_only_text_dropdown_and_scale(zoomed: Page, hub: Hub) -> None:
    """Fill a text box (SMART aim), a drop-down (measure kind) and a scale (force strength), keys only.

    The force's strength is a row of radio buttons (1 weak ... 5 strong): ipywidgets' slider handle
    has no accessible name and cannot be given one (axe: aria-input-field-name, serious).
    """
    open_assignment(zoomed, "change_plan")
    aim = open_form(zoomed, "smart_aim(store.path)")
    aim.locator(f"{FORM} input[type=text]").first.focus()  # programmatic focus: no mouse event
    zoomed.keyboard.type("Fewer redirected referrals")
    zoomed.keyboard.press("Tab")
    zoomed.keyboard.type("Children referred to community paediatrics")
    wait_saved(
        zoomed,
        hub,
        "change_plan",
        lambda a: a["smart_aim"]["population"] == "Children referred to community paediatrics",
        "the SMART aim's second box, reached with Tab",
    )

    measures = open_form(zoomed, "measures(store.path)")
    measures.get_by_role("button", name="Add a measure").focus()
    zoomed.keyboard.press("Enter")
    kind = measures.locator(f"{FORM} select").last
    kind.wait_for()
    tab_to(zoomed, kind, "Shift+Tab")  # the new row is just above the Add button
    zoomed.keyboard.press("o")  # type-ahead on the closed list: "Outcome: ..."
    answers = wait_saved(
        zoomed,
        hub,
        "change_plan",
        lambda a: a["measures"]["measures"][-1]["kind"],
        "the measure's kind, chosen by typing its first letter",
    )
    assert answers["measures"]["measures"][-1]["kind"] == "outcome"
    assert answers["smart_aim"]["improvement"] == "Fewer redirected referrals"

    open_assignment(zoomed, "drivers_and_barriers")
    forces = open_form(zoomed, "force_field(store.path)")
    before = forces.get_by_role("button", name="Remove driving force").count()
    forces.get_by_role("button", name="Add a driving force").focus()
    zoomed.keyboard.press("Enter")
    forces.get_by_role("button", name=f"Remove driving force {before + 1}").wait_for()
    # Driving rows come first, five choices each: the new row's "5 strong" is choice 5 of row before + 1.
    strongest = forces.locator(f"{FORM} .changekit-scale input[type=radio]").nth(5 * before + 4)
    label = strongest.locator("xpath=..")  # ipywidgets puts each radio inside its <label>
    expect(label).to_have_text("5 strong")
    box = label.bounding_box()
    assert box and box["width"] >= 24 and box["height"] >= 24, (
        f"a strength target under 24 by 24 px: {box}"
    )
    tab_to(zoomed, strongest, "Shift+Tab")  # back from the Add button, past the row's Remove
    zoomed.keyboard.press("Space")
    wait_saved(
        zoomed,
        hub,
        "drivers_and_barriers",
        lambda a: a["force_field"]["driving"][-1]["score"] == 5,
        "the strength of a new force, set from 3 to 5 with Tab and Space",
    )
    journeys.shot(zoomed, f"{TRAINEE}_a11y_keyboard_journey")
