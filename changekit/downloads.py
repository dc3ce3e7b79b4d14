"""Download links for the files a notebook writes (the Word and HTML exports).

Double-clicking a ``.docx`` in JupyterLab's file browser opens it as text and
says it is "not UTF-8 encoded". ``download_links(...)`` shows, under the cell
that wrote the files, a link to download each one and the way that always
works: right-click the file in the file browser and choose Download.
"""

from __future__ import annotations

import html
from pathlib import Path

from IPython.display import HTML

RIGHT_CLICK = (
    "To save a file to your computer, right-click the file in the file browser on the left and "
    "choose Download (double-clicking a Word file opens it as text and says it is "
    '"not UTF-8 encoded").'
)


def download_links_html(*paths: str | Path) -> str:
    """The HTML: one download link per file (relative to the notebook), then the right-click advice."""
    items = "".join(
        f'<li><a href="{html.escape(Path(p).name)}" download="{html.escape(Path(p).name)}">'
        f"Download {html.escape(Path(p).name)}</a></li>"
        for p in paths
    )
    return f"<ul>{items}</ul><p>{html.escape(RIGHT_CLICK)}</p>"


def download_links(*paths: str | Path) -> HTML:
    """Download links for ``paths`` (files in the notebook's folder), to show under an export cell."""
    return HTML(download_links_html(*paths))
