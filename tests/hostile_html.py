"""A trainee's answer carrying script payloads, for the unit tests and the browser tests.

Every payload both opens a dialog and calls a beacon URL (on a 127.0.0.1
address the test controls), named after the payload, so a test can see which
one ran. The visible words around them must survive as text.
"""

from __future__ import annotations

from html.parser import HTMLParser

import nbformat

#: Words of the written answer that must still be shown.
ANSWER_TEXT = "The funnel shows two practices above the upper limit"
#: Words of the HTML output that must still be shown.
OUTPUT_TEXT = "Output table caption"
ONE_PIXEL_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
NAMES = (
    "img-onerror",
    "script",
    "svg-onload",
    "javascript-link",
    "iframe",
    "form",
    "output-script",
    "output-img-onerror",
)


def _run(name: str, beacon: str) -> str:
    """JavaScript that shows a dialog and calls the beacon for ``name`` (no double quotes)."""
    return f"alert('{name}');fetch('{beacon}/{name}',{{mode:'no-cors'}})"


def written_answer(beacon: str) -> str:
    """A markdown answer: real words, then every kind of live HTML a trainee could type."""
    return "\n\n".join(
        [
            f"{ANSWER_TEXT}, so I would ask both about their referral letters.",
            f'<img src="x" onerror="{_run("img-onerror", beacon)}">',
            f"<script>{_run('script', beacon)}</script>",
            f'<svg onload="{_run("svg-onload", beacon)}"></svg>',
            f'<a href="javascript:{_run("javascript-link", beacon)}">Read my reasoning</a>',
            f'<iframe src="{beacon}/iframe"></iframe>',
            f'<form action="{beacon}/form"><button>Send the form</button></form>',
        ]
    )


def output_html(beacon: str) -> str:
    """HTML a trainee's code displays: a table with a caption, a script and a live image."""
    return (
        f"<table><caption>{OUTPUT_TEXT}</caption><tr><td>1</td></tr></table>"
        f"<script>{_run('output-script', beacon)}</script>"
        f'<img src="x" onerror="{_run("output-img-onerror", beacon)}">'
    )


def display_code(beacon: str) -> str:
    """Code for an answer cell that displays :func:`output_html` and draws a small chart."""
    return (
        "from IPython.display import HTML, display\n"
        "import matplotlib.pyplot as plt\n"
        f"display(HTML({output_html(beacon)!r}))\n"
        "plt.figure(figsize=(2, 2))\n"
        "plt.plot([1, 2, 3])\n"
        "plt.show()\n"
    )


def hostile_notebook(beacon: str) -> nbformat.NotebookNode:
    """A small graded notebook: a written answer and an output with payloads, as autograde leaves it."""
    answer = nbformat.v4.new_markdown_cell(
        written_answer(beacon),
        metadata={
            "nbgrader": {
                "grade": True,
                "solution": True,
                "locked": False,
                "points": 2,
                "grade_id": "interpret",
                "schema_version": 3,
                "score": 1.0,
            }
        },
    )
    code = nbformat.v4.new_code_cell(
        "show()",
        metadata={
            "nbgrader": {
                "grade": False,
                "solution": True,
                "locked": False,
                "grade_id": "show",
                "schema_version": 3,
            }
        },
        outputs=[
            nbformat.v4.new_output(
                "display_data", data={"text/html": output_html(beacon), "text/plain": "<HTML>"}
            ),
            nbformat.v4.new_output(
                "display_data", data={"image/png": ONE_PIXEL_PNG, "text/plain": "<Figure>"}
            ),
        ],
    )
    return nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# Task 9\n\nInterpret the funnel."), answer, code]
    )


class _LiveParts(HTMLParser):
    """Collects payload names found where a browser would act on them."""

    ACTIVE_ELEMENTS = frozenset({"script", "iframe", "form", "svg", "object", "embed"})

    def __init__(self, beacon: str) -> None:
        super().__init__()
        self.beacon = beacon
        self.live: set[str] = set()
        self.in_script = False

    def _names_in(self, text: str) -> set[str]:
        return {name for name in NAMES if f"{self.beacon}/{name}" in text}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_script = tag == "script"
        for name, value in attrs:
            value = value or ""
            acts = name.startswith("on") or value.strip().lower().startswith("javascript:")
            loads = tag in self.ACTIVE_ELEMENTS and name in ("src", "action")
            if acts or loads:
                self.live |= self._names_in(value)

    def handle_endtag(self, tag: str) -> None:
        self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script:
            self.live |= self._names_in(data)


def live_payloads(page: str, beacon: str) -> set[str]:
    """The payloads a browser would run or load from this HTML page (empty when all are inert)."""
    parser = _LiveParts(beacon)
    parser.feed(page)
    return parser.live
