"""Tests for changekit.directory: the page is parsed, never matched as a string."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from itertools import pairwise

import pandas as pd
import pytest

from changekit.directory import DEFAULT_TITLE, build_directory_html, write_directory
from changekit.errors import DataError

VOID = {"meta", "br", "link", "img", "input", "hr"}


@dataclass
class Node:
    """A parsed element: tag, attributes, children and its text (with descendants')."""

    tag: str
    attrs: dict[str, str | None]
    children: list[Node] = field(default_factory=list)
    text: str = ""

    def find_all(self, tag: str) -> list[Node]:
        found = [self] if self.tag == tag else []
        for child in self.children:
            found += child.find_all(tag)
        return found


class TreeBuilder(HTMLParser):
    """A minimal DOM from html.parser; raises on a closing tag that does not match."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]
        self.doctype = ""

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        for node in self.stack:
            node.text += data


def parse(page: str) -> TreeBuilder:
    builder = TreeBuilder()
    builder.feed(page)
    builder.close()
    assert builder.stack == [builder.root], "every element is closed"
    return builder


def _services(**changes: str) -> pd.DataFrame:
    rows = [
        {
            "service": "Health visiting",
            "accepts": "Feeding and sleep concerns under 5",
            "does_not_accept": "Children aged 5 and over",
            "age_range": "0-4 years",
            "how_to_refer": "Email the team",
            "contact_route": "Email: hv@example.org",
            "reasons": "sleep problems;feeding and growth",
        },
        {
            "service": "School nursing",
            "accepts": "Sleep and continence advice at school",
            "does_not_accept": "Children under 5",
            "age_range": "5-19 years",
            "how_to_refer": "Online form",
            "contact_route": "Online form (fictional)",
            "reasons": "sleep problems; continence (wetting or soiling)",
        },
        {
            "service": "Acute paediatric outpatients",
            "accepts": "Headache with red flags",
            "does_not_accept": "Behaviour concerns",
            "age_range": "0-17 years",
            "how_to_refer": "e-RS",
            "contact_route": "e-RS: General Paediatrics",
            "reasons": "headache",
        },
    ]
    rows[0].update(changes)
    return pd.DataFrame(rows)


def test_page_is_a_complete_english_document_with_its_title():
    tree = parse(build_directory_html(_services()))
    assert tree.doctype.lower() == "doctype html"
    (html,) = tree.root.find_all("html")
    assert html.attrs["lang"] == "en-GB"
    assert tree.root.find_all("title")[0].text == DEFAULT_TITLE
    assert tree.root.find_all("h1")[0].text == DEFAULT_TITLE
    assert tree.root.find_all("meta")[0].attrs == {"charset": "utf-8"}


def test_one_section_per_service_with_every_detail():
    tree = parse(build_directory_html(_services()))
    sections = tree.root.find_all("section")
    assert [s.find_all("h3")[0].text for s in sections] == [
        "Health visiting",
        "School nursing",
        "Acute paediatric outpatients",
    ]
    first = sections[0]
    labels = [dt.text for dt in first.find_all("dt")]
    values = [dd.text for dd in first.find_all("dd")]
    assert labels == ["Accepts", "Does not accept", "Age range", "How to refer", "Contact"]
    assert values == [
        "Feeding and sleep concerns under 5",
        "Children aged 5 and over",
        "0-4 years",
        "Email the team",
        "Email: hv@example.org",
    ]
    assert first.attrs["aria-labelledby"] == first.find_all("h3")[0].attrs["id"]


def test_headings_run_in_order_without_skipping_a_level():
    tree = parse(build_directory_html(_services()))
    levels = []

    def walk(node: Node) -> None:
        if node.tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            levels.append(int(node.tag[1]))
        for child in node.children:
            walk(child)

    walk(tree.root)
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in pairwise(levels))
    assert levels == [1, 2, 2, 3, 3, 3]


def test_index_maps_each_concern_to_the_services_that_take_it():
    tree = parse(build_directory_html(_services()))
    (nav,) = tree.root.find_all("nav")
    assert "If your concern is" in nav.find_all("h2")[0].text
    index = {}
    for row in nav.find_all("tbody")[0].find_all("tr"):
        concern = row.find_all("th")[0]
        assert concern.attrs["scope"] == "row"
        index[concern.text] = [a.text for a in row.find_all("a")]
    assert index == {
        "continence (wetting or soiling)": ["School nursing"],
        "feeding and growth": ["Health visiting"],
        "headache": ["Acute paediatric outpatients"],
        "sleep problems": ["Health visiting", "School nursing"],
    }
    assert list(index) == sorted(index, key=str.casefold)
    sleep = next(r for r in nav.find_all("tr") if r.find_all("th")[0].text == "sleep problems")
    assert "(0-4 years)" in sleep.text and "(5-19 years)" in sleep.text


def test_index_links_lead_to_the_service_sections():
    tree = parse(build_directory_html(_services()))
    ids = {node.attrs.get("id") for node in tree.root.find_all("h3")}
    links = [a.attrs["href"] for a in tree.root.find_all("nav")[0].find_all("a")]
    assert links and all(href.startswith("#") and href[1:] in ids for href in links)


def test_text_is_escaped_so_a_script_in_the_data_cannot_run():
    name = '<script>alert("x")</script> & Co'
    page = build_directory_html(_services(service=name, accepts="<b>bold</b>"))
    tree = parse(page)
    assert tree.root.find_all("script") == []
    assert tree.root.find_all("b") == []
    assert tree.root.find_all("h3")[0].text == name
    assert tree.root.find_all("dd")[0].text == "<b>bold</b>"
    assert "&lt;script&gt;" in page
    title_page = parse(build_directory_html(_services(), title="<i>A & B</i>"))
    assert title_page.root.find_all("h1")[0].text == "<i>A & B</i>"


def test_page_loads_nothing_from_outside_and_has_a_print_stylesheet():
    page = build_directory_html(_services())
    tree = parse(page)
    elements = tree.root.find_all("html")[0]
    every = [
        n for tag in ("link", "script", "img", "iframe", "object") for n in elements.find_all(tag)
    ]
    assert every == []
    for a in tree.root.find_all("a"):
        assert a.attrs["href"].startswith("#")
    (style,) = tree.root.find_all("style")
    assert "@media print" in style.text
    assert "url(" not in style.text and "@import" not in style.text


def test_duplicate_names_still_get_distinct_anchors():
    services = pd.concat([_services(), _services().iloc[[0]]], ignore_index=True)
    ids = [h.attrs["id"] for h in parse(build_directory_html(services)).root.find_all("h3")]
    assert len(ids) == len(set(ids)) == 4


def test_blank_details_read_not_stated_and_blank_reasons_are_left_out():
    tree = parse(build_directory_html(_services(how_to_refer="", reasons=" ; ")))
    assert tree.root.find_all("section")[0].find_all("dd")[3].text == "Not stated"
    concerns = [r.find_all("th")[0].text for r in tree.root.find_all("tbody")[0].find_all("tr")]
    assert "feeding and growth" not in concerns and "" not in concerns


def test_a_missing_column_is_named_in_plain_english():
    with pytest.raises(DataError, match=r"no column 'how_to_refer'.*read_services"):
        build_directory_html(_services().drop(columns="how_to_refer"))


def test_an_empty_table_is_refused():
    with pytest.raises(DataError, match="no rows"):
        build_directory_html(_services().iloc[0:0])


def test_write_directory_writes_the_page_as_utf8(tmp_path):
    services = _services(service="Children's bladder and bowel service – café")
    path = write_directory(services, tmp_path / "output_directory.html")
    assert path == tmp_path / "output_directory.html"
    assert path.read_text(encoding="utf-8") == build_directory_html(services)
    assert "café" in parse(path.read_text(encoding="utf-8")).root.find_all("h3")[0].text


def test_the_course_services_file_builds_a_directory_covering_every_reason():
    from changekit.referrals import REASONS, read_services

    services = read_services()
    tree = parse(build_directory_html(services))
    assert len(tree.root.find_all("section")) == len(services)
    concerns = {r.find_all("th")[0].text for r in tree.root.find_all("tbody")[0].find_all("tr")}
    assert concerns == set(REASONS)
