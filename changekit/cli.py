"""The ``changekit`` command line: course tooling for tutors and admins.

    changekit start     publish what changed and run the local JupyterHub on 127.0.0.1
    changekit stop      stop the hub that ``start`` began
    changekit release   regenerate release/ from source/
    changekit publish   release to the exchange the assignments named or changed
    changekit data      regenerate data/ and the copies in source/
    changekit grade     autograde an assignment's submissions in parallel
    changekit feedback  generate and release feedback, holding back trainees not yet marked
    changekit extend    give a trainee their own due date
    changekit regrade   regenerate an assignment after a fixed test and grade everything again
    changekit add-submission
                        an e-mailed submission into the exchange, dated when sent, collected
    changekit roster    trainees' names (roster.csv) into the gradebook
    changekit moderate  second marking, in steps: moderate sample | status | second-mark |
                        disagreements | agree (``changekit moderate STEP --help``)
    changekit export    grades per trainee and per question, as CSV
    changekit portfolio a Word summary per trainee, for the e-portfolio
    changekit demo      a made-up cohort graded end to end, for the dashboard
    changekit backup    the course's data in one archive
    changekit restore   put a backup back, checking every file
    changekit forget    erase one trainee everywhere

Run them in the course folder (or set CHANGEKIT_COURSE_ROOT).

Exit codes, the same for every command:

    0    done
    1    not done as asked: bad arguments, or a request that cannot be done as
         given (no course here, an unknown assignment, a port in use, ...); the
         message on stderr says why and what to do. ``grade`` also exits 1 when
         any submission could not be graded (its table says which and why).
    2    an internal error: a bug in changekit, not something you did. A short
         message names the error and the file the details (the traceback) were
         written to; with CHANGEKIT_DEBUG=1 the traceback is printed instead.
    130  stopped with Ctrl-C.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn

from changekit.errors import ChangekitError

USER_ERROR, INTERNAL_ERROR, INTERRUPTED = 1, 2, 130


@dataclass(frozen=True)
class Option:
    """One command-line argument: ``argparse``'s ``add_argument(*flags, **settings)``, optionally in a group."""

    flags: tuple[str, ...]
    settings: dict[str, Any]
    group: str | None = None


def option(*flags: str, group: str | None = None, **settings: Any) -> Option:
    """An ``Option``, written as ``add_argument`` would be called."""
    return Option(flags, settings, group)


@dataclass(frozen=True)
class Command:
    """A subcommand: its name, what it says about itself, and the Python function it runs.

    ``function`` is ``"module:name"``, imported only when the command runs (so
    ``changekit stop`` does not load nbgrader and pandas); it is called with
    the parsed options as keyword arguments and returns the exit code. A
    command with ``steps`` is parsed as a nested subcommand: each step is a
    ``Command`` of its own, named on the command line after its parent's name.
    """

    name: str
    function: str
    help: str
    description: str = ""
    options: tuple[Option, ...] = ()
    #: Sub-steps (``changekit moderate sample``): a command with steps runs none itself (``function`` is "").
    steps: tuple[Command, ...] = ()

    def resolve(self) -> Callable[..., int]:
        """The function this command runs."""
        module, name = self.function.split(":")
        return getattr(importlib.import_module(module), name)


def location_options() -> tuple[Option, ...]:
    """Where the course's data is, for the admin commands (see ``changekit.admin.locations``)."""
    return (
        option(
            "--course",
            type=Path,
            group="locations",
            help="the course folder ($CHANGEKIT_COURSE_ROOT; production /srv/pich/course)",
        ),
        option(
            "--state",
            type=Path,
            group="locations",
            help="gradebook and state folder ($CHANGEKIT_STATE_DIR; default <course>/var)",
        ),
        option(
            "--exchange",
            type=Path,
            group="locations",
            help="nbgrader's exchange ($CHANGEKIT_EXCHANGE; default <state>/exchange; production "
            "/srv/nbgrader/exchange)",
        ),
        option(
            "--hub-dir",
            dest="hub",
            type=Path,
            group="locations",
            help="the hub's own folder ($CHANGEKIT_HUB_DIR; default <state>/hub; production /opt/pich/hub)",
        ),
        option(
            "--homes",
            type=Path,
            group="locations",
            help="the folder holding the users' homes ($CHANGEKIT_HOMES; default <hub>/home; production /home)",
        ),
        option(
            "--gradebook-url",
            group="locations",
            help="the gradebook's database URL ($CHANGEKIT_DB_URL; default SQLite <state>/gradebook.db)",
        ),
        option(
            "--hub-db-url",
            group="locations",
            help="the hub's database URL ($CHANGEKIT_HUB_DB_URL; default SQLite <hub>/jupyterhub.sqlite)",
        ),
    )


