"""Export the change plan and the reflection for an e-portfolio, as DOCX and HTML.

The answers come from the answer store (``answers.json``). Each document is
first described as a list of simple blocks (headings, labelled text, tables,
bullet lists, pictures), then written twice: as a Word document with
python-docx and as one self-contained HTML page (styles inline, charts
embedded, every piece of trainee text escaped). Unfinished parts are shown
with their "still to do" list rather than hidden.

Both are written to be accessible (WCAG 2.2 AA, and Word's own accessibility
check as far as python-docx can set it): the language is British English,
headings run in order, tables have header rows, and every chart carries its
text alternative (``alt`` in HTML, the picture's description in Word). A
document made from the course's sample data says so under its title.

    from changekit.report import export_change_plan
    export_change_plan("answers.json", ".")   # output_change_plan.docx and .html
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches
from matplotlib.figure import Figure

from changekit.answer_models import (
    LEARNING_OUTCOMES,
    STORE_KEYS,
    Answer,
    DriverDiagram,
    ForceField,
    Measures,
    PdsaCycles,
    Reflection,
    SelfAssessment,
    SmartAim,
    Stakeholders,
)
from changekit.answers import AnswerStore
from changekit.charts import (
    alt_text,
    driver_diagram_chart,
    figure_png,
    force_field_chart,
    radar_chart,
    stakeholder_grid,
)
from changekit.synthetic import CAPTION

CHANGE_PLAN_STEM = "output_change_plan"
REFLECTION_STEM = "output_reflection"


# ------------------------------------------------------------------ blocks


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Text:
    """A paragraph, optionally led by a bold label; blank text shows as 'Not answered yet'."""

    text: str
    label: str = ""


@dataclass(frozen=True)
class Table:
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]


@dataclass(frozen=True)
class Bullets:
    """A bullet list; each item is (depth from 0, text)."""

    items: Sequence[tuple[int, str]]


@dataclass(frozen=True)
class Picture:
    """A chart: its PNG, a visible caption, its text alternative and whether it is synthetic."""

    png: bytes
    caption: str
    alt: str
    synthetic: bool = False

    @classmethod
    def of(cls, figure: Figure, caption: str) -> Picture:
        """A chart drawn by ``changekit.charts`` (or any library chart), with its text alternative."""
        return cls(
            figure_png(figure), caption, alt_text(figure), getattr(figure, "synthetic", False)
        )


Block = Heading | Text | Table | Bullets | Picture


@dataclass(frozen=True)
class Document:
    """A document before it is written: a title and its blocks.

    ``synthetic``: made from the course's sample data (as is any document
    holding a synthetic chart), so it says so under its title.
    """

    title: str
    blocks: list[Block]
    synthetic: bool = False

    @property
    def is_synthetic(self) -> bool:
        return self.synthetic or any(
            isinstance(block, Picture) and block.synthetic for block in self.blocks
        )


def _todo(answer: Answer, **context: Answer | None) -> list[Block]:
    """The 'still to do' list for an unfinished answer (nothing when complete).

    ``context``: other saved forms its rules compare with, as for ``Answer.missing``.
    """
    missing = answer.missing(**context)
    return [Heading("Still to do", 3), Bullets([(0, item) for item in missing])] if missing else []


def _or_dash(text: str | None) -> str:
    return text.strip() if text and text.strip() else "-"


# ------------------------------------------------------ sections of a plan


def smart_aim_blocks(aim: SmartAim) -> list[Block]:
    checks = ", ".join(
        f"{name.replace('_', '-')}: {'yes' if ok else 'no'}" for name, ok in aim.check().items()
    )
    return [
        Heading(aim.title),
        Text(aim.statement, "Aim:"),
        Text(aim.measure, "Measured by:"),
        Text(checks, "SMART check:"),
        *_todo(aim),
    ]


def driver_diagram_blocks(
    diagram: DriverDiagram, *, charts: bool, smart_aim: SmartAim | None = None
) -> list[Block]:
    """The diagram as nested bullets (and chart); with ``smart_aim``, its aim is compared."""
    items: list[tuple[int, str]] = []
    for n, primary in enumerate(diagram.primary, 1):
        items.append((0, f"Primary driver {n}: {_or_dash(primary.text)}"))
        for m, secondary in enumerate(primary.secondary, 1):
            items.append((1, f"Secondary driver {n}.{m}: {_or_dash(secondary.text)}"))
            items += [(2, f"Change idea: {idea}") for idea in secondary.change_ideas]
    blocks: list[Block] = [Heading(diagram.title), Text(diagram.aim, "Aim:")]
    blocks.append(Bullets(items) if items else Text(""))
    if charts and diagram.primary:
        blocks.append(Picture.of(driver_diagram_chart(diagram), "Driver diagram"))
    return blocks + _todo(diagram, smart_aim=smart_aim)


def measures_blocks(measures: Measures) -> list[Block]:
    rows = [
        (_or_dash(m.kind), _or_dash(m.name), _or_dash(m.definition), _or_dash(m.data_source))
        for m in measures.measures
    ]
    body: Block = (
        Table(("Kind", "Measure", "Definition", "Data source"), rows) if rows else Text("")
    )
    return [Heading(measures.title), body, *_todo(measures)]


def pdsa_blocks(pdsa: PdsaCycles) -> list[Block]:
    blocks: list[Block] = [Heading(pdsa.title)]
    for n, c in enumerate(pdsa.cycles, 1):
        blocks += [
            Heading(f"Cycle {n}: {_or_dash(c.change)}", 3),
            Table(
                ("Stage", "What I wrote"),
                [
                    ("Plan", _or_dash(c.plan)),
                    ("Prediction", _or_dash(c.prediction)),
                    ("Do", _or_dash(c.do)),
                    ("Study", _or_dash(c.study)),
                    ("Act", _or_dash(c.act)),
                    ("Decision", _or_dash(c.decision)),
                ],
            ),
        ]
    if not pdsa.cycles:
        blocks.append(Text(""))
    return blocks + _todo(pdsa)


def stakeholder_blocks(answer: Stakeholders, *, charts: bool) -> list[Block]:
    rows = [
        (
            _or_dash(p.name),
            _or_dash(p.category),
            _or_dash(p.power),
            _or_dash(p.interest),
            _or_dash(p.strategy),
            _or_dash(p.plan),
        )
        for p in answer.stakeholders
    ]
    blocks: list[Block] = [
        Heading("Stakeholder plan"),
        Table(
            ("Stakeholder", "9 Cs", "Power", "Interest", "Strategy", "How I will engage them"), rows
        )
        if rows
        else Text(""),
    ]
    if charts and answer.stakeholders:
        blocks.append(Picture.of(stakeholder_grid(answer), "Power/interest grid"))
    return blocks + _todo(answer)


def force_field_blocks(answer: ForceField, *, charts: bool) -> list[Block]:
    totals = answer.totals()
    strongest = answer.strongest_restraint()
    rows = [("Driving", f.description.strip() or "-", str(f.score)) for f in answer.driving]
    rows += [
        ("Restraining", f.description.strip() or "-", str(f.score)) for f in answer.restraining
    ]
    blocks: list[Block] = [
        Heading(answer.title),
        Text(answer.change, "The change:"),
        Table(("Side", "Force", "Score (1-5)"), rows) if rows else Text(""),
        Text(f"driving {totals.driving}, restraining {totals.restraining}", "Totals:"),
        Text(strongest.description if strongest else "", "Strongest restraining force:"),
        Text(answer.plan, "Plan to weaken it:"),
    ]
    if charts and rows:
        blocks.append(Picture.of(force_field_chart(answer), "Force-field analysis"))
    return blocks + _todo(answer)


def self_assessment_blocks(answer: SelfAssessment, *, charts: bool) -> list[Block]:
    rows = [
        (name, _or_dash(r.performance), _or_dash(r.importance), _or_dash(r.evidence))
        for name, r in answer.ratings.items()
    ]
    priorities = answer.development_priorities()
    blocks: list[Block] = [
        Heading(answer.title),
        Table(("Dimension", "My level", "Level my role needs", "Example"), rows),
        Text(
            ", ".join(priorities) or "None: every rated dimension meets what the role needs.",
            "Development priorities:",
        ),
        Text(answer.development_plan, "My development plan:"),
    ]
    if charts:
        blocks.append(
            Picture.of(radar_chart(answer), "Healthcare Leadership Model self-assessment")
        )
    return blocks + _todo(answer)


def reflection_blocks(answer: Reflection) -> list[Block]:
    blocks: list[Block] = [Heading(answer.title)]
    for key, item in answer.outcomes.items():
        blocks += [
            Heading(f"{key}: {LEARNING_OUTCOMES[key]}", 3),
            Text(item.what, "What?"),
            Text(item.so_what, "So what?"),
            Text(item.now_what, "Now what?"),
            Text(", ".join(item.dimensions), "Leadership dimensions:"),
        ]
    return blocks + _todo(answer)


# --------------------------------------------------------------- documents


def _store(path_or_store: str | Path | AnswerStore) -> AnswerStore:
    return path_or_store if isinstance(path_or_store, AnswerStore) else AnswerStore(path_or_store)


def _load(store: AnswerStore, key: str) -> Answer:
    return store.load(key, STORE_KEYS[key])


def change_plan_document(
    path_or_store: str | Path | AnswerStore, *, charts: bool = True, synthetic: bool = False
) -> Document:
    """The change plan: SMART aim, driver diagram, measures, PDSA, stakeholders, force field.

    ``synthetic=True`` marks a plan built on the course's sample data as such.
    """
    store = _store(path_or_store)
    aim = store.load("smart_aim", SmartAim)
    blocks: list[Block] = [
        *smart_aim_blocks(aim),
        *driver_diagram_blocks(
            store.load("driver_diagram", DriverDiagram), charts=charts, smart_aim=aim
        ),
        *measures_blocks(_load(store, "measures")),
        *pdsa_blocks(_load(store, "pdsa_cycles")),
        *stakeholder_blocks(_load(store, "stakeholders"), charts=charts),
        *force_field_blocks(_load(store, "force_field"), charts=charts),
    ]
    return Document("Change plan", blocks, synthetic)


def reflection_document(
    path_or_store: str | Path | AnswerStore, *, charts: bool = True, synthetic: bool = False
) -> Document:
    """The reflection per learning outcome, then the self-assessment it draws on (if started).

    ``synthetic=True`` marks a reflection built on the course's sample data as such.
    """
    store = _store(path_or_store)
    blocks = reflection_blocks(_load(store, "reflection"))
    assessment = _load(store, "self_assessment")
    if assessment != SelfAssessment():
        blocks += self_assessment_blocks(assessment, charts=charts)
    return Document(
        "Reflection on leadership of the development of integrated services", blocks, synthetic
    )


# ------------------------------------------------------------------ writers

NOT_ANSWERED = "Not answered yet"


def _subtitle(today: dt.date) -> str:
    return (
        f"Programme for Integrated Child Health: leadership of the development of integrated "
        f"services. Exported on {today:%d %B %Y}."
    )


def _set_language(out: docx.document.Document, language: str = "en-GB") -> None:
    """Set the document's default language (what Word's accessibility check and readers use)."""
    defaults = out.styles.element.find(qn("w:docDefaults"))
    run_properties = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = run_properties.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        run_properties.append(lang)
    for attribute in ("w:val", "w:eastAsia", "w:bidi"):
        lang.set(qn(attribute), language)


def _repeat_as_header(row: docx.table._Row) -> None:
    """Mark a table's first row as its header row (repeated on each page, read as headers)."""
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def write_docx(document: Document, path: Path, *, today: dt.date | None = None) -> Path:
    """Write ``document`` as a Word file: headings, bold labels, grid tables, charts.

    The title is also the file's title property, the language is British
    English, tables have a header row and each chart its alt text.
    """
    out = docx.Document()
    _set_language(out)
    out.core_properties.title = document.title
    out.core_properties.language = "en-GB"
    out.add_heading(document.title, 0)
    out.add_paragraph(_subtitle(today or dt.date.today()))
    if document.is_synthetic:
        out.add_paragraph().add_run(CAPTION + ".").bold = True
    for block in document.blocks:
        if isinstance(block, Heading):
            out.add_heading(block.text, block.level - 1)
        elif isinstance(block, Text):
            paragraph = out.add_paragraph()
            if block.label:
                paragraph.add_run(block.label + " ").bold = True
            if block.text.strip():
                paragraph.add_run(block.text.strip())
            else:
                paragraph.add_run(NOT_ANSWERED).italic = True
        elif isinstance(block, Table):
            table = out.add_table(rows=1, cols=len(block.headers))
            table.style = "Table Grid"
            _repeat_as_header(table.rows[0])
            for cell, header in zip(table.rows[0].cells, block.headers, strict=True):
                cell.text = ""
                cell.paragraphs[0].add_run(header).bold = True
            for row in block.rows:
                for cell, value in zip(table.add_row().cells, row, strict=True):
                    cell.text = value
        elif isinstance(block, Bullets):
            for depth, item in block.items:
                style = "List Bullet" if depth == 0 else f"List Bullet {min(depth + 1, 3)}"
                out.add_paragraph(item, style=style)
        elif isinstance(block, Picture):
            picture = out.add_picture(io.BytesIO(block.png), width=Inches(6.3))
            picture._inline.docPr.set("descr", block.alt)
            picture._inline.docPr.set("title", block.caption)
            out.add_paragraph().add_run(block.caption).italic = True
    out.save(path)
    return path


