"""release/ is exactly what nbgrader makes of source/, and carries nothing trainees must not see."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest

from changekit.course import SOURCE_ONLY, assignments, stale_copies
from changekit.paths import course_root
from tests.grading.harness import Course

RELEASE = course_root() / "release"


def tree(folder: Path) -> list[str]:
    """Relative paths of every file under ``folder``."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    course = Course(tmp_path_factory.mktemp("regenerate"))
    course.release_all()
    return course.root / "release"


def test_every_assignment_is_released() -> None:
    assert assignments(), "no assignments in source/"
    assert sorted(p.name for p in RELEASE.iterdir() if p.is_dir()) == assignments()


def test_release_matches_a_fresh_generation(regenerated: Path) -> None:
    assert tree(regenerated) == tree(RELEASE), "run `make release` and commit release/"
    differing = [name for name in tree(RELEASE) if not filecmp.cmp(RELEASE / name, regenerated / name, shallow=False)]
    assert not differing, f"release/ is out of date for {differing}: run `make release` and commit it"


@pytest.mark.parametrize("marker", ["BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"])
def test_release_has_no_solutions_or_hidden_tests(marker: str) -> None:
    leaks = [name for name in tree(RELEASE) if marker in (RELEASE / name).read_text(errors="ignore")]
    assert not leaks, f"'{marker}' found in {leaks}"


def test_release_has_no_model_answer_files() -> None:
    leaks = [name for name in tree(RELEASE) if Path(name).name in SOURCE_ONLY]
    assert not leaks, f"model answers shipped to trainees: {leaks}"


def test_data_copies_in_assignments_match_data_folder() -> None:
    stale = stale_copies()
    assert not stale, f"copies differ from data/: {stale}; run `make data`"
