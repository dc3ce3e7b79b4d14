"""A hostile trainee's answer, seen by the tutor in the formgrader and by the trainee in feedback.

trainee1 submits "baby clinic economics" with script payloads in a written
answer and in a code answer's HTML output, plus a file ``evil.html``; the tutor
collects, autogrades and releases feedback through the formgrader's API; then
both open the result in Chromium. No dialog may open, no request may reach
the beacon (a listener on 127.0.0.1 that the payloads call), and the words
must be shown as text. Each protection is also shown to matter: the same
payloads run when the page is not cleaned, or not covered by the policy, and
the routes switched off in the grading service answer in a trainee's server.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nbformat
import pytest
import requests
from nbconvert.exporters import HTMLExporter
from nbgrader.server_extensions.formgrader import handlers as formgrader_templates
from playwright.sync_api import Browser, Dialog, Page, expect
from traitlets.config import Config

from changekit.hub.service import SERVICE_POLICY
from changekit.hub.service_handlers import submission_page_policy
from tests.hostile_html import ANSWER_TEXT, OUTPUT_TEXT, display_code, written_answer
from tests.hub import journeys
from tests.hub.conftest import Hub, pick_port
from tests.hub.test_local_hub import open_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("hub"),
    pytest.mark.skipif(not Path(journeys.CHROMIUM).exists(), reason="needs Debian's chromium"),
]
TRAINEE = "trainee1"
ASSIGNMENT = "baby_clinic_economics"
WRITTEN = "interpret_saving"
CODE = "load_data"


class Beacon(ThreadingHTTPServer):
    """A listener on 127.0.0.1 that records every path a payload calls."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        beacon = self

        class Record(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                beacon.hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            do_POST = do_GET

            def log_message(self, *args: object) -> None:
                """Quiet."""

        super().__init__(("127.0.0.1", pick_port()), Record)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/beacon"


@pytest.fixture(scope="module")
def beacon() -> Iterator[Beacon]:
    server = Beacon()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def xsrf_headers(session: requests.Session, page: str) -> dict[str, str]:
    """Open ``page`` (which sets the ``_xsrf`` cookie) and return the header a POST needs."""
    assert session.get(page).status_code == 200
    return {
        "X-XSRFToken": next(
            c.value for c in session.cookies if c.name == "_xsrf" and c.path in page
        )
    }


def post_ok(session: requests.Session, url: str, headers: dict[str, str], **data: str) -> None:
    """POST an nbgrader action and insist that it reports success."""
    answer = session.post(url, data=data, headers=headers, timeout=600)
    assert answer.status_code == 200, answer.text[-2000:]
    assert json.loads(answer.text).get("success", True), answer.text[-2000:]


@dataclass
class Graded:
    """The hostile submission, collected, autograded and its feedback released."""

    hub: Hub
    tutor: requests.Session
    trainee: requests.Session
    submission_id: str
    feedback: Path
    autograded: Path

    @property
    def service(self) -> str:
        return f"{self.hub.url}/services/{self.hub.course_id}"

    @property
    def feedback_url(self) -> str:
        home = self.hub.state / "hub" / "home" / TRAINEE
        return f"{self.hub.url}/user/{TRAINEE}/lab/tree/{self.feedback.relative_to(home)}"


def write_hostile_answer(folder: Path, source: Path, beacon: str) -> None:
    """The fetched notebook with task 1 answered (plus the HTML output) and the written answer hostile."""
    notebook = nbformat.read(folder / f"{ASSIGNMENT}.ipynb", as_version=4)
    model = nbformat.read(source / f"{ASSIGNMENT}.ipynb", as_version=4)
    model_answer = next(
        c.source for c in model.cells if c.metadata.get("nbgrader", {}).get("grade_id") == CODE
    )
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == CODE:
            cell.source = model_answer + "\n" + display_code(beacon)
        elif grade_id == WRITTEN:
            cell.source = written_answer(beacon)
    nbformat.write(notebook, folder / f"{ASSIGNMENT}.ipynb")
    (folder / "evil.html").write_text(f"<script>fetch('{beacon}/evil-file')</script>evil page")


@pytest.fixture(scope="module")
def graded(hub: Hub, beacon: Beacon) -> Graded:
    """trainee1 fetches, answers with payloads and submits; the tutor grades and releases feedback."""
    trainee = open_server(hub, TRAINEE)
    user = f"{hub.url}/user/{TRAINEE}"
    mine = xsrf_headers(trainee, f"{user}/lab")
    ids = {"assignment_id": ASSIGNMENT, "course_id": hub.course_id}
    post_ok(trainee, f"{user}/assignments/fetch", mine, **ids)
    folder = hub.state / "hub" / "home" / TRAINEE / hub.course_id / ASSIGNMENT
    write_hostile_answer(folder, hub.root / "source" / ASSIGNMENT, beacon.url)
    post_ok(trainee, f"{user}/assignments/submit", mine, **ids)

    tutor = hub.session("tutor")
    theirs = xsrf_headers(
        tutor, f"{hub.url}/services/{hub.course_id}/formgrader/manage_assignments"
    )
    # Straight to the service (same host, so the same cookies): grading can outlast
    # the proxy's 20 s wait on this busy machine.
    api = f"http://127.0.0.1:{hub.port + 10}/services/{hub.course_id}/formgrader/api"
    post_ok(tutor, f"{api}/assignment/{ASSIGNMENT}/collect", theirs)
    post_ok(tutor, f"{api}/submission/{ASSIGNMENT}/{TRAINEE}/autograde", theirs)
    post_ok(tutor, f"{api}/assignment/{ASSIGNMENT}/{TRAINEE}/generate_feedback", theirs)
    post_ok(tutor, f"{api}/assignment/{ASSIGNMENT}/{TRAINEE}/release_feedback", theirs)
    post_ok(trainee, f"{user}/assignments/fetch_feedback", mine, **ids)

    notebooks = tutor.get(f"{api}/submitted_notebooks/{ASSIGNMENT}/{ASSIGNMENT}").json()
    submission_id = next(n["id"] for n in notebooks if n["student"] == TRAINEE)
    feedback = next((folder / "feedback").rglob(f"{ASSIGNMENT}.html"))
    autograded = hub.root / "autograded" / TRAINEE / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    return Graded(hub, tutor, trainee, submission_id, feedback, autograded)


# --- HTTP: the grading service's headers and routes ------------------------------------------


def test_service_pages_send_the_strict_policy(graded: Graded) -> None:
    for path in ("formgrader/manage_assignments", "lab"):
        page = graded.tutor.get(f"{graded.service}/{path}")
        assert page.status_code == 200, path
        assert page.headers["Content-Security-Policy"] == SERVICE_POLICY, path


def test_submission_page_allows_only_its_template_scripts(graded: Graded) -> None:
    page = graded.tutor.get(f"{graded.service}/formgrader/submissions/{graded.submission_id}/")
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"] == submission_page_policy(page.text)
    script_src = re.search(r"script-src ([^;]*)", page.headers["Content-Security-Policy"]).group(1)
    assert "'unsafe-inline'" not in script_src and "'sha256-" in script_src


def test_terminals_are_off_in_the_service_but_not_in_a_trainees_server(graded: Graded) -> None:
    headers = xsrf_headers(graded.tutor, f"{graded.service}/lab")
    refused = graded.tutor.post(f"{graded.service}/api/terminals", headers=headers)
    assert refused.status_code in (403, 404), refused.status_code
    user = f"{graded.hub.url}/user/{TRAINEE}"
    mine = xsrf_headers(graded.trainee, f"{user}/lab")
    opened = graded.trainee.post(f"{user}/api/terminals", headers=mine)
    assert opened.status_code == 200, "the same request must work where terminals are on"
    graded.trainee.delete(f"{user}/api/terminals/{opened.json()['name']}", headers=mine)


def test_html_export_is_off_in_the_service(graded: Graded) -> None:
    path = graded.autograded.relative_to(graded.hub.root)
    assert graded.tutor.get(f"{graded.service}/nbconvert/html/{path}").status_code == 404
    own = f"{graded.hub.url}/user/{TRAINEE}/nbconvert/html/{graded.hub.course_id}/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
    assert graded.trainee.get(own).status_code == 200, "the same route answers where it is on"


@pytest.mark.parametrize(
    "route",
    [
        "files/autograded/{student}/{assignment}/evil.html",
        "formgrader/submissions/{submission}/evil.html",
    ],
)
def test_submission_files_are_downloads_not_pages(graded: Graded, route: str) -> None:
    path = route.format(student=TRAINEE, assignment=ASSIGNMENT, submission=graded.submission_id)
    answer = graded.tutor.get(f"{graded.service}/{path}")
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"].startswith("attachment")
    assert not answer.headers["Content-Type"].startswith("text/html")
    assert "sandbox" in answer.headers["Content-Security-Policy"]


def test_a_trainees_own_server_would_serve_the_file_as_a_page(graded: Graded) -> None:
    """Without the download handler, Jupyter serves evil.html as text/html: what the service prevents."""
    own = f"{graded.hub.url}/user/{TRAINEE}/files/{graded.hub.course_id}/{ASSIGNMENT}/evil.html"
    answer = graded.trainee.get(own)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/html")


def test_prev_and_next_still_lead_to_submissions(graded: Graded) -> None:
    moved = graded.tutor.get(
        f"{graded.service}/formgrader/submissions/{graded.submission_id}/next",
        allow_redirects=False,
    )
    assert moved.status_code == 302 and "Content-Disposition" not in moved.headers


# --- In Chromium ---------------------------------------------------------------------------


@dataclass
class Watch:
    """What a page did: dialogs it opened and requests it sent to the beacon."""

    beacon: Beacon
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> Page:
        def on_dialog(dialog: Dialog) -> None:
            if dialog.type == "beforeunload":  # JupyterLab asking before the test navigates away
                dialog.accept()
                return
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on(
            "request",
            lambda request: (
                self.requests.append(request.url)
                if request.url.startswith(self.beacon.url)
                else None
            ),
        )
        return page

    def ran(self) -> set[str]:
        """Names of the payloads that ran, whichever way they showed it."""
        called = [url.rsplit("/", 1)[-1] for url in self.requests] + [
            p.rsplit("/", 1)[-1] for p in self.beacon.hits
        ]
        return set(self.dialogs) | set(called)


def test_tutor_sees_the_payloads_as_text_and_still_grades(
    browser: Browser, graded: Graded, beacon: Beacon
) -> None:
    beacon.hits.clear()
    watch = Watch(beacon)
    page = watch.attach(
        journeys.log_in(browser, graded.hub.url, "tutor", graded.hub.passwords["tutor"])
    )
    page.wait_for_load_state("networkidle")
    page.goto(f"{graded.service}/formgrader/submissions/{graded.submission_id}/")
    page.wait_for_load_state("networkidle")
    answer = page.locator(f"#{WRITTEN}").locator(
        "xpath=ancestor::div[contains(@class,'nbgrader_cell')]"
    )
    expect(answer).to_contain_text(ANSWER_TEXT)
    expect(answer).to_contain_text("<script>alert('script')")
    expect(page.locator("body")).to_contain_text(OUTPUT_TEXT)
    answer.get_by_text("Read my reasoning").click()
    page.wait_for_timeout(1500)
    journeys.shot(page, "tutor_inert_submission")
    box = answer.locator("input.score")
    box.fill("1")
    box.press("Tab")
    expect(answer.locator(".score-saved")).to_be_visible()
    page.close()
    assert watch.ran() == set(), f"payloads ran in the formgrader: {watch.ran()}"


def trainee_lab(browser: Browser, graded: Graded) -> Page:
    """The trainee logged in, with JupyterLab fully open (so no later navigation is cut short)."""
    page = journeys.log_in(browser, graded.hub.url, TRAINEE, graded.hub.passwords[TRAINEE])
    journeys.wait_for_notebook(page)
    return page


def open_feedback(page: Page, url: str) -> None:
    """Open a feedback page in JupyterLab's HTML viewer and trust it, as a curious trainee might."""
    page.goto(url)
    viewer = page.frame_locator(".jp-MainAreaWidget:visible iframe").first
    viewer.locator("body").wait_for()
    page.get_by_role("button", name=re.compile("Trust HTML", re.IGNORECASE)).first.click()
    page.wait_for_timeout(1500)
    viewer.locator("body").wait_for()


def test_trainee_sees_the_payloads_as_text_in_feedback(
    browser: Browser, graded: Graded, beacon: Beacon
) -> None:
    beacon.hits.clear()
    watch = Watch(beacon)
    page = watch.attach(trainee_lab(browser, graded))
    open_feedback(page, graded.feedback_url)
    viewer = page.frame_locator(".jp-MainAreaWidget:visible iframe").first
    expect(viewer.locator("body")).to_contain_text(ANSWER_TEXT)
    expect(viewer.locator("body")).to_contain_text("<script>alert('script')")
    expect(viewer.locator("body")).to_contain_text(OUTPUT_TEXT)
    # "Score so far" while a written answer is still to be marked (changekit's feedback page).
    expect(viewer.locator("body")).to_contain_text(re.compile(rf"{ASSIGNMENT} \(Score( so far)?:"))
    assert viewer.locator("img[src^='data:image/png;base64,']").count() >= 1, (
        "charts stay in feedback"
    )
    viewer.get_by_text("Read my reasoning").click()
    page.wait_for_timeout(1500)
    journeys.shot(page, "trainee_inert_feedback")
    page.close()
    assert watch.ran() == set(), f"payloads ran in feedback: {watch.ran()}"


def test_uncleaned_feedback_would_run_the_payloads(
    browser: Browser, graded: Graded, beacon: Beacon
) -> None:
    """The same notebook through nbgrader's feedback template without the course's cleaning: payloads run."""
    settings = Config()
    settings.HTMLExporter.template_name = "feedback"
    settings.HTMLExporter.extra_template_basedirs = [formgrader_templates.template_path]
    settings.HTMLExporter.extra_template_paths = [
        str(Path(formgrader_templates.static_path) / "node_modules" / "bootstrap" / "dist" / "css")
    ]
    resources = {
        "nbgrader": {"notebook": ASSIGNMENT, "score": 0, "max_score": 0, "late_penalty": 0}
    }
    notebook = nbformat.read(graded.autograded, as_version=4)
    for cell in notebook.cells:
        if "nbgrader" in cell.metadata:
            cell.metadata.nbgrader.score = 0  # what nbgrader's GetGrades adds before rendering
    unclean, _ = HTMLExporter(config=settings).from_notebook_node(notebook, resources=resources)
    copy = graded.feedback.with_name("uncleaned.html")
    copy.write_text(unclean, encoding="utf-8")
    beacon.hits.clear()
    watch = Watch(beacon)
    page = watch.attach(trainee_lab(browser, graded))
    open_feedback(page, graded.feedback_url.replace(f"{ASSIGNMENT}.html", "uncleaned.html"))
    page.wait_for_timeout(2000)
    page.close()
    copy.unlink()
    assert {"script", "img-onerror", "output-script"} <= watch.ran(), watch.ran()


@pytest.mark.parametrize("with_policy", [True, False])
def test_the_policy_alone_stops_an_uncleaned_submission_page(
    browser: Browser, graded: Graded, beacon: Beacon, with_policy: bool
) -> None:
    """nbgrader's submission page rendered without cleaning, served at the service's address."""
    settings = Config()
    settings.HTMLExporter.template_name = "formgrade"
    settings.HTMLExporter.extra_template_basedirs = [formgrader_templates.template_path]
    resources = {
        "assignment_id": ASSIGNMENT,
        "notebook_id": ASSIGNMENT,
        "submission_id": graded.submission_id,
        "index": 0,
        "total": 1,
        "base_url": f"/services/{graded.hub.course_id}",
        "student": TRAINEE,
        "last_name": None,
        "first_name": None,
        "notebook_path": "",
    }
    unclean, _ = HTMLExporter(config=settings).from_filename(
        str(graded.autograded), resources=resources
    )
    headers = {"Content-Type": "text/html"}
    if with_policy:
        headers["Content-Security-Policy"] = submission_page_policy(unclean)
    url = f"{graded.service}/formgrader/uncleaned-proof"
    beacon.hits.clear()
    watch = Watch(beacon)
    page = watch.attach(
        journeys.log_in(browser, graded.hub.url, "tutor", graded.hub.passwords["tutor"])
    )
    page.wait_for_load_state("networkidle")
    page.route(url, lambda route: route.fulfill(status=200, headers=headers, body=unclean))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(2000)
    template_ran = page.evaluate("typeof submission_id") == "string"
    page.close()
    assert template_ran, "the template's own inline script must run either way"
    if with_policy:
        assert watch.ran() == set(), watch.ran()
    else:
        assert {"script", "img-onerror", "output-script"} <= watch.ran(), watch.ran()


def test_jupyterlab_and_the_formgrader_load_under_the_policy(
    browser: Browser, graded: Graded
) -> None:
    """The policy must not break the tutor's tools: no page of theirs may report a blocked script.

    Only MathJax, which nbgrader's submission template loads from a CDN, is
    blocked on purpose (formulas show as TeX; see the README).
    """
    blocked: list[str] = []
    page = journeys.log_in(browser, graded.hub.url, "tutor", graded.hub.passwords["tutor"])
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text)
            if "Content Security Policy" in message.text and "mathjax" not in message.text.lower()
            else None
        ),
    )
    page.wait_for_load_state("networkidle")
    journeys.formgrader(page, graded.hub.url, f"manage_submissions/{ASSIGNMENT}")
    expect(page.locator("tr", has_text=TRAINEE)).to_be_visible()
    page.goto(f"{graded.service}/formgrader/submissions/{graded.submission_id}/")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".nbgrader_cell").first).to_be_visible()
    page.goto(f"{graded.service}/lab")
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").wait_for()
    page.wait_for_timeout(1000)
    journeys.shot(page, "tutor_service_lab_under_policy")
    page.close()
    assert blocked == [], blocked
