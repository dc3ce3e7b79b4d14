"""The ``changekit`` command line: every subcommand's arguments reach its function, and one exit-code contract.

0 done; 1 a user error (any ``ChangekitError``, or bad arguments), its plain
message on stderr and no traceback; 2 an internal error (a bug), with the
traceback written to a file, or printed with ``CHANGEKIT_DEBUG=1``.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from changekit import cli
from changekit.admin import AdminError
from changekit.course import CourseError
from changekit.errors import ChangekitError, DataError
from changekit.grading.demo import DemoError
from changekit.grading.export import ExportError
from changekit.grading.parallel import GradingError
from changekit.hub.lifecycle import HubError
from changekit.paths import course_root
from changekit.settings import CourseNotFound, SettingsError

CHANGEKIT = str(Path(sys.executable).parent / "changekit")

#: The location options of the admin commands, all left to their settings.
NO_LOCATIONS = dict.fromkeys(
    ("course", "state", "exchange", "hub", "homes", "gradebook_url", "hub_db_url")
)

#: Each subcommand with arguments, and the keyword arguments its function must receive.
PARSED: list[tuple[list[str], dict[str, Any]]] = [
    (["start"], {"port": None}),
    (["start", "--port", "9000"], {"port": 9000}),
    (["stop"], {}),
    (["release"], {}),
    (["publish"], {"assignments": []}),
    (["publish", "reflection", "change_plan"], {"assignments": ["reflection", "change_plan"]}),
    (["data"], {}),
    (
        ["grade", "tiny"],
        {
            "assignment": "tiny",
            "jobs": None,
            "force": False,
            "max_output_mb": 10,
            "all_rows": False,
            "quiet": False,
        },
    ),
    (
        ["grade", "tiny", "-j", "3", "--force", "--max-output-mb", "2.5", "--all", "--quiet"],
        {
            "assignment": "tiny",
            "jobs": 3,
            "force": True,
            "max_output_mb": 2.5,
            "all_rows": True,
            "quiet": True,
        },
    ),
    (["feedback", "tiny"], {"assignment": "tiny", "include_unmarked": False}),
    (["feedback", "tiny", "--include-unmarked"], {"assignment": "tiny", "include_unmarked": True}),
    (
        ["extend", "tiny", "trainee1"],
        {"assignment": "tiny", "trainee": "trainee1", "days": 0, "hours": 0},
    ),
    (
        ["extend", "tiny", "trainee1", "--days", "3", "--hours", "2"],
        {"assignment": "tiny", "trainee": "trainee1", "days": 3, "hours": 2},
    ),
    (["regrade", "tiny"], {"assignment": "tiny", "jobs": None, "all_rows": False}),
    (["regrade", "tiny", "-j", "2", "--all"], {"assignment": "tiny", "jobs": 2, "all_rows": True}),
    (
        ["add-submission", "tiny", "trainee1", "mail.zip", "--sent", "2027-01-15 17:05"],
        {
            "assignment": "tiny",
            "trainee": "trainee1",
            "file": Path("mail.zip"),
            "sent": "2027-01-15 17:05",
        },
    ),
    (["roster"], {"path": None}),
    (["roster", "r.csv"], {"path": Path("r.csv")}),
    (
        ["moderate", "sample", "tiny", "--second-marker", "dr_lee"],
        {
            "assignment": "tiny",
            "second_marker": ["dr_lee"],
            "share": 0.1,
            "seed": None,
            "replace": False,
        },
    ),
    (
        [
            "moderate",
            "sample",
            "tiny",
            "--second-marker",
            "dr_lee",
            "--second-marker",
            "dr_khan",
            "--share",
            "0.2",
            "--seed",
            "7",
            "--replace",
        ],
        {
            "assignment": "tiny",
            "second_marker": ["dr_lee", "dr_khan"],
            "share": 0.2,
            "seed": 7,
            "replace": True,
        },
    ),
    (["moderate", "status", "tiny"], {"assignment": "tiny", "tolerance": 0.0}),
    (
        ["moderate", "status", "tiny", "--tolerance", "0.5"],
        {"assignment": "tiny", "tolerance": 0.5},
    ),
    (
        ["moderate", "second-mark", "tiny", "trainee1", "reflect", "1.5", "--marker", "dr_khan"],
        {
            "assignment": "tiny",
            "trainee": "trainee1",
            "question": "reflect",
            "score": 1.5,
            "marker": "dr_khan",
        },
    ),
    (["moderate", "disagreements", "tiny"], {"assignment": "tiny", "tolerance": 0.0}),
    (
        ["moderate", "disagreements", "tiny", "--tolerance", "1"],
        {"assignment": "tiny", "tolerance": 1.0},
    ),
    (
        ["moderate", "agree", "tiny", "trainee1", "reflect", "2", "--marker", "dr_lee"],
        {
            "assignment": "tiny",
            "trainee": "trainee1",
            "question": "reflect",
            "score": 2.0,
            "marker": "dr_lee",
        },
    ),
    (["export"], {"assignment": None, "out": None, "suppress_below": 5}),
    (
        ["export", "--assignment", "tiny", "--out", "g.csv", "--suppress-below", "10"],
        {"assignment": "tiny", "out": Path("g.csv"), "suppress_below": 10},
    ),
    (["portfolio"], {"student": None, "out": None}),
    (
        ["portfolio", "--student", "ana", "--student", "ben", "--out", "p"],
        {"student": ["ana", "ben"], "out": Path("p")},
    ),
    (["demo"], {"state_dir": None, "trainees": 30, "jobs": os.cpu_count() or 1}),
    (
        ["demo", "--state-dir", "d", "--trainees", "4", "-j", "2"],
        {"state_dir": Path("d"), "trainees": 4, "jobs": 2},
    ),
    (["backup"], {"out": None, **NO_LOCATIONS}),
    (
        [
            "backup",
            "--out",
            "b.tar.gz",
            "--course",
            "c",
            "--state",
            "s",
            "--exchange",
            "e",
            "--hub-dir",
            "h",
            "--homes",
            "/home",
            "--gradebook-url",
            "sqlite:///g.db",
            "--hub-db-url",
            "sqlite:///h.db",
        ],
        {
            "out": Path("b.tar.gz"),
            "course": Path("c"),
            "state": Path("s"),
            "exchange": Path("e"),
            "hub": Path("h"),
            "homes": Path("/home"),
            "gradebook_url": "sqlite:///g.db",
            "hub_db_url": "sqlite:///h.db",
        },
    ),
    (["restore", "b.tar.gz"], {"archive": Path("b.tar.gz"), **NO_LOCATIONS}),
    (
        ["restore", "b.tar.gz", "--state", "s"],
        {"archive": Path("b.tar.gz"), **NO_LOCATIONS, "state": Path("s")},
    ),
    (
        ["forget", "trainee1"],
        {"trainee": "trainee1", "yes": False, "hub_url": None, "hub_token": None, **NO_LOCATIONS},
    ),
    (
        ["forget", "trainee1", "--yes", "--hub-url", "http://127.0.0.1:8000", "--homes", "/home"],
        {
            "trainee": "trainee1",
            "yes": True,
            "hub_url": "http://127.0.0.1:8000",
            "hub_token": None,
            **NO_LOCATIONS,
            "homes": Path("/home"),
        },
    ),
]


def command(name: str) -> cli.Command:
    """The registered command called ``name`` (a step as ``"moderate sample"``)."""
    found = None
    for word in name.split():
        found = next(c for c in (found.steps if found else cli.commands()) if c.name == word)
    return found


def leaves(commands: tuple[cli.Command, ...], prefix: str = "") -> list[str]:
    """Every command that runs a function, by the words that name it (steps after their command)."""
    return [
        name
        for c in commands
        for name in (leaves(c.steps, f"{prefix}{c.name} ") if c.steps else [f"{prefix}{c.name}"])
    ]


def named(argv: list[str]) -> str:
    """The command ``argv`` runs: its first word, with the step for a command that has steps."""
    return " ".join(argv[:2]) if command(argv[0]).steps else argv[0]


def replace_function(
    monkeypatch: pytest.MonkeyPatch, name: str, function: Callable[..., int]
) -> None:
    """Put ``function`` where the command ``name`` looks for its function."""
    module, attribute = command(name).function.split(":")
    monkeypatch.setattr(importlib.import_module(module), attribute, function)


def test_every_subcommand_is_registered_the_one_way() -> None:
    """One list of commands makes the parser; each names an importable function, and the tests cover each."""
    names = [c.name for c in cli.commands()]
    assert names == [
        "start",
        "stop",
        "release",
        "publish",
        "data",
        "grade",
        "feedback",
        "extend",
        "regrade",
        "add-submission",
        "roster",
        "moderate",
        "export",
        "portfolio",
        "demo",
        "backup",
        "restore",
        "forget",
    ]
    subparsers = next(
        a for a in cli.build_parser()._actions if a.dest == "==SUPPRESS==" and a.choices
    )
    assert list(subparsers.choices) == names
    everything = leaves(cli.commands())
    assert [n for n in everything if n.startswith("moderate ")] == [
        "moderate sample",
        "moderate status",
        "moderate second-mark",
        "moderate disagreements",
        "moderate agree",
    ]
    assert all(callable(command(n).resolve()) for n in everything)
    assert {named(argv) for argv, _ in PARSED} == set(everything)
    for name in names:
        assert f"changekit {name}" in cli.__doc__, (
            f"{name} is missing from the module docstring's list"
        )


@pytest.mark.parametrize(("argv", "expected"), PARSED, ids=[" ".join(argv) for argv, _ in PARSED])
def test_arguments_reach_the_commands_function(
    argv: list[str], expected: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []

    def record(**options: Any) -> int:
        calls.append(options)
        return 0

    replace_function(monkeypatch, named(argv), record)
    assert cli.main(argv) == 0
    assert calls == [expected]


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["nonsense"],
        ["grade"],
        ["grade", "a", "--jobs", "many"],
        ["stop", "--x"],
        ["moderate"],
        ["moderate", "nonsense"],
        ["moderate", "sample", "a"],
        ["moderate", "agree", "a", "t", "q", "lots", "--marker", "m"],
        ["add-submission", "a", "t", "f.ipynb"],
    ],
)
def test_bad_arguments_are_a_user_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("usage: changekit") and re.search(
        r"\(see changekit ([\w-]+ )*--help\)", err
    )
    assert "Traceback" not in err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "Exit codes" in out and "forget" in out


@pytest.mark.parametrize(
    "error",
    [
        CourseError,
        GradingError,
        DemoError,
        DataError,
        AdminError,
        ExportError,
        HubError,
        CourseNotFound,
        SettingsError,
    ],
)
def test_every_user_error_derives_from_the_one_base(error: type[Exception]) -> None:
    assert issubclass(error, ChangekitError)


def test_a_command_that_succeeds_exits_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHANGEKIT_STATE_DIR", str(tmp_path / "state"))
    assert cli.main(["stop"]) == 0
    assert "No course hub is running" in capsys.readouterr().out


@pytest.mark.parametrize(
    "error",
    [
        CourseError,
        GradingError,
        DemoError,
        DataError,
        AdminError,
        ExportError,
        HubError,
        CourseNotFound,
        SettingsError,
    ],
)
def test_a_user_error_exits_1_with_its_message_alone(
    error: type[ChangekitError], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(**options: Any) -> int:
        raise error("No assignment called 'x': the assignments are a, b.")

    replace_function(monkeypatch, "publish", refuse)
    assert cli.main(["publish", "x"]) == 1
    assert capsys.readouterr().err == "No assignment called 'x': the assignments are a, b.\n"


def test_a_real_user_error_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    """Not a stand-in: the real publish refuses an assignment the course does not have."""
    assert cli.main(["publish", "no_such_assignment"]) == 1
    err = capsys.readouterr().err
    assert "No assignment called no_such_assignment" in err and "quantify_a_service_problem" in err


def test_a_bad_setting_is_a_user_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHANGEKIT_STOP_SECONDS", "soon")
    assert cli.main(["stop"]) == 1
    assert "CHANGEKIT_STOP_SECONDS must be a number, not 'soon'" in capsys.readouterr().err


def a_bug(**options: Any) -> int:
    return {}["missing"]  # a KeyError: a bug, not the user's doing


def test_an_internal_error_exits_2_and_writes_the_traceback_to_a_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CHANGEKIT_DEBUG", raising=False)
    replace_function(monkeypatch, "release", a_bug)
    assert cli.main(["release"]) == 2
    err = capsys.readouterr().err
    assert (
        "internal error (KeyError)" in err
        and "a bug in changekit" in err
        and "Traceback" not in err
    )
    written = Path(re.search(r"The details are in (\S+);", err).group(1))
    try:
        details = written.read_text()
        assert (
            details.startswith("changekit release\n")
            and "Traceback" in details
            and "a_bug" in details
        )
        assert written.stat().st_mode & 0o077 == 0, "the details are readable by their owner only"
    finally:
        written.unlink()


def test_an_internal_error_shows_the_traceback_when_debugging(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHANGEKIT_DEBUG", "1")
    replace_function(monkeypatch, "release", a_bug)
    assert cli.main(["release"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("Traceback")
        and "KeyError: 'missing'" in err
        and "The details are in" not in err
    )


def test_ctrl_c_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(**options: Any) -> int:
        raise KeyboardInterrupt

    replace_function(monkeypatch, "release", interrupted)
    assert cli.main(["release"]) == 130


def test_start_reads_the_course_config_once(course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`changekit start` loads nbgrader_config.py (which imports nbgrader) once, then becomes the hub."""
    from traitlets.config.loader import PyFileConfigLoader

    from changekit.hub import lifecycle
    from changekit.hub.local import START_PAGE

    (course / "notebooks").mkdir()
    shutil.copy(course_root() / "notebooks" / START_PAGE, course / "notebooks")
    for name in [n for n in os.environ if n.startswith("CHANGEKIT_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(course / "source")
    loads: list[str] = []
    load = PyFileConfigLoader.load_config

    def counted(loader: PyFileConfigLoader) -> Any:
        config = load(loader)
        loads.append(loader.full_filename)  # known once found
        return config

    monkeypatch.setattr(PyFileConfigLoader, "load_config", counted)
    monkeypatch.setattr(lifecycle, "port_is_free", lambda port: True)
    became: list[tuple[Path, int]] = []
    monkeypatch.setattr(
        lifecycle, "become_hub", lambda settings, port: became.append((settings.root, port))
    )
    assert cli.main(["start", "--port", "9100"]) == 0
    assert became == [(course, 9100)]
    assert loads == [str(course / "nbgrader_config.py")]
    assert (course / "var" / "hub" / "home" / "tutor" / START_PAGE).is_file()


def test_extend_gives_a_trainee_their_own_due_date(
    course: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real run: the extension lands in the gradebook and the new due date is said in London time."""
    from datetime import datetime

    from changekit.grading.gradebook import open_gradebook
    from changekit.settings import current

    for name in [n for n in os.environ if n.startswith("CHANGEKIT_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(course)
    settings = current()
    with open_gradebook(settings.db_url, settings.course_id) as gradebook:
        gradebook.update_or_create_assignment("a", duedate=datetime(2027, 1, 15, 17, 0))
    assert cli.main(["extend", "a", "trainee1", "--days", "3"]) == 0
    assert (
        "trainee1 now has until Monday 18 January 2027, 17:00 GMT for a." in capsys.readouterr().out
    )
    with open_gradebook(settings.db_url, settings.course_id) as gradebook:
        assert gradebook.find_submission("a", "trainee1").extension.days == 3
    assert cli.main(["extend", "nonesuch", "trainee1", "--days", "1"]) == 1
    assert "There is no assignment 'nonesuch' in the gradebook" in capsys.readouterr().err


def test_roster_names_the_trainees_in_the_gradebook(
    course: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real run: the names reach a small gradebook; a bad roster exits 1 naming its line, and changes nothing."""
    from changekit.grading.gradebook import open_gradebook
    from changekit.settings import current

    for name in [n for n in os.environ if n.startswith("CHANGEKIT_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(course)
    settings = current()
    with open_gradebook(settings.db_url, settings.course_id) as gradebook:
        gradebook.add_student("ben")
    settings.state.mkdir(parents=True, exist_ok=True)
    (settings.state / "roster.csv").write_text(
        "username,first_name,last_name\nana,Ana,Okafor\nben,Ben,Li\n"
    )
    assert cli.main(["roster"]) == 0
    assert "Roster read: 1 trainee added, 1 updated with their names." in capsys.readouterr().out
    with open_gradebook(settings.db_url, settings.course_id) as gradebook:
        assert [
            (s.id, s.first_name, s.last_name)
            for s in sorted(gradebook.students, key=lambda s: s.id)
        ] == [("ana", "Ana", "Okafor"), ("ben", "Ben", "Li")]
    bad = course / "bad.csv"
    bad.write_text("username,first_name,last_name\nana,,Okafor\n")
    assert cli.main(["roster", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}: line 2: no first_name" in err and "Traceback" not in err
    with open_gradebook(settings.db_url, settings.course_id) as gradebook:
        assert gradebook.find_student("ana").first_name == "Ana"


def test_add_submission_refuses_a_file_that_is_not_a_notebook(
    course: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real run up to the e-mailed file: a broken notebook, a missing file or a bad time exits 1, plainly."""
    from changekit.settings import current

    for name in [n for n in os.environ if n.startswith("CHANGEKIT_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(course)
    settings = current()
    inbound = settings.exchange / settings.course_id / "inbound"
    inbound.mkdir(parents=True)
    (course / "release" / "a").mkdir(parents=True)
    (course / "release" / "a" / "a.ipynb").write_text("{}")
    mail = course / "a.ipynb"
    mail.write_text("this is the e-mail's text, not a notebook")
    assert (
        cli.main(["add-submission", "a", "trainee1", str(mail), "--sent", "2026-11-30 17:05"]) == 1
    )
    assert capsys.readouterr().err == (
        "The e-mailed a.ipynb is not a notebook Jupyter can open (it may be cut "
        "short or saved as something else). Ask the trainee to send it again.\n"
    )
    assert (
        cli.main(
            [
                "add-submission",
                "a",
                "trainee1",
                str(course / "gone.ipynb"),
                "--sent",
                "2026-11-30 17:05",
            ]
        )
        == 1
    )
    assert f"The e-mailed file {course / 'gone.ipynb'} cannot be read" in capsys.readouterr().err
    assert cli.main(["add-submission", "a", "trainee1", str(mail), "--sent", "Friday teatime"]) == 1
    assert "Write the time the e-mail was sent in London time" in capsys.readouterr().err
    assert list(inbound.iterdir()) == [], "nothing reaches the exchange"


def test_regrade_says_what_was_kept_and_what_to_look_at(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``regrade`` prints the grading table, the marks kept and the overridden tests; a failed one exits 1."""
    from changekit.grading import recovery
    from changekit.grading.parallel import FAILED, GRADED, Outcome, Report

    def regraded(outcomes: list[Outcome]) -> Callable[..., recovery.Regraded]:
        def regrade_all(assignment: str, *, jobs: int | None = None) -> recovery.Regraded:
            calls.append((assignment, jobs))
            return recovery.Regraded(
                Report(assignment, outcomes, 3.0, Path("logs")), 2, [("ana", "test_mean")]
            )

        return regrade_all

    calls: list[tuple[str, int | None]] = []
    monkeypatch.setattr(
        recovery, "regrade_all", regraded([Outcome("ana", GRADED), Outcome("ben", GRADED)])
    )
    assert cli.main(["regrade", "tiny", "-j", "2"]) == 0
    out = capsys.readouterr().out
    assert calls == [("tiny", 2)]
    assert "tiny: 2 graded now, 0 already graded, 0 failed" in out
    assert "2 written answer marks you had given are kept as marked." in out
    assert "    ana: test_mean" in out
    monkeypatch.setattr(
        recovery, "regrade_all", regraded([Outcome("ana", FAILED, reason="a cell appears twice")])
    )
    assert cli.main(["regrade", "tiny"]) == 1
    assert "a cell appears twice" in capsys.readouterr().out


def test_a_step_that_fails_is_named_with_its_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CHANGEKIT_DEBUG", raising=False)
    replace_function(monkeypatch, "moderate status", a_bug)
    assert cli.main(["moderate", "status", "a"]) == 2
    err = capsys.readouterr().err
    assert "changekit moderate status stopped on an internal error (KeyError)" in err
    Path(re.search(r"The details are in (\S+);", err).group(1)).unlink()


def run_changekit(*argv: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """The installed ``changekit`` script, as a tutor runs it."""
    return subprocess.run(
        [CHANGEKIT, *argv], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A course folder of its own (config and source/), with nothing started in it."""
    root = tmp_path / "course"
    (root / "source" / "a").mkdir(parents=True)
    shutil.copy(course_root() / "nbgrader_config.py", root)
    return root


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without any ``CHANGEKIT_*`` setting, plus ``extra``."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("CHANGEKIT_")}
    return {**env, **extra}


def test_the_installed_script_exits_0_1_and_2(course: Path, tmp_path: Path) -> None:
    done = run_changekit("stop", cwd=course, env=clean_env())
    assert (done.returncode, done.stderr) == (0, "")
    assert "No course hub is running" in done.stdout

    done = run_changekit("publish", "nonsense", cwd=course, env=clean_env())
    assert done.returncode == 1
    assert (
        done.stderr.startswith("No assignment called nonsense") and "Traceback" not in done.stderr
    )

    done = run_changekit("grade", cwd=course, env=clean_env())
    assert (
        done.returncode == 1 and "the following arguments are required: assignment" in done.stderr
    )

    # A bug, planted where Python looks on start-up (sitecustomize), in the script's real path.
    plant = tmp_path / "plant"
    plant.mkdir()
    (plant / "sitecustomize.py").write_text(
        "import changekit.course_commands\n"
        "def release():\n"
        "    raise ZeroDivisionError('planted')\n"
        "changekit.course_commands.release = release\n"
    )
    env = clean_env(PYTHONPATH=str(plant))
    done = run_changekit("release", cwd=course, env=env)
    assert done.returncode == 2
    assert "internal error (ZeroDivisionError)" in done.stderr and "Traceback" not in done.stderr
    written = Path(re.search(r"The details are in (\S+);", done.stderr).group(1))
    assert "ZeroDivisionError: planted" in written.read_text()
    written.unlink()

    done = run_changekit("release", cwd=course, env={**env, "CHANGEKIT_DEBUG": "1"})
    assert (
        done.returncode == 2
        and "Traceback" in done.stderr
        and "ZeroDivisionError: planted" in done.stderr
    )
