"""Moderation: marks recorded with marker and time, a reproducible second-marker sample, agreed marks."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from nbgrader.api import Gradebook

from changekit.errors import DataError
from changekit.grading import moderation
from changekit.grading.moderation import (
    AGREED,
    ERASED,
    FIRST,
    SECOND,
    UNRECORDED,
    Answer,
    choose_second_marking,
    disagreements,
    draw_sample,
    erase_person,
    first_markers,
    latest_marks,
    marks,
    mentions,
    record_agreed_mark,
    record_formgrader_mark,
    record_mark,
    record_second_mark,
    sample_size,
    second_marking,
    status,
)
from changekit.grading.synthetic import Marked, Question, write_gradebook

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
A = "drivers_and_barriers"
QUESTIONS = {
    A: [Question("test_force_field_complete", 2), Question("reflect_strongest", 4, manual=True)]
}
WHEN = datetime(2027, 1, 20, 10, 0, tzinfo=UTC)


def gradebook_at(tmp_path: Path, trainees: int, *, marked: bool = True) -> Gradebook:
    """A gradebook with ``trainees`` submissions of A; the written answer marked 3 (or waiting)."""
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    write_gradebook(
        url,
        "pich-leadership",
        QUESTIONS,
        [
            Marked(
                f"t{i:02d}",
                A,
                WHEN,
                {"test_force_field_complete": 2.0, "reflect_strongest": 3.0 if marked else None},
            )
            for i in range(trainees)
        ],
    )
    return Gradebook(url, "pich-leadership")


def first_mark(gradebook: Gradebook, student: str, score: float, marker: str) -> None:
    """What the grading service does when a tutor saves a mark in the formgrader."""
    grade = gradebook.find_grade("reflect_strongest", A, A, student)
    grade.manual_score = score
    gradebook.db.commit()
    record_formgrader_mark(gradebook, grade.id, marker)


@pytest.fixture(scope="module")
def marked_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """25 submissions: dr_lee marked t00-t19, dr_khan t20-t24 (built once, copied for each test)."""
    folder = tmp_path_factory.mktemp("marked")
    gradebook = gradebook_at(folder, 25)
    for i in range(25):
        first_mark(gradebook, f"t{i:02d}", 3.0, "dr_lee" if i < 20 else "dr_khan")
    gradebook.close()
    return folder / "gradebook.db"


@pytest.fixture
def marked(marked_template: Path, tmp_path: Path) -> Gradebook:
    """A fresh copy of ``marked_template``'s gradebook."""
    shutil.copy(marked_template, tmp_path / "gradebook.db")
    gradebook = Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}", "pich-leadership")
    yield gradebook
    gradebook.close()


def test_a_formgrader_mark_is_recorded_with_its_marker_and_time(marked: Gradebook) -> None:
    before = datetime.now(UTC).replace(tzinfo=None)
    first_mark(marked, "t03", 2.5, "dr_khan")
    log = marks(marked, A)
    latest = log.iloc[-1]
    assert (latest["student"], latest["grade_id"], latest["notebook"]) == (
        "t03",
        "reflect_strongest",
        A,
    )
    assert (latest["score"], latest["marker"], latest["kind"]) == (2.5, "dr_khan", FIRST)
    assert latest["marked_at"] >= before
    assert len(log[log["student"] == "t03"]) == 2, "earlier marks are kept, not overwritten"
    assert latest_marks(marked, A).set_index("student").loc["t03", "marker"] == "dr_khan"


def test_first_markers_count_the_tutor_with_most_marks_and_unrecorded_ones(tmp_path: Path) -> None:
    gradebook = gradebook_at(
        tmp_path, 3
    )  # all three marked in the gradebook, none through the service
    assert mentions(gradebook, "t00") == 0
    assert "changekit_marks" not in sa.inspect(gradebook.engine).get_table_names(), (
        "looking must not write"
    )
    first_mark(gradebook, "t00", 3.0, "dr_lee")
    assert first_markers(gradebook, A) == {"t00": "dr_lee", "t01": UNRECORDED, "t02": UNRECORDED}
    gradebook.close()


@pytest.mark.parametrize(
    ("marked", "share", "expected"),
    [(20, 0.1, 2), (5, 0.1, 1), (1, 0.1, 1), (0, 0.1, 0), (21, 0.1, 3), (10, 0.25, 3), (3, 1.0, 3)],
)
def test_sample_size_is_the_share_rounded_up_and_at_least_one(
    marked: int, share: float, expected: int
) -> None:
    assert sample_size(marked, share) == expected


