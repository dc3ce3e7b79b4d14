"""The tutor dashboard's workings: who has submitted, what is late, what to mark, where trainees struggle.

``notebooks/tutor_dashboard.ipynb`` calls these functions; each returns a
table or a chart, so they can be tested without a notebook. Everything comes
from the gradebook the course config names (``CHANGEKIT_STATE_DIR`` moves it,
e.g. to the demo cohort in ``var/demo``). An empty or missing gradebook gives
empty tables and a plain "no submissions yet".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import Markdown
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from changekit.charts import finish, new_figure, new_grid
from changekit.grading.deadlines import london_text
from changekit.grading.gradebook import (
    GRADE_COLUMNS,
    GRADE_TYPES,
    course_settings,
    grade_table,
    late_text,
    unmarked_feedback_warning,
    waiting_for_a_mark,
)

NO_SUBMISSIONS = "No submissions yet: nothing has been collected and autograded for this course."

#: Bar fills that stay apart in greyscale print: light, mid and dark grey, with hatching.
GREYS = ("0.85", "0.55", "0.25")


@dataclass(frozen=True)
class Cohort:
    """What the gradebook holds: every grade, every assignment with its due date, every trainee."""

    grades: pd.DataFrame
    assignments: pd.DataFrame
    students: list[str]
    source: str

    @property
    def empty(self) -> bool:
        return self.grades.empty


def load(root: Path | None = None, env: dict[str, str] | None = None) -> Cohort:
    """Read the course gradebook (``root``: the course folder, default this one)."""
    settings = course_settings(root, env)
    if not settings.has_gradebook:
        return Cohort(
            pd.DataFrame(columns=GRADE_COLUMNS).astype(GRADE_TYPES),
            pd.DataFrame(columns=["assignment", "duedate"]),
            [],
            settings.db_url,
        )
    with settings.gradebook() as gradebook:
        assignments = pd.DataFrame(
            [{"assignment": a.name, "duedate": a.duedate} for a in gradebook.assignments],
            columns=["assignment", "duedate"],
        )
        return Cohort(
            grade_table(gradebook),
            assignments,
            sorted(s.id for s in gradebook.students),
            settings.db_url,
        )


def submissions(cohort: Cohort) -> pd.DataFrame:
    """One row per submission: when, how late, autograded score and whether anything is left to do."""
    grades = cohort.grades
    columns = [
        "student",
        "assignment",
        "timestamp",
        "duedate",
        "seconds_late",
        "auto_score",
        "auto_max",
        "autograded",
        "to_mark",
    ]
    if grades.empty:
        return pd.DataFrame(columns=columns)
    auto = grades["kind"] == "auto"
    frame = grades.assign(
        auto_score=grades["score"].where(auto, 0.0),
        auto_max=grades["max_score"].where(auto, 0.0),
        unscored_test=auto & grades["score"].isna(),
        waiting=~auto & grades["needs_manual_grade"],
    )
    table = (
        frame.groupby(["student", "assignment"], sort=False)
        .agg(
            timestamp=("timestamp", "first"),
            duedate=("duedate", "first"),
            seconds_late=("seconds_late", "first"),
            auto_score=("auto_score", "sum"),
            auto_max=("auto_max", "sum"),
            unscored=("unscored_test", "any"),
            to_mark=("waiting", "sum"),
        )
        .reset_index()
    )
    table["autograded"] = ~table.pop("unscored")
    return table[columns]


def status(cohort: Cohort, *, now: datetime | None = None) -> pd.DataFrame:
    """Trainee by assignment: 'on time', 'late (2 d 4 h)', 'missing (overdue)' or 'not yet'.

    A submission that could not be autograded says so, as it needs a look
    before anything else. ``now`` (UTC) decides what is overdue.
    """
    if cohort.empty:
        return pd.DataFrame(columns=["student"])
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    subs = submissions(cohort).set_index(["student", "assignment"])
    due = cohort.assignments.set_index("assignment")["duedate"]
    names = list(cohort.assignments["assignment"])
    rows = []
    for student in sorted(set(cohort.students) | set(cohort.grades["student"])):
        row = {"student": student}
        for assignment in names:
            if (student, assignment) in subs.index:
                sub = subs.loc[(student, assignment)]
                text = (
                    "on time"
                    if not sub["seconds_late"]
                    else f"late ({late_text(sub['seconds_late'])})"
                )
                row[assignment] = text if sub["autograded"] else f"{text}, NOT AUTOGRADED"
            else:
                overdue = pd.notna(due.get(assignment)) and due[assignment] < now
                row[assignment] = "missing (overdue)" if overdue else "not yet"
        rows.append(row)
    return pd.DataFrame(rows)


def late(cohort: Cohort) -> pd.DataFrame:
    """Submissions that came in after their due date (extensions allowed for), latest first, in London time."""
    subs = submissions(cohort)
    table = subs[subs["seconds_late"] > 0].sort_values("seconds_late", ascending=False)
    return pd.DataFrame(
        {
            "trainee": table["student"],
            "assignment": table["assignment"],
            "submitted": table["timestamp"].map(london_text),
            "due": table["duedate"].map(london_text),
            "late by": table["seconds_late"].map(late_text),
        }
    ).reset_index(drop=True)


def to_mark(cohort: Cohort) -> pd.DataFrame:
    """Per assignment and written answer: how many still wait for a tutor's mark, and whose.

    Submissions that failed to autograde are left out: regrade them first
    (see ``not_autograded``).
    """
    grades = cohort.grades
    failed = not_autograded(cohort).set_index(["student", "assignment"]).index
    autograded = ~grades.set_index(["student", "assignment"]).index.isin(failed)
    waiting = grades[(grades["kind"] == "manual") & grades["needs_manual_grade"] & autograded]
    table = waiting.groupby(["assignment", "grade_id"], sort=False)["student"].agg(
        waiting="size", trainees=lambda s: ", ".join(sorted(s))
    )
    return table.reset_index().rename(columns={"grade_id": "question"})


def feedback_readiness(cohort: Cohort) -> pd.DataFrame:
    """Per assignment: answers not yet marked, whose they are, and whether feedback can go out.

    Feedback released while answers wait shows them as "not yet marked";
    ``changekit feedback`` holds those trainees back unless told otherwise.
    """
    rows = []
    for assignment, grades in cohort.grades.groupby("assignment", sort=False):
        waiting = waiting_for_a_mark(grades)
        warning = unmarked_feedback_warning(grades, str(assignment))
        rows.append(
            {
                "assignment": assignment,
                "submissions": grades["student"].nunique(),
                "not yet marked": len(waiting),
                "trainees waiting": waiting["student"].nunique(),
                "feedback": f"WAIT: {warning}" if warning else "ready to release",
            }
        )
    return pd.DataFrame(
        rows,
        columns=["assignment", "submissions", "not yet marked", "trainees waiting", "feedback"],
    )


def not_autograded(cohort: Cohort) -> pd.DataFrame:
    """Submissions whose tests have no score: autograding failed, so look at them and regrade."""
    subs = submissions(cohort)
    return subs.loc[
        ~subs["autograded"].astype(bool), ["student", "assignment", "timestamp"]
    ].reset_index(drop=True)


def question_difficulty(cohort: Cohort) -> pd.DataFrame:
    """Per question, the mean mark as a percentage of its maximum and the share with full marks.

    Only marks already given count (not answers waiting for a tutor, not
    submissions that failed to autograde). Hardest questions first within
    each assignment.
    """
    grades = cohort.grades.dropna(subset=["score"])
    grades = grades[~grades["needs_manual_grade"] & (grades["max_score"] > 0)]
    table = grades.assign(
        percent=100 * grades["score"] / grades["max_score"],
        full=grades["score"] >= grades["max_score"],
    )
    summary = table.groupby(["assignment", "grade_id"], sort=False).agg(
        kind=("kind", "first"),
        marked=("score", "size"),
        mean_percent=("percent", "mean"),
        full_marks_percent=("full", "mean"),
    )
    summary["full_marks_percent"] *= 100
    summary = summary.reset_index().rename(columns={"grade_id": "question"})
    order = {name: position for position, name in enumerate(dict.fromkeys(summary["assignment"]))}
    summary = summary.sort_values(
        ["assignment", "mean_percent"],
        kind="stable",
        key=lambda c: c.map(order) if c.name == "assignment" else c,
    )
    return summary.round(1).reset_index(drop=True)


def summary_text(cohort: Cohort, *, now: datetime | None = None) -> str:
    """One paragraph: how many trainees and submissions, what is late, what waits for marking."""
    if cohort.empty:
        return f"{NO_SUBMISSIONS}\n(Gradebook: {cohort.source})"
    subs = submissions(cohort)
    overdue = (status(cohort, now=now) == "missing (overdue)").to_numpy().sum()
    return (
        f"{subs['student'].nunique()} trainees, {len(subs)} submissions of "
        f"{subs['assignment'].nunique()} assignment(s). Late: {int((subs['seconds_late'] > 0).sum())}. "
        f"Missing and overdue: {int(overdue)}. Not autograded (look, then regrade): "
        f"{int((~subs['autograded'].astype(bool)).sum())}. Written answers waiting for a mark: "
        f"{int(subs.loc[subs['autograded'].astype(bool), 'to_mark'].sum())}"
        f"{' (do not release their feedback yet)' if subs['to_mark'].sum() else ''}.\n(Gradebook: {cohort.source})"
    )


def show(table: pd.DataFrame, when_empty: str) -> pd.DataFrame | Markdown:
    """The table, or a sentence saying why there is none (for the notebook)."""
    return Markdown(when_empty) if table.empty else table


def _message_figure(text: str) -> Figure:
    figure, ax = new_figure(7, 1.2)
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True)
    return finish(figure, alt_text=text)


def plot_scores(cohort: Cohort, *, bins: int = 10) -> Figure:
    """Histogram per assignment of autograded scores, as a percentage of the autograded marks.

    Submissions that failed to autograde are left out (they have no score).
    Grey bars with a black edge: readable in greyscale print.
    """
    subs = submissions(cohort)
    subs = subs[subs["autograded"].astype(bool) & (subs["auto_max"] > 0)]
    if subs.empty:
        return _message_figure(NO_SUBMISSIONS)
    names = list(dict.fromkeys(subs["assignment"]))
    figure, axes = new_grid(8, 2.8 * len(names), len(names), sharex=True)
    edges = np.linspace(0, 100, bins + 1)
    medians = {}
    for ax, name in zip(axes, names, strict=True):
        percent = (
            100
            * subs.loc[subs["assignment"] == name, "auto_score"]
            / subs.loc[subs["assignment"] == name, "auto_max"]
        )
        ax.hist(percent, bins=edges, color=GREYS[1], edgecolor="black", hatch="//")
        ax.axvline(
            percent.median(), color="black", linestyle="--", label=f"median {percent.median():.0f}%"
        )
        medians[name] = (len(percent), f"{percent.median():.0f}%")
        ax.set_title(
            f"{name}: {len(percent)} submission{'s' if len(percent) != 1 else ''}",
            loc="left",
            fontsize=10,
        )
        ax.set_ylabel("Trainees")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="upper left", frameon=False)
    axes[-1].set_xlabel("Autograded score (% of autograded marks)")
    figure.suptitle("Score distribution per assignment (source: course gradebook)")
    table = pd.DataFrame.from_dict(medians, orient="index", columns=["submissions", "median score"])
    return finish(
        figure,
        alt_text=(
            f"Histograms of autograded scores, one per assignment ({len(names)}), as a percentage "
            "of the autograded marks, with each median marked: "
            + "; ".join(f"{name} median {median}" for name, (_, median) in medians.items())
            + "."
        ),
        table=table.rename_axis("assignment"),
    )


def plot_questions(cohort: Cohort) -> Figure:
    """Per question, the mean mark (bars) and the share with full marks (black dots), hardest first."""
    table = question_difficulty(cohort)
    if table.empty:
        return _message_figure(NO_SUBMISSIONS)
    names = list(dict.fromkeys(table["assignment"]))
    heights = [max(1.6, 0.42 * (table["assignment"] == n).sum() + 0.9) for n in names]
    figure, axes = new_grid(
        8, sum(heights) + 0.6, len(names), gridspec_kw={"height_ratios": heights}
    )
    for ax, name in zip(axes, names, strict=True):
        rows = table[table["assignment"] == name].iloc[::-1]  # hardest at the top
        labels = [
            f"{q} (written)" if k == "manual" else q
            for q, k in zip(rows["question"], rows["kind"], strict=True)
        ]
        y = np.arange(len(rows))
        ax.barh(y, rows["mean_percent"], color=GREYS[0], edgecolor="black", label="mean mark (%)")
        ax.plot(
            rows["full_marks_percent"], y, "o", color="black", label="full marks (% of trainees)"
        )
        ax.set_yticks(y, labels)
        ax.set_xlim(0, 104)
        ax.set_title(name, loc="left", fontsize=10)
    axes[-1].set_xlabel("Percent")
    figure.legend(
        *axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2, frameon=False
    )
    figure.suptitle("Which questions the cohort finds hard (source: course gradebook)")
    words = table[["assignment", "question", "mean_percent", "full_marks_percent"]].rename(
        columns={
            "mean_percent": "mean mark (%)",
            "full_marks_percent": "full marks (% of trainees)",
        }
    )
    return finish(
        figure,
        alt_text=(
            f"Bar charts, one per assignment ({len(names)}): each question's mean mark and the share "
            "of trainees with full marks, hardest question at the top."
        ),
        table=words.round(0).set_index("assignment"),
    )
