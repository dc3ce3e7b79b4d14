"""The ``changekit grade``, ``feedback``, ``export`` and ``demo`` subcommands (registered by ``changekit.cli``).

Each command imports its module only when it runs, so that ``changekit
start`` and ``stop`` do not pay for loading nbgrader and pandas.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def grade(args: argparse.Namespace) -> int:
    """Autograde every collected submission of one assignment; 1 if any failed."""
    from changekit.grading.parallel import FAILED, GradingError, grade_assignment

    try:
        report = grade_assignment(
            args.assignment, jobs=args.jobs, force=args.force, max_output_mb=args.max_output_mb,
            progress=not args.quiet,
        )
    except GradingError as error:
        print(error, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Stopped before grading began; nothing was changed.", file=sys.stderr)
        return 130
    print(report.table(all_rows=args.all))
    if report.interrupted:
        return 130
    return 1 if report.count(FAILED) else 0


def feedback(args: argparse.Namespace) -> int:
    """Generate feedback for an assignment and release it, warning about (and by default holding
    back) trainees whose answers are not all marked yet."""
    from changekit.course import nbgrader
    from changekit.grading.gradebook import (
        course_settings,
        grade_table,
        unmarked_feedback_warning,
        waiting_for_a_mark,
    )

    settings = course_settings()
    with settings.gradebook() as gradebook:
        grades = grade_table(gradebook, args.assignment)
    trainees = sorted(set(grades["student"]))
    if not trainees:
        print(f"No graded submissions of {args.assignment} yet: collect and grade them first.", file=sys.stderr)
        return 2
    warning = unmarked_feedback_warning(grades, args.assignment)
    waiting = set(waiting_for_a_mark(grades)["student"])
    if warning:
        print(f"WARNING: {warning}", file=sys.stderr)
    release = trainees if args.include_unmarked else [t for t in trainees if t not in waiting]
    nbgrader("generate_feedback", args.assignment, "--force", cwd=settings.root)
    for trainee in release:
        nbgrader("release_feedback", args.assignment, f"--student={trainee}", cwd=settings.root)
    print(f"Feedback released to {len(release)} of {len(trainees)} trainees: {', '.join(release) or 'none'}.")
    held = [t for t in trainees if t not in release]
    if held:
        print(f"Held back until marked: {', '.join(held)}. Run this again once they are marked "
              "(or add --include-unmarked to release it now, with 'not yet marked' in it).")
    return 0


def export_grades(args: argparse.Namespace) -> int:
    """Write the per-trainee and per-question CSV files."""
    from changekit.grading.export import export

    try:
        written = export(args.out, assignment=args.assignment, threshold=args.suppress_below)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"{written.trainees} trainees, one column per question: {written.by_trainee}")
    print(f"{written.questions} questions, counts under {args.suppress_below} suppressed: {written.by_question}")
    return 0


def demo(args: argparse.Namespace) -> int:
    """Run the demo cohort through the whole cycle, then say how to open the dashboard."""
    from changekit.course import CourseError
    from changekit.grading.demo import DemoError, run_demo
    from changekit.grading.parallel import GradingError
    from changekit.paths import state_dir

    try:
        result = run_demo(args.state_dir or state_dir() / "demo", size=args.trainees, jobs=args.jobs)
    except (DemoError, GradingError, CourseError) as error:
        print(error, file=sys.stderr)
        return 2
    print(f"\nFeedback reached {result.trainees[0].name}: {', '.join(map(str, result.feedback)) or 'none'}")
    print("\nOpen the tutor dashboard on this cohort with:\n"
          f"    {result.dashboard_command}\n"
          "and run all its cells. Or export the grades:\n"
          f"    CHANGEKIT_STATE_DIR={result.state_dir} {Path(sys.executable).parent / 'changekit'} export")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``grade``, ``export`` and ``demo`` to the ``changekit`` command line."""
    parser = commands.add_parser(
        "grade", help="autograde every collected submission of an assignment, in parallel",
        description="Autograde every collected submission (submitted/<trainee>/<assignment>/) with "
                    "nbgrader, several at a time. Submissions already graded are skipped, so after "
                    "an interruption the same command carries on.",
    )
    parser.add_argument("assignment", help="the assignment id, e.g. quantify_a_service_problem")
    parser.add_argument("--jobs", "-j", type=int, default=None,
                        help="submissions graded at once (default: as many as the CPUs and memory "
                             "this process is allowed, cgroup limits included; the summary says how many)")
    parser.add_argument("--force", action="store_true", help="grade every submission again")
    parser.add_argument("--max-output-mb", type=float, default=10,
                        help="output kept per cell while grading; the rest is dropped (default 10)")
    parser.add_argument("--all", action="store_true", help="list every submission in the summary")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=grade)

    parser = commands.add_parser(
        "feedback", help="generate and release an assignment's feedback, holding back unmarked trainees",
        description="Generate every trainee's feedback for an assignment and release it through the "
                    "exchange. While any of a trainee's written answers is not yet marked, this warns "
                    "and holds that trainee's feedback back (their feedback would say 'not yet marked').",
    )
    parser.add_argument("assignment", help="the assignment id, e.g. quantify_a_service_problem")
    parser.add_argument("--include-unmarked", action="store_true",
                        help="release to every trainee, even those with answers not yet marked (still warns)")
    parser.set_defaults(run=feedback)

    parser = commands.add_parser(
        "export", help="export grades: one row per trainee, and a per-question summary",
        description="Write two CSV files from the gradebook: one row per trainee with a column per "
                    "graded question (assignment:question) and each assignment's total; and, beside "
                    "it (*_by_question.csv), per question the number marked, the mean and the share "
                    "with full marks, with small numbers suppressed.",
    )
    parser.add_argument("--assignment", help="only this assignment (default: all)")
    parser.add_argument("--out", type=Path, help="the per-trainee CSV (default: var/exports/grades.csv)")
    parser.add_argument("--suppress-below", type=int, default=5, metavar="N",
                        help="in the summary, show counts from 1 to N-1 as '<N' (default 5)")
    parser.set_defaults(run=export_grades)

    parser = commands.add_parser(
        "demo", help="grade a made-up cohort of 30 trainees, for the tutor dashboard",
        description="Release 'quantify a service problem' to a synthetic cohort in a separate state "
                    "folder, have each trainee fetch and submit it through the exchange, collect, "
                    "grade in parallel, and return feedback. Your real gradebook is not touched.",
    )
    parser.add_argument("--state-dir", type=Path,
                        help="where the demo keeps its course, gradebook and exchange (default var/demo)")
    parser.add_argument("--trainees", type=int, default=30, help="cohort size (default 30)")
    parser.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1,
                        help="submissions handled at once (default: one per CPU)")
    parser.set_defaults(run=demo)