def test_the_sample_is_per_tutor_reproducible_and_never_self_moderated() -> None:
    first = {f"t{i:02d}": "dr_lee" if i < 20 else "dr_khan" for i in range(25)}
    drawn = draw_sample(first, ["dr_khan", "dr_lee"], share=0.1, seed=7)
    assert drawn == draw_sample(first, ["dr_khan", "dr_lee"], share=0.1, seed=7), (
        "same seed, same sample"
    )
    lee = [s for s in drawn if first[s] == "dr_lee"]
    khan = [s for s in drawn if first[s] == "dr_khan"]
    assert (len(lee), len(khan)) == (2, 1)
    assert all(drawn[s] == "dr_khan" for s in lee) and all(drawn[s] == "dr_lee" for s in khan)
    samples = {
        tuple(sorted(draw_sample(first, ["dr_khan", "dr_lee"], seed=seed))) for seed in range(20)
    }
    assert len(samples) > 1, "the sample is not random"


def test_a_sample_needs_another_tutor_and_a_sensible_share() -> None:
    with pytest.raises(DataError, match="another tutor"):
        draw_sample({"t00": "dr_lee"}, ["dr_lee"], seed=1)
    with pytest.raises(DataError, match="more than 0 and at most 1"):
        draw_sample({"t00": "dr_lee"}, ["dr_khan"], share=10, seed=1)


def test_the_drawn_sample_is_recorded_with_its_seed_and_kept(marked: Gradebook) -> None:
    table = choose_second_marking(marked, A, ["dr_khan", "dr_lee"], seed=42)
    assert len(table) == 3 and set(table["seed"]) == {42} and set(table["share"]) == {0.1}
    expected = draw_sample(first_markers(marked, A), ["dr_khan", "dr_lee"], seed=42)
    assert dict(zip(table["student"], table["second_marker"], strict=True)) == expected
    with pytest.raises(DataError, match="already has a second-marking sample"):
        choose_second_marking(marked, A, ["dr_khan", "dr_lee"])
    again = choose_second_marking(marked, A, ["dr_khan", "dr_lee"], replace=True)
    assert len(again) == 3 and len(second_marking(marked)) == 3


def test_nothing_to_sample_before_marking(tmp_path: Path) -> None:
    gradebook = gradebook_at(tmp_path, 3, marked=False)
    with pytest.raises(
        DataError, match="No submission of drivers_and_barriers has a tutor's mark yet"
    ):
        choose_second_marking(gradebook, A, ["dr_khan"])
    gradebook.close()


def sampled(gradebook: Gradebook) -> dict[str, tuple[str, str]]:
    table = choose_second_marking(gradebook, A, ["dr_khan", "dr_lee"], seed=42)
    return {row.student: (row.first_marker, row.second_marker) for row in table.itertuples()}


def test_second_marks_disagreements_and_the_agreed_mark(marked: Gradebook) -> None:
    chosen = sampled(marked)
    agrees, differs, waits = sorted(chosen)
    for student in (agrees, differs):
        with pytest.raises(DataError, match="another tutor than the first marker"):
            record_second_mark(marked, A, student, "reflect_strongest", 1.0, chosen[student][0])
    record_second_mark(marked, A, agrees, "reflect_strongest", 3.0, chosen[agrees][1])
    record_second_mark(marked, A, differs, "reflect_strongest", 1.0, chosen[differs][1])
    assert marked.find_grade("reflect_strongest", A, A, differs).manual_score == 3.0, (
        "a second mark changes nothing"
    )

    listed = disagreements(marked, A)
    assert listed[
        ["student", "first_mark", "first_marker", "second_mark", "second_marker", "difference"]
    ].values.tolist() == [[differs, 3.0, chosen[differs][0], 1.0, chosen[differs][1], 2.0]]
    assert listed["agreed_mark"].isna().all() and listed["max_score"].tolist() == [4.0]
    assert disagreements(marked, A, tolerance=2.0).empty, (
        "a difference within the tolerance is no disagreement"
    )

    moderated = status(marked, A).set_index("student")["moderation"]
    assert moderated[agrees] == "second mark agrees"
    assert moderated[differs] == "disagreement: awaiting agreed mark"
    assert moderated[waits] == "awaiting second mark"
    assert (moderated == "not sampled").sum() == 22

    record_agreed_mark(marked, A, differs, "reflect_strongest", 2.0, "dr_patel")
    marked.db.expire_all()
    grade = marked.find_grade("reflect_strongest", A, A, differs)
    assert (grade.manual_score, grade.needs_manual_grade) == (2.0, False), (
        "the agreed mark is the gradebook's"
    )
    agreed = disagreements(marked, A).iloc[0]
    assert (agreed["agreed_mark"], agreed["agreed_by"]) == (2.0, "dr_patel")
    latest = latest_marks(marked, A)
    assert latest[latest["kind"] == AGREED]["marker"].tolist() == ["dr_patel"]
    assert (
        status(marked, A).set_index("student").loc[differs, "moderation"] == "agreed mark recorded"
    )
    assert status(marked, A).set_index("student").loc[differs, "marker"] == chosen[differs][0]