#: What each option group says about its options.
GROUPS = {
    "locations": (
        "Where the data is. Each option defaults to its environment setting, as the course itself reads it: "
        "on a production server load /opt/pich/etc/pich.env first (set -a; . /opt/pich/etc/pich.env; set +a) "
        "and add --homes /home."
    ),
}


def moderation_steps() -> tuple[Command, ...]:
    """The steps of ``changekit moderate``."""
    module = "changekit.grading.moderation_commands"
    assignment = option("assignment", help="the assignment id, e.g. reflection")
    tolerance = option(
        "--tolerance", type=float, default=0.0, help="marks two markers may differ by (default 0)"
    )

    def one_answer(name: str, function: str, help: str) -> Command:
        return Command(
            name,
            f"{module}:{function}",
            help,
            options=(
                assignment,
                option("trainee", help="the trainee's username"),
                option(
                    "question",
                    help="the question's name, as in the export (e.g. reflect_strongest)",
                ),
                option("score", type=float, help="the mark"),
                option("--marker", required=True, help="your login"),
            ),
        )

    return (
        Command(
            "sample",
            f"{module}:sample",
            "draw (and record) the submissions each second marker re-marks",
            options=(
                assignment,
                option(
                    "--second-marker",
                    action="append",
                    required=True,
                    help="a tutor who second-marks (repeat for more); never given their own marking",
                ),
                option(
                    "--share",
                    type=float,
                    default=0.10,
                    help="share of each tutor's marking (default 0.1)",
                ),
                option("--seed", type=int, help="the random seed (default: a new one, recorded)"),
                option(
                    "--replace",
                    action="store_true",
                    help="draw again, replacing the recorded sample",
                ),
            ),
        ),
        Command(
            "status",
            f"{module}:status",
            "per submission: marker, second marker, moderation status",
            options=(assignment, tolerance),
        ),
        one_answer("second-mark", "second_mark", "record a second marker's mark for one answer"),
        Command(
            "disagreements",
            f"{module}:disagreements",
            "answers whose second mark differs from the first",
            options=(assignment, tolerance),
        ),
        one_answer("agree", "agree", "record the agreed mark for one answer (into the gradebook)"),
    )


