"""A trainee's own patch in real Chromium against the real local hub.

1. The column-mapping form on a file the trainee has put in their home folder:
   pick which column is which, see the preview, get the ``read_referrals`` line,
   press Check.
2. The services-directory form in the released "local landscape" notebook,
   through to its exported page, opened from the link the form shows.

Screenshots of every step are kept in test-artefacts/browser/.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.hub import journeys
from tests.hub.conftest import Hub
from tests.unit.test_own_extract import COLUMNS, OWN_ROWS, csv_file

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("hub"),
    pytest.mark.skipif(not Path(journeys.CHROMIUM).exists(), reason="needs Debian's chromium"),
]
TRAINEE = "trainee2"
ASSIGNMENT = "local_landscape"
NOTEBOOK = "own_extract.ipynb"


@pytest.fixture(scope="module")
def trainee(browser: Browser, hub: Hub) -> Iterator[Page]:
    page = journeys.log_in(browser, hub.url, TRAINEE, hub.passwords[TRAINEE])
    # Another test of the shared hub may have left this trainee's JupyterLab in another folder or
    # layout (JupyterLab restores it): start from the default layout, the file browser at home.
    page.goto(f"{hub.url}/user/{TRAINEE}/lab/tree/00_start_here.ipynb?reset")
    journeys.open_lab(page, TRAINEE)
    yield page
    page.close()


def home(hub: Hub) -> Path:
    """The trainee's home folder: the root of their JupyterLab file browser."""
    return hub.state / "hub" / "home" / TRAINEE


def labelled(page: Page, kind: str, label: str) -> Locator:
    """The input of the widget of ``kind`` ('text', 'dropdown', 'textarea') whose label is exactly ``label``."""
    exactly = re.compile(
        "^" + r"\s+".join(map(re.escape, label.split())) + "$"
    )  # the page may collapse spaces
    widget = page.locator(
        f".jp-NotebookPanel:visible .widget-{kind}", has=page.locator("label", has_text=exactly)
    )
    return widget.locator({"dropdown": "select", "textarea": "textarea"}.get(kind, "input")).first


def run_cell_far_down(page: Page, code: str) -> None:
    """Run the code cell holding ``code``, scrolling down step by step until JupyterLab draws it.

    The section on the trainee's own patch is at the end of a long notebook, further down
    than ``journeys.find_code_cell`` scrolls; one big jump leaves JupyterLab drawing nothing.
    """
    cell = page.locator(".jp-NotebookPanel:visible .jp-CodeCell", has_text=code).first
    for _ in range(200):
        if cell.count():
            break
        page.locator(".jp-NotebookPanel:visible .jp-WindowedPanel-outer").first.hover()
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(150)
    cell.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    journeys.wait_idle(page)


def test_column_mapping_form_on_the_trainees_own_file(trainee: Page, hub: Hub) -> None:
    folder = home(hub) / "my_data"
    folder.mkdir(parents=True, exist_ok=True)
    extract = csv_file(folder, OWN_ROWS, name="own_referrals.csv")
    cell = (
        "from changekit.widgets.column_mapping import column_mapping\n"
        'column_mapping("my_data/own_referrals.csv")'
    )
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "mapping",
                "metadata": {},
                "outputs": [],
                "source": cell,
            }
        ],
        "metadata": {
            "kernelspec": {
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
                "name": "python3",
            }
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (home(hub) / NOTEBOOK).write_text(json.dumps(notebook), encoding="utf-8")
    trainee.locator(
        ".jp-DirListing-item", has_text=NOTEBOOK
    ).first.dblclick()  # the file browser lists it
    trainee.locator(".lm-TabBar-tab.lm-mod-current", has_text=NOTEBOOK).wait_for()
    journeys.wait_for_notebook(trainee)
    journeys.shot(trainee, f"{TRAINEE}_10_own_extract_notebook")
    journeys.run_cell(trainee, "column_mapping(")

    preview = trainee.locator(
        '.jp-NotebookPanel:visible table[aria-label="The first rows of your file"]'
    )
    expect(preview).to_contain_text("Toe walking")
    for own, course in COLUMNS.items():
        labelled(trainee, "dropdown", course).select_option(label=own)
    for word in ("Rejected - signposted", "rejected -  SIGNPOSTED"):
        labelled(trainee, "dropdown", word).select_option("redirected")
    line = labelled(trainee, "textarea", "Paste this line")
    expect(line).to_have_value(
        re.compile(
            r"^referrals = read_referrals\('my_data/own_referrals.csv', "
            r"columns=\{'Ref no': 'referral_id'.*'Rejected - signposted': 'redirected'"
        )
    )
    journeys.shot(trainee, f"{TRAINEE}_11_column_mapping")
    trainee.get_by_role("button", name="Check", exact=True).click()
    expect(trainee.get_by_text("Read 3 referrals from own_referrals.csv")).to_be_visible()
    journeys.shot(trainee, f"{TRAINEE}_12_column_mapping_checked")
    assert extract.is_file()


def test_services_directory_form_through_to_its_exported_page(trainee: Page, hub: Hub) -> None:
    journeys.fetch_assignment(trainee, TRAINEE, ASSIGNMENT)
    journeys.open_fetched_notebook(trainee, ASSIGNMENT)
    run_cell_far_down(trainee, journeys.SETUP_CELL)
    journeys.shot(trainee, f"{TRAINEE}_13_local_landscape_section_6")
    journeys.run_cell(trainee, "services_directory(store.path)")
    labelled(trainee, "text", "Your patch").fill("Testshire, children 0-18")
    trainee.get_by_role("button", name="Add a service").click()
    entry = {
        ("text", "Service"): "Children's bladder & bowel <service>",
        ("textarea", "Accepts"): "Wetting and soiling from age 5",
        ("textarea", "Does not accept"): "Constipation under 1 year",
        ("text", "Ages"): "5-18 years",
        ("textarea", "How to refer"): "Referral form by email",
        ("text", "Contact"): "The team's generic inbox",
        ("text", "Concerns it takes"): "continence; constipation",
    }
    for (kind, label), value in entry.items():
        box = labelled(trainee, kind, label)
        box.fill(value)
        box.press("Tab")
    still_to_do = trainee.locator(".jp-NotebookPanel:visible [role=status]", has_text="Still to do")
    expect(still_to_do).to_contain_text("List at least 3 services (you have 1).")
    trainee.get_by_role("button", name="Export the directory").click()
    link = trainee.locator(".jp-NotebookPanel:visible a", has_text="output_services_directory.html")
    expect(link).to_be_visible()
    journeys.shot(trainee, f"{TRAINEE}_14_directory_exported")
    saved = home(hub) / hub.course_id / ASSIGNMENT / "answers.json"
    assert "Testshire" in saved.read_text(encoding="utf-8"), (
        "the form saves in the assignment folder"
    )

    link.click()
    viewer = trainee.frame_locator(".jp-MainAreaWidget:visible iframe").first
    expect(viewer.locator("h1")).to_have_text(
        "Child health services in Testshire, children 0-18: where to refer"
    )
    expect(viewer.locator("h3")).to_have_text("Children's bladder & bowel <service>")
    row = viewer.locator("tr", has=viewer.locator("th", has_text="constipation"))
    expect(row).to_contain_text("Children's bladder & bowel <service> (5-18 years)")
    expect(viewer.locator("dd").first).to_have_text("Wetting and soiling from age 5")
    journeys.shot(trainee, f"{TRAINEE}_15_directory_page")
