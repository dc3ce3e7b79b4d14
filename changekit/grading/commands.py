"""What ``changekit grade``, ``feedback``, ``extend``, ``regrade``, ``add-submission``, ``export``
and ``demo`` do (parsed by ``changekit.cli``).

Each function is what one subcommand runs, its options as keyword arguments;
a request that cannot be done raises a ``ChangekitError`` (``GradingError``,
``DemoError``, ``ExportError``, ``CourseError``), which the command line shows
as its message with exit code 1. Each imports its modules only when it runs,
so that ``changekit start`` and ``stop`` do not pay for loading nbgrader and pandas.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from changekit.settings import Settings


def grade(
    assignment: str,
    *,
    jobs: int | None = None,
    force: bool = False,
    max_output_mb: float = 10,
    all_rows: bool = False,
    quiet: bool = False,
) -> int:
    """Autograde every collected submission of one assignment; 1 if any failed, 130 if interrupted."""
    from changekit.grading.parallel import FAILED, grade_assignment

    try:
        report = grade_assignment(
            assignment, jobs=jobs, force=force, max_output_mb=max_output_mb, progress=not quiet
        )
    except KeyboardInterrupt:
        print("Stopped before grading began; nothing was changed.", file=sys.stderr)
        return 130
    print(report.table(all_rows=all_rows))
    if report.interrupted:
        return 130
    return 1 if report.count(FAILED) else 0


def feedback(assignment: str, *, include_unmarked: bool = False) -> int:
    """Generate feedback for an assignment and release it, warning about (and by default holding
    back) trainees whose answers are not all marked yet."""
    from changekit.grading.feedback import release_feedback

    done = release_feedback(assignment, include_unmarked=include_unmarked)
    if done.warning:
        print(f"WARNING: {done.warning}", file=sys.stderr)
    print(
        f"Feedback released to {len(done.released)} of {len(done.trainees)} trainees: "
        f"{', '.join(done.released) or 'none'}."
    )
    if done.held:
        print(
            f"Held back until marked: {', '.join(done.held)}. Run this again once they are marked "
            "(or add --include-unmarked to release it now, with 'not yet marked' in it)."
        )
    return 0


def extension_granted(
    settings: Settings, assignment: str, trainee: str, *, days: int = 0, hours: int = 0
) -> str:
    """Grant (or with 0 and 0 remove) ``trainee``'s extension on ``assignment``; what to tell the tutor.

    What ``changekit extend`` prints and the control panel's Grant extension shows.
    """
    from changekit.grading.collect import grant_extension
    from changekit.grading.deadlines import london_text, personal_due
    from changekit.grading.gradebook import open_gradebook

    extension = grant_extension(settings, assignment, trainee, days=days, hours=hours)
    with open_gradebook(settings.db_url, settings.course_id) as gradebook:
        due = london_text(personal_due(gradebook.find_assignment(assignment).duedate, extension))
    if extension is None:
        return f"{trainee} has no extension on {assignment}: due {due}."
    return f"{trainee} now has until {due} for {assignment}. Collect again to pick up a submission this makes on time."


def extend(assignment: str, trainee: str, *, days: int = 0, hours: int = 0) -> int:
    """Give ``trainee`` their own due date for ``assignment`` (London calendar days); 0 and 0 removes it."""
    from changekit.settings import current

    print(extension_granted(current(), assignment, trainee, days=days, hours=hours))
    return 0


def regrade(assignment: str, *, jobs: int | None = None, all_rows: bool = False) -> int:
    """Regenerate ``assignment`` from ``source/`` and autograde every submission again, keeping tutors' marks."""
    from changekit.grading.parallel import FAILED
    from changekit.grading.recovery import regrade_all

    done = regrade_all(assignment, jobs=jobs)
    print(done.report.table(all_rows=all_rows))
    print(
        f"Regenerated {assignment} from source/ and regraded every submission. {done.marks_kept} written "
        f"answer mark{'s' if done.marks_kept != 1 else ''} you had given {'are' if done.marks_kept != 1 else 'is'} "
        "kept as marked."
    )
    if done.to_review:
        print(
            "Test scores you had overridden stay yours but need a look in the formgrader (the test changed):"
        )
        for trainee, grade_id in done.to_review:
            print(f"    {trainee}: {grade_id}")
    if done.report.interrupted:
        return 130
    return 1 if done.report.count(FAILED) else 0


def add_submission(assignment: str, trainee: str, file: Path, *, sent: str) -> int:
    """Put an e-mailed notebook or zip into the exchange, dated when it was sent (London time), and collect it."""
    from changekit.errors import DataError
    from changekit.grading.deadlines import london_text
    from changekit.grading.recovery import add_emailed_submission, parse_london_time

    when = parse_london_time(sent)
    try:
        content = Path(file).read_bytes()
    except OSError as error:
        raise DataError(
            f"The e-mailed file {file} cannot be read ({error.strerror}): save the attachment "
            "and give its path."
        ) from None
    done = add_emailed_submission(assignment, trainee, Path(file).name, content, when)
    which = (
        "It is the submission that counts under the late policy. Next: changekit grade "
        f"{assignment}."
        if done.counts
        else "It is not the one that counts under the late policy: another of this trainee's submissions "
        "(their last before the due date, or a later one) stays collected."
    )
    print(
        f"Added the e-mailed submission of {assignment}, sent {london_text(when)}, and collected it. {which}"
    )
    return 0


def export_grades(
    out: Path | None = None, *, assignment: str | None = None, suppress_below: int = 5
) -> int:
    """Write the per-trainee and per-question CSV files."""
    from changekit.grading.export import export

    written = export(out, assignment=assignment, threshold=suppress_below)
    print(f"{written.trainees} trainees, one column per question: {written.by_trainee}")
    print(
        f"{written.questions} questions, counts under {suppress_below} suppressed: {written.by_question}"
    )
    return 0


def demo(state_dir: Path | None = None, *, trainees: int = 30, jobs: int | None = None) -> int:
    """Run the demo cohort through the whole cycle, then say how to open the dashboard."""
    from changekit.grading.demo import run_demo
    from changekit.settings import current

    result = run_demo(state_dir or current().state / "demo", size=trainees, jobs=jobs)
    print(
        f"\nFeedback reached {result.trainees[0].name}: {', '.join(map(str, result.feedback)) or 'none'}"
    )
    print(
        "\nOpen the tutor dashboard on this cohort with:\n"
        f"    {result.dashboard_command}\n"
        "and run all its cells. Or export the grades:\n"
        f"    CHANGEKIT_STATE_DIR={result.state_dir} {Path(sys.executable).parent / 'changekit'} export"
    )
    return 0