_CSS = """
body{font-family:Arial,Helvetica,sans-serif;max-width:60em;margin:2em auto;line-height:1.45;color:#000}
table{border-collapse:collapse;margin:0.5em 0 1em}th,td{border:1px solid #444;padding:0.3em 0.5em;
vertical-align:top;text-align:left}th{background:#e6e6e6}img{max-width:100%}.blank{font-style:italic}
figcaption{font-style:italic}.synthetic{border:3px solid #000;padding:0.5em;font-weight:bold}
"""


def _html_text(text: str) -> str:
    """Escaped text with line breaks kept."""
    return "<br>".join(html.escape(line) for line in text.strip().splitlines())


def _html_bullets(items: Sequence[tuple[int, str]]) -> str:
    """Nested lists from (depth, text) pairs, each sub-list inside its parent's <li>.

    Depth may rise by one at a time (a driver's children follow it) and fall by any amount.
    """
    out: list[str] = []
    depth = -1
    for level, item in items:
        if level > depth:
            out.append("<ul>" * (level - depth))
        else:
            out.append("</li>" + "</ul></li>" * (depth - level))
        out.append(f"<li>{_html_text(item)}")
        depth = level
    if depth >= 0:
        out.append("</li>" + "</ul></li>" * depth + "</ul>")
    return "".join(out)


