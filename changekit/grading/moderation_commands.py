"""``changekit moderate``: the second-marking sample, second marks, disagreements and agreed marks.

The first marks come from the formgrader (recorded with the tutor's login by
the grading service); these commands run the rest of moderation on the same
gradebook (``changekit.grading.moderation``). On the command line a marker
names themselves with ``--marker``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import pandas as pd

from changekit.errors import DataError


def _with_gradebook(action: Callable[..., pd.DataFrame | str], args: argparse.Namespace) -> int:
    """Run ``action(gradebook, args)`` on the course's gradebook and print what it returns; 2 for bad input."""
    from changekit.grading.gradebook import course_settings

    settings = course_settings()
    if not settings.has_gradebook:
        print("There is no gradebook yet: release, collect and mark an assignment first.", file=sys.stderr)
        return 2
    try:
        with settings.gradebook() as gradebook:
            shown = action(gradebook, args)
    except DataError as error:
        print(error, file=sys.stderr)
        return 2
    print(shown.to_string(index=False) if isinstance(shown, pd.DataFrame) else shown)
    return 0


def _sample(gradebook, args: argparse.Namespace) -> pd.DataFrame:
    from changekit.grading.moderation import choose_second_marking

    return choose_second_marking(gradebook, args.assignment, args.second_marker, share=args.share,
                                 seed=args.seed, replace=args.replace)


def _status(gradebook, args: argparse.Namespace) -> pd.DataFrame:
    from changekit.grading.moderation import status

    return status(gradebook, args.assignment, tolerance=args.tolerance)


def _second(gradebook, args: argparse.Namespace) -> str:
    from changekit.grading.moderation import record_second_mark

    record_second_mark(gradebook, args.assignment, args.trainee, args.question, args.score, args.marker)
    return "Second mark recorded; the gradebook keeps the first mark until an agreed mark is recorded."


def _disagreements(gradebook, args: argparse.Namespace) -> pd.DataFrame:
    from changekit.grading.moderation import disagreements

    return disagreements(gradebook, args.assignment, tolerance=args.tolerance)


def _agree(gradebook, args: argparse.Namespace) -> str:
    from changekit.grading.moderation import record_agreed_mark

    record_agreed_mark(gradebook, args.assignment, args.trainee, args.question, args.score, args.marker)
    return "Agreed mark written to the gradebook (the formgrader shows it) and recorded with its marker."


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``moderate`` (with ``sample``, ``status``, ``second-mark``, ``disagreements``, ``agree``)."""
    parser = commands.add_parser(
        "moderate", help="second marking: draw the sample, record second and agreed marks, list disagreements",
        description="Moderation of tutors' marks. First marks are recorded with their marker when saved in the "
                    "formgrader; draw a sample per tutor for second marking, record second marks, list where "
                    "they differ, and record the agreed mark (which goes into the gradebook).",
    )
    steps = parser.add_subparsers(dest="step", required=True)

    step = steps.add_parser("sample", help="draw (and record) the submissions each second marker re-marks")
    step.add_argument("assignment")
    step.add_argument("--second-marker", action="append", required=True,
                      help="a tutor who second-marks (repeat for more); never given their own marking")
    step.add_argument("--share", type=float, default=0.10, help="share of each tutor's marking (default 0.1)")
    step.add_argument("--seed", type=int, help="the random seed (default: a new one, recorded)")
    step.add_argument("--replace", action="store_true", help="draw again, replacing the recorded sample")
    step.set_defaults(run=lambda args: _with_gradebook(_sample, args))

    step = steps.add_parser("status", help="per submission: marker, second marker, moderation status")
    step.add_argument("assignment")
    step.add_argument("--tolerance", type=float, default=0.0, help="marks two markers may differ by (default 0)")
    step.set_defaults(run=lambda args: _with_gradebook(_status, args))

    for name, action, help_text in (("second-mark", _second, "record a second marker's mark for one answer"),
                                    ("agree", _agree, "record the agreed mark for one answer (into the gradebook)")):
        step = steps.add_parser(name, help=help_text)
        step.add_argument("assignment")
        step.add_argument("trainee", help="the trainee's username")
        step.add_argument("question", help="the question's name, as in the export (e.g. reflect_strongest)")
        step.add_argument("score", type=float)
        step.add_argument("--marker", required=True, help="your login")
        step.set_defaults(run=lambda args, action=action: _with_gradebook(action, args))

    step = steps.add_parser("disagreements", help="answers whose second mark differs from the first")
    step.add_argument("assignment")
    step.add_argument("--tolerance", type=float, default=0.0, help="marks two markers may differ by (default 0)")
    step.set_defaults(run=lambda args: _with_gradebook(_disagreements, args))
