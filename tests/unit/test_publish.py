"""changekit.course.publish: only assignments whose source changed are generated and released again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from changekit import course
from changekit.paths import course_root

ASSIGNMENTS = ("change_plan", "reflection")


@pytest.fixture
def small_course(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Path, list[tuple[str, ...]]]:
    """Two assignments of the real course, with nbgrader replaced by a recorder that does what it would.

    ``generate_assignment`` makes ``release/<a>``, ``release_assignment`` makes the
    exchange's outbound folder and the SQLite gradebook, as the real commands do.
    """
    root, state = tmp_path / "course", tmp_path / "state"
    for name in ASSIGNMENTS:
        shutil.copytree(course_root() / "source" / name, root / "source" / name)
    shutil.copy(course_root() / "nbgrader_config.py", root)
    monkeypatch.setenv("CHANGEKIT_STATE_DIR", str(state))
    config = course.course_config(root)
    outbound = Path(config.Exchange.root) / config.CourseDirectory.course_id / "outbound"
    calls: list[tuple[str, ...]] = []

    def fake_nbgrader(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
        calls.append(args[:2])
        verb, assignment = args[:2]
        if verb == "generate_assignment":
            (cwd / "release" / assignment).mkdir(parents=True, exist_ok=True)
        else:
            (outbound / assignment).mkdir(parents=True, exist_ok=True)
            (state / "gradebook.db").touch()
        return ""

    monkeypatch.setattr(course, "nbgrader", fake_nbgrader)
    return root, state, calls


def released(calls: list[tuple[str, ...]]) -> list[str]:
    return [assignment for verb, assignment in calls if verb == "release_assignment"]


def test_first_start_releases_everything_and_a_second_nothing(small_course) -> None:
    root, state, calls = small_course
    assert course.publish(root, state=state) == (list(ASSIGNMENTS), [])
    assert released(calls) == list(ASSIGNMENTS)
    calls.clear()
    assert course.publish(root, state=state) == ([], list(ASSIGNMENTS))
    assert calls == []


def test_an_edited_source_file_releases_that_assignment_only(small_course) -> None:
    root, state, calls = small_course
    course.publish(root, state=state)
    calls.clear()
    notebook = root / "source" / "reflection" / "reflection.ipynb"
    notebook.write_text(notebook.read_text().replace("reflection", "Reflection", 1))
    assert course.publish(root, state=state) == (["reflection"], ["change_plan"])
    assert calls == [("generate_assignment", "reflection"), ("release_assignment", "reflection")]


def test_files_nbgrader_ignores_do_not_count_as_changes(small_course) -> None:
    root, state, calls = small_course
    course.publish(root, state=state)
    calls.clear()
    (root / "source" / "reflection" / ".ipynb_checkpoints").mkdir()
    (root / "source" / "reflection" / ".ipynb_checkpoints" / "x.ipynb").write_text("{}")
    (root / "source" / "reflection" / "output_reflection.html").write_text("<p>made by a run</p>")
    assert course.publish(root, state=state) == ([], list(ASSIGNMENTS))


def test_a_changed_course_config_releases_everything(small_course) -> None:
    root, state, _ = small_course
    course.publish(root, state=state)
    with (root / "nbgrader_config.py").open("a") as config:
        config.write("\n# a tutor's change\n")
    assert course.publish(root, state=state)[0] == list(ASSIGNMENTS)


@pytest.mark.parametrize("lost", ["gradebook", "outbound", "release", "record"])
def test_lost_state_is_released_again(small_course, lost: str) -> None:
    root, state, _ = small_course
    course.publish(root, state=state)
    config = course.course_config(root)
    outbound = Path(config.Exchange.root) / config.CourseDirectory.course_id / "outbound"
    if lost == "gradebook":
        (state / "gradebook.db").unlink()
    elif lost == "outbound":
        shutil.rmtree(outbound / "change_plan")
    elif lost == "release":
        shutil.rmtree(root / "release" / "change_plan")
    else:
        course.published_record(state).unlink()
    everything = lost in {"gradebook", "record"}
    assert course.publish(root, state=state)[0] == (
        list(ASSIGNMENTS) if everything else ["change_plan"]
    )


def test_a_due_date_goes_to_the_gradebook_and_a_changed_one_releases_again(small_course) -> None:
    root, state, calls = small_course
    (root / "calendar.toml").write_text("[due]\nchange_plan = 2027-06-01T17:00:00\n")
    course.publish(root, state=state)
    assert ("db", "assignment") in calls, "the due date was not written to the gradebook"
    calls.clear()
    (root / "calendar.toml").write_text("[due]\nchange_plan = 2027-06-08T17:00:00\n")
    assert course.publish(root, state=state) == (["change_plan"], ["reflection"])
    assert released(calls) == ["change_plan"]
