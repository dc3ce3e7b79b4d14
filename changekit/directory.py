"""The referral directory: one web page that tells a GP where to refer a child.

This is the intervention of case study 1. Two GP trainees found that about a
third of GP referrals to community paediatrics had to be redirected, and
built a directory of community services so that referrals go to the right
place first time. ``build_directory_html`` turns a services table (one row per
service, as in ``data/services.csv``) into a single self-contained HTML page:

- an index, "If your concern is ... refer to ...", built from each service's
  ``reasons`` (separated by ``;``), so a GP can start from the problem;
- one section per service: what it accepts, what it does not, the age range,
  how to refer and the contact route.

The page has no scripts and no external files (it works from a shared drive,
an intranet or an email attachment), its stylesheet is inline with print
rules, every value is HTML-escaped, it declares ``lang="en-GB"`` and its
headings run in order (h1, h2, h3) for screen readers. A directory made from
the course's sample services (``data/services.csv``) says under its title that
it is synthetic, so that it is never mistaken for a real one.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

import pandas as pd

from changekit.data import require_columns
from changekit.errors import DataError
from changekit.synthetic import CAPTION, is_synthetic

DEFAULT_TITLE = "Community child health services: where to refer"
REASON_SEPARATOR = ";"
# (column, label) for each entry in a service's section, in reading order.
DETAILS: tuple[tuple[str, str], ...] = (
    ("accepts", "Accepts"),
    ("does_not_accept", "Does not accept"),
    ("age_range", "Age range"),
    ("how_to_refer", "How to refer"),
    ("contact_route", "Contact"),
)
REQUIRED_COLUMNS: tuple[str, ...] = ("service", *(column for column, _ in DETAILS), "reasons")

FOOTER = (
    "<footer><p>Check an entry with the service if it may be out of date. "
    "Keep this directory current: review every entry with each service regularly.</p></footer>"
)
STYLESHEET = """
body { font-family: Arial, Helvetica, sans-serif; font-size: 1rem; line-height: 1.5;
       color: #0b0c0c; background: #ffffff; max-width: 48rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.75rem; } h2 { font-size: 1.4rem; margin-top: 2rem; }
h3 { font-size: 1.2rem; margin-bottom: 0.25rem; }
a { color: #003078; } a:focus { outline: 3px solid #ffbf47; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: bold; padding-bottom: 0.5rem; }
.synthetic { border: 3px solid #0b0c0c; padding: 0.5rem; font-weight: bold; }
th, td { border: 1px solid #505a5f; padding: 0.4rem; text-align: left; vertical-align: top; }
section { border-top: 2px solid #505a5f; margin-top: 1.5rem; }
dt { font-weight: bold; margin-top: 0.5rem; } dd { margin-left: 0; }
@media print {
  body { max-width: none; font-size: 11pt; padding: 0; }
  a { color: #000000; text-decoration: none; }
  section, tr { break-inside: avoid; page-break-inside: avoid; }
  .screen-only { display: none; }
}
""".strip()


def build_directory_html(services: pd.DataFrame, *, title: str = DEFAULT_TITLE) -> str:
    """The directory as one self-contained, accessible HTML page (a string).

    ``services`` needs the columns in ``REQUIRED_COLUMNS`` (as read by
    ``changekit.referrals.read_services``); services appear in the table's order.
    Services read from the course's sample file are marked synthetic under
    the title.
    """
    _check_columns(services)
    rows = services.to_dict("records")
    anchors = _anchors([_text(row["service"]) for row in rows])
    body = [
        f"<h1>{escape(title)}</h1>",
        *(
            [f'<p class="synthetic">{CAPTION}: every service here is made up.</p>']
            if is_synthetic(services)
            else []
        ),
        '<p class="screen-only"><a href="#services">Skip to the list of services</a></p>',
        _index(rows, anchors),
        '<main id="services">',
        "<h2>Services</h2>",
        *(_section(row, anchor) for row, anchor in zip(rows, anchors, strict=True)),
        "</main>",
        FOOTER,
    ]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en-GB">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title>",
            f"<style>\n{STYLESHEET}\n</style>",
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )


def write_directory(
    services: pd.DataFrame, path: str | Path, *, title: str = DEFAULT_TITLE
) -> Path:
    """Write the directory page to ``path`` (UTF-8) and return the path written."""
    path = Path(path)
    path.write_text(build_directory_html(services, title=title), encoding="utf-8")
    return path


def _index(rows: list[dict[str, object]], anchors: list[str]) -> str:
    """The "If your concern is ... refer to ..." table, one row per reason, A to Z."""
    by_reason: dict[str, list[str]] = {}
    for row, anchor in zip(rows, anchors, strict=True):
        link = (
            f'<a href="#{anchor}">{escape(_text(row["service"]))}</a> '
            f"({escape(_text(row['age_range']))})"
        )
        for reason in _reasons(row["reasons"]):
            by_reason.setdefault(reason, []).append(link)
    lines = [
        '<nav aria-labelledby="index-heading">',
        '<h2 id="index-heading">If your concern is &hellip; refer to &hellip;</h2>',
        "<table>",
        "<caption>Find the concern, then check the age range before you refer.</caption>",
        '<thead><tr><th scope="col">If your concern is</th><th scope="col">refer to</th></tr>',
        "</thead>",
        "<tbody>",
    ]
    for reason in sorted(by_reason, key=str.casefold):
        services = "<br>".join(by_reason[reason])
        lines.append(f'<tr><th scope="row">{escape(reason)}</th><td>{services}</td></tr>')
    lines += ["</tbody>", "</table>", "</nav>"]
    return "\n".join(lines)


def _section(row: dict[str, object], anchor: str) -> str:
    """One service: its name as a heading, then its details as a definition list."""
    details = "\n".join(
        f"<dt>{label}</dt><dd>{escape(_text(row[column]) or 'Not stated')}</dd>"
        for column, label in DETAILS
    )
    return (
        f'<section aria-labelledby="{anchor}">\n'
        f'<h3 id="{anchor}">{escape(_text(row["service"]))}</h3>\n'
        f"<dl>\n{details}\n</dl>\n"
        "</section>"
    )


def _reasons(value: object) -> list[str]:
    """The reasons in a cell such as "headache;feeding and growth", blanks dropped."""
    return [part.strip() for part in _text(value).split(REASON_SEPARATOR) if part.strip()]


def _anchors(names: list[str]) -> list[str]:
    """A unique, HTML-safe id for each service name: "CAMHS" -> "service-camhs"."""
    anchors: list[str] = []
    for name in names:
        slug = "service-" + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "unnamed")
        anchor, number = slug, 2
        while anchor in anchors:
            anchor, number = f"{slug}-{number}", number + 1
        anchors.append(anchor)
    return anchors


def _text(value: object) -> str:
    """A cell as stripped text; an empty or missing cell as ""."""
    return (
        ""
        if value is None or (not isinstance(value, str) and pd.isna(value))
        else str(value).strip()
    )


def _check_columns(services: pd.DataFrame) -> None:
    """Every column the page needs is present; otherwise say which are missing."""
    require_columns(
        services,
        REQUIRED_COLUMNS,
        "the services table",
        "The directory needs them: read the file with read_services(...) or rename the "
        "columns to match services.csv.",
    )
    if services.empty:
        raise DataError("The services table has no rows: add at least one service.")