def commands() -> tuple[Command, ...]:
    """Every subcommand, in the order ``changekit --help`` lists them."""
    jobs = os.cpu_count() or 1
    return (
        Command(
            "start",
            "changekit.hub.lifecycle:start",
            "run the course hub on 127.0.0.1",
            "Release to the exchange the assignments whose source changed, prepare the logins, "
            "then run the local JupyterHub (deploy/local) until Ctrl-C or `changekit stop`.",
            (option("--port", type=int, help="the hub's port (default $CHANGEKIT_PORT, or 8000)"),),
        ),
        Command("stop", "changekit.hub.lifecycle:stop", "stop the course hub"),
        Command("release", "changekit.course_commands:release", "regenerate release/ from source/"),
        Command(
            "publish",
            "changekit.course_commands:publish",
            "generate and release assignments to the exchange",
            options=(
                option(
                    "assignments",
                    nargs="*",
                    help="assignment ids to release again "
                    "(default: only those whose source changed)",
                ),
            ),
        ),
        Command("data", "changekit.course_commands:data", "regenerate data/ and its copies"),
        Command(
            "grade",
            "changekit.grading.commands:grade",
            "autograde every collected submission of an assignment, in parallel",
            "Autograde every collected submission (submitted/<trainee>/<assignment>/) with nbgrader, "
            "several at a time. Submissions already graded are skipped, so after an interruption "
            "the same command carries on.",
            (
                option("assignment", help="the assignment id, e.g. quantify_a_service_problem"),
                option(
                    "--jobs",
                    "-j",
                    type=int,
                    help="submissions graded at once (default: as many as the CPUs and memory this process "
                    "is allowed, cgroup limits included; the summary says how many)",
                ),
                option("--force", action="store_true", help="grade every submission again"),
                option(
                    "--max-output-mb",
                    type=float,
                    default=10,
                    help="output kept per cell while grading; the rest is dropped (default 10)",
                ),
                option(
                    "--all",
                    dest="all_rows",
                    action="store_true",
                    help="list every submission in the summary",
                ),
                option("--quiet", action="store_true", help="no progress bar"),
            ),
        ),
        Command(
            "feedback",
            "changekit.grading.commands:feedback",
            "generate and release an assignment's feedback, holding back unmarked trainees",
            "Generate every trainee's feedback for an assignment and release it through the exchange. "
            "While any of a trainee's written answers is not yet marked, this warns and holds that "
            "trainee's feedback back (their feedback would say 'not yet marked').",
            (
                option("assignment", help="the assignment id, e.g. quantify_a_service_problem"),
                option(
                    "--include-unmarked",
                    action="store_true",
                    help="release to every trainee, even those with answers not yet marked (still warns)",
                ),
            ),
        ),
        Command(
            "extend",
            "changekit.grading.commands:extend",
            "give a trainee their own due date for an assignment",
            "Grant a trainee an extension on an assignment, replacing any earlier one, before or after "
            "they submit. Days are London calendar days (an extension across the clock change still ends "
            "at the same time of day); --days 0 --hours 0 removes it. Collect again afterwards to pick up "
            "a submission the extension makes on time.",
            (
                option("assignment", help="the assignment id, e.g. quantify_a_service_problem"),
                option("trainee", help="the trainee's user name"),
                option("--days", type=int, default=0, help="London calendar days (default 0)"),
                option("--hours", type=int, default=0, help="hours, after the days (default 0)"),
            ),
        ),
        Command(
            "regrade",
            "changekit.grading.commands:regrade",
            "regenerate an assignment after a fixed test and autograde every submission again",
            "Regenerate the assignment from source/ (so the gradebook holds the fixed tests) and autograde "
            "every collected submission again. Written answers a tutor had marked stay marked; test "
            "scores a tutor had overridden keep the tutor's score and are listed for a look.",
            (
                option("assignment", help="the assignment id, e.g. quantify_a_service_problem"),
                option(
                    "--jobs",
                    "-j",
                    type=int,
                    help="submissions graded at once (default: as for grade)",
                ),
                option(
                    "--all",
                    dest="all_rows",
                    action="store_true",
                    help="list every submission in the summary",
                ),
            ),
        ),
        Command(
            "add-submission",
            "changekit.grading.commands:add_submission",
            "add a submission that came by e-mail, dated when it was sent, and collect it",
            "Put an e-mailed notebook (.ipynb) or zip of the assignment folder into the exchange exactly "
            "as nbgrader submit would, stamped with the time the e-mail was sent, then collect it for "
            "that trainee: the late policy decides which of their submissions counts.",
            (
                option("assignment", help="the assignment id, e.g. quantify_a_service_problem"),
                option("trainee", help="the trainee's user name"),
                option("file", type=Path, help="the e-mailed .ipynb or .zip"),
                option(
                    "--sent",
                    required=True,
                    help="when the e-mail was sent, London time: '2027-01-15 17:05' or '15/01/2027 17:05'",
                ),
            ),
        ),
        Command(
            "roster",
            "changekit.grading.roster:roster",
            "give trainees their names (from roster.csv) in the gradebook and formgrader",
            "Read a roster CSV with the columns username, first_name, last_name and, optionally, email "
            "(one line per trainee; username is their hub login) and add or update each trainee in the "
            "gradebook, so the formgrader and the export show names. A bad roster is refused as a whole, "
            "naming the lines and columns to correct. `changekit publish` and `start` read it too.",
            (
                option(
                    "path",
                    nargs="?",
                    type=Path,
                    help="the roster (default: roster.csv in the state folder, else in the course folder)",
                ),
            ),
        ),
        Command(
            "moderate",
            "",
            "second marking: draw the sample, record second and agreed marks, list disagreements",
            "Moderation of tutors' marks. First marks are recorded with their marker when saved in the "
            "formgrader; draw a sample per tutor for second marking, record second marks, list where they "
            "differ, and record the agreed mark (which goes into the gradebook).",
            steps=moderation_steps(),
        ),
        Command(
            "export",
            "changekit.grading.commands:export_grades",
            "export grades: one row per trainee, and a per-question summary",
            "Write two CSV files from the gradebook: one row per trainee with a column per graded "
            "question (assignment:question) and each assignment's total; and, beside it "
            "(*_by_question.csv), per question the number marked, the mean and the share with full "
            "marks, with small numbers suppressed.",
            (
                option("--assignment", help="only this assignment (default: all)"),
                option(
                    "--out",
                    type=Path,
                    help="the per-trainee CSV (default: <state>/exports/grades.csv)",
                ),
                option(
                    "--suppress-below",
                    type=int,
                    default=5,
                    metavar="N",
                    help="in the summary, show counts from 1 to N-1 as '<N' (default 5)",
                ),
            ),
        ),
        Command(
            "portfolio",
            "changekit.grading.portfolio:portfolio",
            "a Word summary per trainee (marks per learning outcome, comments) for the e-portfolio",
            "Write one Word file per trainee: marks per learning outcome and per assignment, when each was "
            "submitted, due date, extension, lateness, moderation, and the tutors' comments.",
            (
                option("--student", action="append", help="only this trainee (repeat for more)"),
                option("--out", type=Path, help="the folder (default: <state>/exports/portfolio)"),
            ),
        ),
        Command(
            "demo",
            "changekit.grading.commands:demo",
            "grade a made-up cohort of 30 trainees, for the tutor dashboard",
            "Release 'quantify a service problem' to a synthetic cohort in a separate state folder, "
            "have each trainee fetch and submit it through the exchange, collect, grade in parallel, "
            "and return feedback. Your real gradebook is not touched.",
            (
                option(
                    "--state-dir",
                    type=Path,
                    help="where the demo keeps its course, gradebook and exchange (default <state>/demo)",
                ),
                option("--trainees", type=int, default=30, help="cohort size (default 30)"),
                option(
                    "--jobs",
                    "-j",
                    type=int,
                    default=jobs,
                    help="submissions handled at once (default: one per CPU)",
                ),
            ),
        ),
        Command(
            "backup",
            "changekit.admin.commands:backup",
            "back up the gradebook, course, exchange, submissions, hub and homes into one file",
            "Write one .tar.gz (mode 0600) with the course folder (submitted/, autograded/, feedback/), "
            "the state folder, the exchange, the hub's folder, the users' homes, and consistent copies "
            "of the gradebook and hub databases (SQLite's online backup, or pg_dump for PostgreSQL). "
            "Safe while the hub runs. Run it as root on a production server.",
            (
                option(
                    "--out",
                    type=Path,
                    help="the archive to write (default <state>/backups/<course>-backup-<time>.tar.gz)",
                ),
                *location_options(),
            ),
        ),
        Command(
            "restore",
            "changekit.admin.commands:restore",
            "restore a backup into new or empty folders, checking every file",
            "Put a backup back. Each folder goes where it was, or where you say; a folder that was "
            "inside another (state inside the course) follows it. Restore never overwrites: every "
            "target must be missing or empty. Every file is checked against the backup's checksums.",
            (
                option("archive", type=Path, help="the .tar.gz written by changekit backup"),
                *location_options(),
            ),
        ),
        Command(
            "forget",
            "changekit.admin.commands:forget",
            "erase one trainee everywhere (gradebook, submissions, exchange, home, hub login)",
            "Find everything the course holds about one trainee, show it, ask you to confirm, erase "
            "it, report what was removed, and search every folder for the name again.",
            (
                option("trainee", help="the trainee's user name, exactly as they log in"),
                option("--yes", action="store_true", help="do not ask for confirmation"),
                option(
                    "--hub-url",
                    help="the hub's address, to delete the hub user through its REST API",
                ),
                option(
                    "--hub-token",
                    help="an API token with the admin:users scope (or $CHANGEKIT_HUB_TOKEN, "
                    "which keeps it out of the process list)",
                ),
                *location_options(),
            ),
        ),
    )


