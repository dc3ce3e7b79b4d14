"""Trainee HTML is inert in nbgrader's feedback and formgrader pages, rendered with the course's config.

Each page is rendered twice from the same hostile notebook: with the course's
``nbgrader_config.py`` (every payload inert, the words and the chart kept) and
with nbgrader's defaults (every payload live: so these tests can fail).
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from nbconvert.exporters import HTMLExporter
from nbgrader.server_extensions.formgrader import handlers as formgrader
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from changekit.grading.inert import inert_markdown_html, inert_output_html
from changekit.hub.service_handlers import (
    EVENT_HANDLER,
    INLINE_SCRIPT,
    TRAINEE_CONTENT_STARTS,
    csp_hash,
    submission_page_policy,
)
from changekit.paths import course_root
from tests.hostile_html import ANSWER_TEXT, NAMES, OUTPUT_TEXT, hostile_notebook, live_payloads

BEACON = "http://127.0.0.1:9/beacon"
BOOTSTRAP_CSS = Path(formgrader.static_path) / "node_modules" / "bootstrap" / "dist" / "css"
FEEDBACK_RESOURCES = {
    "nbgrader": {"notebook": "task9", "score": 1.0, "max_score": 2.0, "late_penalty": 0}
}
FORMGRADE_RESOURCES = {
    "assignment_id": "a1",
    "notebook_id": "task9",
    "submission_id": "abc123",
    "index": 0,
    "total": 1,
    "base_url": "/services/pich-leadership",
    "student": "trainee1",
    "last_name": None,
    "first_name": None,
    "notebook_path": "autograded/trainee1/a1/task9.ipynb",
}


@pytest.fixture
def course_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Config:
    """The HTMLExporter settings of the course's nbgrader_config.py."""
    monkeypatch.setenv("CHANGEKIT_STATE_DIR", str(tmp_path))
    loaded = PyFileConfigLoader("nbgrader_config.py", path=str(course_root())).load_config()
    return Config({"HTMLExporter": loaded.HTMLExporter})


def render(template: str, config: Config, resources: dict) -> str:
    """Render the hostile notebook with one of nbgrader's templates, as nbgrader sets it up."""
    settings = Config(config)
    settings.HTMLExporter.template_name = template
    settings.HTMLExporter.extra_template_basedirs = [formgrader.template_path]
    settings.HTMLExporter.extra_template_paths = [str(BOOTSTRAP_CSS)]
    page, _ = HTMLExporter(config=settings).from_notebook_node(
        hostile_notebook(BEACON), resources=dict(resources)
    )
    return page


@pytest.mark.parametrize(
    ("template", "resources"),
    [("feedback", FEEDBACK_RESOURCES), ("formgrade", FORMGRADE_RESOURCES)],
)
def test_payloads_are_live_with_nbgraders_defaults(template: str, resources: dict) -> None:
    assert live_payloads(render(template, Config(), resources), BEACON) == set(NAMES)


@pytest.mark.parametrize(
    ("template", "resources"),
    [("feedback", FEEDBACK_RESOURCES), ("formgrade", FORMGRADE_RESOURCES)],
)
def test_payloads_are_inert_with_the_course_config(
    template: str, resources: dict, course_config: Config
) -> None:
    page = render(template, course_config, resources)
    assert live_payloads(page, BEACON) == set()
    assert ANSWER_TEXT in page and OUTPUT_TEXT in page
    assert "&lt;script&gt;alert('script')" in page, "what the trainee typed is shown as text"
    assert "data:image/png;base64,iVBOR" in page, "charts stay embedded"


def test_feedback_scores_are_still_shown(course_config: Config) -> None:
    page = render("feedback", course_config, FEEDBACK_RESOURCES)
    assert "task9 (Score: 1.0 / 2.0)" in page
    assert "Written response</a> (Score: 1.0 / 2.0)" in page


def test_formgrader_score_and_comment_boxes_are_still_there(course_config: Config) -> None:
    page = render("formgrade", course_config, FORMGRADE_RESOURCES)
    assert 'class="score tabbable" id="interpret"' in page
    assert 'id="interpret-comment"' in page


def test_markdown_keeps_headings_tables_links_and_images() -> None:
    html = inert_markdown_html(
        '<h2 id="x">Aim</h2><p><a href="https://www.england.nhs.uk/">NHS England</a></p>'
        '<table><thead><tr><th colspan="2">Rate</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>'
        '<img src="data:image/png;base64,AAAA" alt="chart"><img src="https://example.org/a.png">'
    )
    assert "<h2>Aim</h2>" in html
    assert '<a href="https://www.england.nhs.uk/">NHS England</a>' in html
    assert '<th colspan="2">Rate</th>' in html
    assert '<img src="data:image/png;base64,AAAA" alt="chart">' in html
    assert '<img src="https://example.org/a.png">' in html


@pytest.mark.parametrize(
    ("hostile", "gone"),
    [
        ('<a href="data:text/html,<script>x</script>">x</a>', "href="),
        ('<img src="data:text/html;base64,PHNjcmlwdD4=">', "src="),
        ('<a href=" JaVaScRiPt:x">x</a>', "href="),
        ('<span style="background:url(http://127.0.0.1:9/beacon/x)">x</span>', "style="),
        ('<span class="tabbable score">x</span>', "class="),
        ('<p id="interpret" name="x">x</p>', "id="),
        ('<math><mi xlink:href="javascript:x">x</mi></math>', "<math"),
        ('<object data="x"></object>', "<object"),
    ],
)
def test_markdown_drops_what_could_act(hostile: str, gone: str) -> None:
    assert gone not in inert_markdown_html(hostile)


def test_outputs_keep_pandas_tables_without_their_style_block() -> None:
    html = inert_output_html(
        "<div><style scoped>.dataframe td {color: red}</style>"
        '<table border="1" class="dataframe"><tr><th>rate</th></tr></table></div>'
    )
    assert (
        html == '<div><table class="dataframe"><tbody><tr><th>rate</th></tr></tbody></table></div>'
    )


def test_submission_policy_allows_the_template_scripts_only() -> None:
    """Even on a page rendered without cleaning, only the template's inline script may run."""
    page = render("formgrade", Config(), FORMGRADE_RESOURCES)
    script_src = next(
        d for d in submission_page_policy(page).split("; ") if d.startswith("script-src")
    )
    assert "'unsafe-inline'" not in script_src
    assert csp_hash("toggle_name(true);") in script_src, "the template's own buttons keep working"
    template_part, trainee_part = page.split(TRAINEE_CONTENT_STARTS, 1)
    assert all(csp_hash(code) in script_src for code in inline_code(template_part))
    trainee_code = inline_code(trainee_part)
    assert len(trainee_code) >= 4, "the unclean page carries the trainee's scripts and handlers"
    assert not any(csp_hash(code) in script_src for code in trainee_code)


def inline_code(page: str) -> list[str]:
    """Every inline script and event handler in ``page``."""
    return INLINE_SCRIPT.findall(page) + [
        html.unescape(a or b) for a, b in EVENT_HANDLER.findall(page)
    ]


def test_a_page_without_the_template_marker_gets_no_inline_script() -> None:
    assert "; script-src 'self'; " in submission_page_policy("<script>x()</script>")
