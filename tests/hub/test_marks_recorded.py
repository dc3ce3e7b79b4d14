"""A mark saved in the formgrader of the real local hub is recorded with the tutor's hub login and the time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from nbgrader.api import Gradebook

from changekit.grading.moderation import FIRST, marks
from tests.hub.conftest import Hub
from tests.hub.test_inert_html import xsrf_headers

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
TRAINEE = "trainee2"
ASSIGNMENT = "baby_clinic_economics"
WRITTEN = "interpret_saving"


def test_a_formgrader_mark_records_its_marker(hub: Hub) -> None:
    url = f"sqlite:///{hub.state / 'gradebook.db'}"
    with Gradebook(
        url, hub.course_id
    ) as gradebook:  # a submission as autograde leaves it, without grading
        gradebook.update_or_create_student(TRAINEE)
        gradebook.add_submission(ASSIGNMENT, TRAINEE)
        grade_id = gradebook.find_grade(WRITTEN, ASSIGNMENT, ASSIGNMENT, TRAINEE).id
    service = f"{hub.url}/services/{hub.course_id}"
    tutor = hub.session("tutor")
    headers = xsrf_headers(tutor, f"{service}/formgrader/manage_assignments")
    before = datetime.now(UTC).replace(tzinfo=None)
    saved = tutor.put(
        f"{service}/formgrader/api/grade/{grade_id}",
        json={"manual_score": 1.5, "extra_credit": 0},
        headers=headers,
    )
    assert saved.status_code == 200, saved.text[-2000:]
    assert saved.json()["manual_score"] == 1.5
    missing = tutor.put(
        f"{service}/formgrader/api/grade/nosuchgrade", json={"manual_score": 1}, headers=headers
    )
    assert missing.status_code == 404
    with Gradebook(url, hub.course_id) as gradebook:
        log = marks(gradebook, ASSIGNMENT)
        assert gradebook.find_grade(WRITTEN, ASSIGNMENT, ASSIGNMENT, TRAINEE).manual_score == 1.5
    assert len(log) == 1, "exactly the saved mark is recorded"
    mark = log.iloc[0]
    assert (mark["student"], mark["grade_id"], mark["score"], mark["kind"]) == (
        TRAINEE,
        WRITTEN,
        1.5,
        FIRST,
    )
    assert mark["marker"] == "tutor", "the marker is the hub login of the tutor who saved the mark"
    assert before <= mark["marked_at"] <= datetime.now(UTC).replace(tzinfo=None)