class Parser(argparse.ArgumentParser):
    """``argparse``'s parser, but bad arguments are a user error like any other: exit code 1, not 2."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(USER_ERROR, f"{self.prog}: {message} (see {self.prog} --help)\n")


def add_command(subparsers: argparse._SubParsersAction, command: Command, prefix: str = "") -> None:
    """Register ``command`` (and its steps, as a nested subparser) under ``subparsers``."""
    subparser = subparsers.add_parser(
        command.name, help=command.help, description=command.description or command.help
    )
    groups: dict[str, argparse._ArgumentGroup] = {}
    for item in command.options:
        if item.group and item.group not in groups:
            groups[item.group] = subparser.add_argument_group(item.group, GROUPS[item.group])
        (groups[item.group] if item.group else subparser).add_argument(*item.flags, **item.settings)
    name = f"{prefix}{command.name}"
    if command.steps:
        steps = subparser.add_subparsers(title="steps", metavar="STEP", required=True)
        for step in command.steps:
            add_command(steps, step, prefix=f"{name} ")
    else:
        subparser.set_defaults(command=replace(command, name=name))


def build_parser() -> Parser:
    """The ``changekit`` parser: every command in ``commands()``, registered the same way."""
    parser = Parser(
        prog="changekit", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for command in commands():
        add_command(subparsers, command)
    return parser


def report_internal_error(command: str, error: Exception) -> None:
    """Say on stderr that ``command`` stopped on a bug; the traceback goes to a file (or here, when debugging)."""
    details = "".join(traceback.format_exception(error))
    if os.environ.get("CHANGEKIT_DEBUG") == "1":
        print(details, file=sys.stderr, end="")
        return
    descriptor, name = tempfile.mkstemp(
        prefix="changekit-error-", suffix=".txt"
    )  # readable by you only
    with os.fdopen(descriptor, "w") as file:
        file.write(f"changekit {command}\n\n{details}")
    print(
        f"changekit {command} stopped on an internal error ({type(error).__name__}): a bug in changekit, "
        f"not something you did. The details are in {name}; please send that file to whoever looks "
        "after the course. CHANGEKIT_DEBUG=1 shows them here instead.",
        file=sys.stderr,
    )


def main(argv: list[str] | None = None) -> int:
    """Run one ``changekit`` command; return its exit code (see the module docstring)."""
    try:
        args = vars(build_parser().parse_args(argv))
    except SystemExit as stop:  # --help (0) or bad arguments (1)
        return int(stop.code or 0)
    command: Command = args.pop("command")
    try:
        return command.resolve()(**args)
    except ChangekitError as error:
        print(error, file=sys.stderr)
        return USER_ERROR
    except KeyboardInterrupt:
        print(f"changekit {command.name}: stopped (Ctrl-C).", file=sys.stderr)
        return INTERRUPTED
    except Exception as error:  # noqa: BLE001 (anything else is a bug: exit code 2, see the docstring)
        report_internal_error(command.name, error)
        return INTERNAL_ERROR


if __name__ == "__main__":
    sys.exit(main())
