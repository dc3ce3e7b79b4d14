"""``run_first``: a cell that needs an earlier cell says which one to run, not a bare NameError."""

from __future__ import annotations

import contextlib
import io

import nbformat
import pytest

from changekit.answers import RunFirst, run_first
from changekit.paths import course_root


def _run(code: str, namespace: dict[str, object]) -> None:
    """Execute ``code`` with ``namespace`` as its globals, as a notebook cell runs."""
    exec(compile(code, "<cell>", "exec"), namespace)  # noqa: S102 (test code)


def test_names_the_missing_variables_and_the_cell_to_run() -> None:
    namespace: dict[str, object] = {"run_first": run_first, "TRIAGE_MINUTES": 12}
    with pytest.raises(RunFirst) as stopped:
        _run(
            'run_first("TRIAGE_MINUTES", "ADMIN_MINUTES", cell="the assumptions cell above")',
            namespace,
        )
    message = str(stopped.value)
    assert "`ADMIN_MINUTES` is not set yet: run the assumptions cell above first" in message
    assert "TRIAGE_MINUTES" not in message, "only the missing names are listed"
    assert isinstance(stopped.value, AssertionError), "nbgrader counts it as a failed check"


def test_is_silent_when_every_name_is_set() -> None:
    namespace: dict[str, object] = {"run_first": run_first, "a": 1, "b": 2}
    _run('run_first("a", "b", cell="your answer cell above")', namespace)


def test_shows_its_message_without_a_traceback() -> None:
    error = RunFirst("`x` is not set yet: run your answer cell above first")
    assert error._render_traceback_() == [
        "Not yet: `x` is not set yet: run your answer cell above first"
    ]


def _cells() -> dict[str, str]:
    path = (
        course_root() / "source" / "quantify_a_service_problem" / "quantify_a_service_problem.ipynb"
    )
    notebook = nbformat.read(path, as_version=4)
    return {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in notebook.cells
        if "nbgrader" in c.metadata
    }


def test_task_7_says_run_the_assumptions_cell_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(course_root() / "source" / "quantify_a_service_problem")
    cells = _cells()
    namespace: dict[str, object] = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for grade_id in ("setup", "load_data", "baseline_proportion", "compare"):
            code = "\n".join(
                line for line in cells[grade_id].splitlines() if not line.startswith("%")
            )
            _run(code, namespace)
    with pytest.raises(RunFirst, match="run the assumptions cell above first"):
        _run(cells["time_recovered"], namespace)
    with pytest.raises(RunFirst, match="run the assumptions cell above first"):
        _run(cells["test_time_recovered"], namespace)
