"""Download links under the Word and HTML export cells."""

from __future__ import annotations

from pathlib import Path

from changekit.downloads import download_links, download_links_html


def test_each_file_gets_a_download_link_and_the_right_click_advice() -> None:
    shown = download_links_html(
        Path("/course/change_plan/output_change_plan.docx"), "output_change_plan.html"
    )
    assert '<a href="output_change_plan.docx" download="output_change_plan.docx">' in shown
    assert '<a href="output_change_plan.html" download="output_change_plan.html">' in shown
    assert "right-click the file" in shown and "choose Download" in shown
    assert "/course" not in shown, "links are relative to the notebook's folder"


def test_names_are_escaped() -> None:
    shown = download_links_html('a"<b>.docx')
    assert "<b>" not in shown and "&quot;" in shown


def test_the_notebook_gets_html() -> None:
    assert "Download x.docx" in download_links("x.docx")._repr_html_()


def test_the_export_cells_show_the_links() -> None:
    for notebook in ("change_plan/change_plan.ipynb", "reflection/reflection.ipynb"):
        text = (Path(__file__).parents[2] / "source" / notebook).read_text(encoding="utf-8")
        assert "download_links(docx_path, html_path)" in text, notebook
