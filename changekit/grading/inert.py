"""Trainee HTML made inert wherever nbgrader shows it: feedback and the formgrader's submission pages.

A written answer is markdown, and markdown may carry raw HTML; a code answer's
output may carry HTML too. nbgrader renders both as they are, so an answer
holding ``<img src=x onerror=...>`` would run script in the tutor's formgrader
and in the trainee's feedback. nbconvert's ``HTMLExporter.sanitize_html``
cleans outputs only, not nbgrader's own markdown blocks, and its allow-list
turns headings, paragraphs and tables into escaped text. So the course's
``nbgrader_config.py`` replaces two of the exporter's Jinja filters with the
ones here (one allow-list for both):

- ``markdown2html``: rendered as nbconvert renders it, then cleaned; a tag not
  on the list is shown as text, exactly as the trainee typed it;
- ``clean_html``: used for HTML outputs once ``sanitize_html`` is on; a tag not
  on the list is dropped and its text kept (pandas' ``<style>`` blocks go whole).

Kept: headings, paragraphs, emphasis, lists, tables, code, quotes, links to
http(s)/mailto/anchors and images from http(s) or ``data:image/...``.
Gone: scripts, event handlers, ``style`` attributes, ``javascript:`` and other
URL schemes, iframes, forms, inputs, objects, SVG, ``id`` and ``name``
(which could shadow the formgrader's own score boxes) and class names other
than the short ones syntax highlighting and pandas use.
"""

from __future__ import annotations

import re
from typing import Any

import bleach
from jinja2 import pass_context
from jinja2.runtime import Context
from traitlets.config import LoggingConfigurable

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "details",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
        "var",
    }
)
#: Attributes allowed on every tag / on some tags; everything else is dropped.
COMMON_ATTRIBUTES = frozenset({"class", "title", "align"})
TAG_ATTRIBUTES = {
    "a": frozenset({"href"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "td": frozenset({"colspan", "rowspan"}),
    "th": frozenset({"colspan", "rowspan", "scope"}),
    "ol": frozenset({"start"}),
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto", "data"})
#: Class names kept: pygments' short token classes, code highlighting and pandas' tables.
#: The formgrader's own hooks (``nbgrader_cell``, ``tabbable``, ``score`` ...) are longer.
SAFE_CLASS = re.compile(r"[a-z]{1,3}[0-9]?|highlight|hl-[a-z0-9-]+|dataframe|anchor-link|math")
DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp);", re.IGNORECASE)
STYLE_BLOCK = re.compile(r"<style\b.*?</style\s*>", re.IGNORECASE | re.DOTALL)


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    """Whether ``name="value"`` may stay on ``<tag>`` (bleach then checks URL schemes)."""
    if name not in COMMON_ATTRIBUTES and name not in TAG_ATTRIBUTES.get(tag, ()):
        return False
    if name == "class":
        return all(SAFE_CLASS.fullmatch(token) for token in value.split())
    squeezed = re.sub(r"[\s\x00-\x20]+", "", value).lower()
    if name == "href":
        return not squeezed.startswith("data:")
    if name == "src":
        return not squeezed.startswith("data:") or bool(DATA_IMAGE.match(squeezed))
    return True


def _cleaner(strip: bool) -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=_allowed_attribute,
        protocols=ALLOWED_PROTOCOLS,
        strip=strip,
        strip_comments=True,
    )


_SHOW_AS_TEXT = _cleaner(strip=False)
_DROP = _cleaner(strip=True)


def inert_markdown_html(html: str) -> str:
    """Rendered markdown with nothing live: a tag not allowed is shown as the text that was typed."""
    return _SHOW_AS_TEXT.clean(html)


def inert_output_html(html: str | bytes) -> str:
    """An HTML output with nothing live: a tag not allowed is dropped, its text kept; no ``<style>``."""
    text = html.decode() if isinstance(html, bytes) else str(html)
    return _DROP.clean(STYLE_BLOCK.sub("", text))


class InertMarkdown(LoggingConfigurable):
    """Jinja filter ``markdown2html``: the exporter's own rendering, then :func:`inert_markdown_html`.

    Registered through ``HTMLExporter.filters``; nbconvert builds it with the
    exporter as its parent, so attachments, anchors and lexer options are the
    exporter's as before.
    """

    @pass_context
    def __call__(self, context: Context, source: str) -> str:
        return inert_markdown_html(self.parent.markdown2html(context, source))

    #: Jinja looks for this on the filter object itself to pass the template context.
    jinja_pass_arg: Any = __call__.jinja_pass_arg