def test_marks_out_of_range_or_off_sample_are_refused(marked: Gradebook) -> None:
    chosen = sampled(marked)
    student = next(iter(chosen))
    outside = next(f"t{i:02d}" for i in range(25) if f"t{i:02d}" not in chosen)
    with pytest.raises(DataError, match="not in the second-marking sample"):
        record_second_mark(marked, A, outside, "reflect_strongest", 3.0, "dr_patel")
    with pytest.raises(DataError, match="from 0 to 4"):
        record_second_mark(marked, A, student, "reflect_strongest", 5.0, "dr_patel")
    with pytest.raises(DataError, match="marked by its tests"):
        record_second_mark(marked, A, student, "test_force_field_complete", 1.0, "dr_patel")
    with pytest.raises(DataError, match="no graded question 'nope'"):
        record_second_mark(marked, A, student, "nope", 1.0, "dr_patel")
    with pytest.raises(DataError, match="has no second mark"):
        record_agreed_mark(marked, A, student, "reflect_strongest", 2.0, "dr_patel")
    with pytest.raises(ValueError, match="kind must be"):
        record_mark(marked, Answer(A, A, student, "reflect_strongest"), 1.0, "x", "third")


def test_erasing_a_trainee_or_a_tutor(marked: Gradebook) -> None:
    chosen = sampled(marked)
    student = next(iter(chosen))
    record_second_mark(marked, A, student, "reflect_strongest", 2.0, chosen[student][1])
    assert erase_person(marked, student) == 3  # first mark, second mark, sample row
    assert student not in set(marks(marked)["student"]) and student not in set(
        second_marking(marked)["student"]
    )
    assert mentions(marked, "dr_khan") > 5  # five first marks, and the sample rows
    erase_person(marked, "dr_khan")
    assert mentions(marked, "dr_khan") == 0 and mentions(marked, student) == 0
    log = marks(marked)
    assert "dr_khan" not in set(log["marker"]) and ERASED in set(log["marker"])
    sample = second_marking(marked)
    assert "dr_khan" not in set(sample["first_marker"]) | set(sample["second_marker"])
    assert SECOND not in set(log["kind"])


def test_the_grading_service_records_the_hub_login(monkeypatch: pytest.MonkeyPatch) -> None:
    from changekit.hub import service, service_handlers

    assert service_handlers.marker_name(SimpleNamespace(username="dr_lee")) == "dr_lee"
    assert service_handlers.marker_name({"name": "dr_khan"}) == "dr_khan"
    saved: list[tuple[object, str, str]] = []
    monkeypatch.setattr(
        service_handlers,
        "record_formgrader_mark",
        lambda gb, gid, who: saved.append((gb, gid, who)),
    )
    monkeypatch.setattr(service_handlers.GradeHandler, "put", lambda self, grade_id: None)

    class Probe(service_handlers.RecordedGradeHandler):
        """The handler as the service runs it, without a server: the gradebook, user and status given."""

        gradebook = "gb"
        current_user = SimpleNamespace(username="dr_lee")
        status = 200

        def get_status(self) -> int:
            return self.status

    handler = Probe.__new__(Probe)
    handler.put("g1")
    assert saved == [("gb", "g1", "dr_lee")]
    handler.status = 404
    handler.put("g2")
    assert len(saved) == 1, "a mark that was not saved must not be recorded"

    added: list[tuple[str, type]] = []
    app = SimpleNamespace(
        web_app=SimpleNamespace(
            settings={"base_url": "/services/c/"},
            add_handlers=lambda host, routes: added.extend(routes),
        ),
        log=SimpleNamespace(info=lambda *a: None),
    )
    service._load_jupyter_server_extension(app)
    assert (
        "/services/c/formgrader/api/grade/([^/]+)",
        service_handlers.RecordedGradeHandler,
    ) in added


def test_tables_live_in_the_gradebooks_database(marked: Gradebook) -> None:
    names = sa.inspect(marked.engine).get_table_names()
    assert {"changekit_marks", "changekit_second_marking", "grade"} <= set(names)
    assert moderation.METADATA.tables.keys() == {"changekit_marks", "changekit_second_marking"}