def _html_block(block: Block) -> str:
    if isinstance(block, Heading):
        return f"<h{block.level}>{html.escape(block.text)}</h{block.level}>"
    if isinstance(block, Text):
        label = f"<b>{html.escape(block.label)}</b> " if block.label else ""
        body = (
            _html_text(block.text)
            if block.text.strip()
            else f'<span class="blank">{NOT_ANSWERED}</span>'
        )
        return f"<p>{label}{body}</p>"
    if isinstance(block, Table):
        head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in block.headers)
        rows = "".join(
            "<tr>" + "".join(f"<td>{_html_text(v)}</td>" for v in row) + "</tr>"
            for row in block.rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    if isinstance(block, Bullets):
        return _html_bullets(block.items)
    data = base64.b64encode(block.png).decode("ascii")
    alt = html.escape(block.alt, quote=True)
    caption = html.escape(block.caption)
    return f'<figure><img src="data:image/png;base64,{data}" alt="{alt}"><figcaption>{caption}</figcaption></figure>'


def render_html(document: Document, *, today: dt.date | None = None) -> str:
    """``document`` as one self-contained HTML page (inline styles, embedded charts)."""
    title = html.escape(document.title)
    body = "\n".join(_html_block(block) for block in document.blocks)
    notice = f'<p class="synthetic">{CAPTION}.</p>\n' if document.is_synthetic else ""
    return (
        f'<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n<title>{title}</title>\n'
        f"<style>{_CSS}</style>\n</head>\n<body>\n<h1>{title}</h1>\n"
        f"<p>{html.escape(_subtitle(today or dt.date.today()))}</p>\n{notice}{body}\n</body>\n</html>\n"
    )


def _export(document: Document, out_dir: str | Path, stem: str) -> tuple[Path, Path]:
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    docx_path = write_docx(document, folder / f"{stem}.docx")
    html_path = folder / f"{stem}.html"
    html_path.write_text(render_html(document), encoding="utf-8")
    return docx_path, html_path


def export_change_plan(
    path_or_store: str | Path | AnswerStore = "answers.json",
    out_dir: str | Path = ".",
    *,
    charts: bool = True,
    synthetic: bool = False,
) -> tuple[Path, Path]:
    """Write ``output_change_plan.docx`` and ``.html`` into ``out_dir``; return both paths.

    ``synthetic=True`` marks a plan built on the course's sample data as such.
    """
    document = change_plan_document(path_or_store, charts=charts, synthetic=synthetic)
    return _export(document, out_dir, CHANGE_PLAN_STEM)


def export_reflection(
    path_or_store: str | Path | AnswerStore = "answers.json",
    out_dir: str | Path = ".",
    *,
    charts: bool = True,
    synthetic: bool = False,
) -> tuple[Path, Path]:
    """Write ``output_reflection.docx`` and ``.html`` into ``out_dir``; return both paths.

    ``synthetic=True`` marks a reflection built on the course's sample data as such.
    """
    document = reflection_document(path_or_store, charts=charts, synthetic=synthetic)
    return _export(document, out_dir, REFLECTION_STEM)
