"""data/README.md documents every file in data/ and every column of it."""

from __future__ import annotations

import csv

import pytest

from changekit.paths import data_dir

FILES = sorted(data_dir().glob("*.csv"))
README = (data_dir() / "README.md").read_text(encoding="utf-8")


def section(name: str) -> str:
    """The README's section for one file: from its heading to the next file's heading."""
    start = README.index(f"## `{name}`")
    following = README.find("\n## `", start + 1)
    return README[start:] if following < 0 else README[start:following]


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_file_and_column_is_documented(path) -> None:
    assert f"## `{path.name}`" in README, f"data/README.md has no section for {path.name}"
    with path.open(encoding="utf-8") as handle:
        columns = next(csv.reader(handle))
    text = section(path.name)
    undocumented = [c for c in columns if f"`{c}`" not in text]
    assert not undocumented, f"{path.name}: columns missing from data/README.md: {undocumented}"
