"""Due dates, lateness and extensions in London time, across the clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from changekit.errors import DataError
from changekit.grading.deadlines import (
    LONDON,
    chosen_submission,
    extension_for,
    from_gradebook,
    gradebook_time,
    lateness_text,
    london_text,
    personal_due,
    read_calendar,
    seconds_late,
)

# The clocks go forward at 01:00 UTC on Sunday 28 March 2027 and back at 01:00 UTC
# on Sunday 31 October 2027 (The Summer Time Order; GOV.UK "When do the clocks change?").


def calendar_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "calendar.toml"
    path.write_text(text)
    return path


def test_due_dates_are_london_wall_clock_times_in_winter_and_summer(tmp_path: Path) -> None:
    calendar = read_calendar(
        calendar_file(
            tmp_path, "[due]\nwinter = 2027-01-15T17:00:00\nsummer = 2027-06-15T17:00:00\n"
        )
    )
    assert calendar.due_utc("winter") == datetime(2027, 1, 15, 17, 0)
    assert calendar.due_utc("summer") == datetime(2027, 6, 15, 16, 0)
    assert calendar.due_utc("not_in_calendar") is None


def test_a_missing_calendar_sets_no_due_dates(tmp_path: Path) -> None:
    assert read_calendar(tmp_path / "calendar.toml").due == {}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[due]\nplan = 2027-01-15T17:00:00Z\n", "no zone"),
        ("[due]\nplan = 2027-01-15\n", "no zone"),
        ('[due]\nplan = "Friday"\n', "2027-01-15T17:00:00"),
        ("due = 3\n", "must be a table"),
        ("[due\nplan = 1\n", "not a valid calendar file"),
    ],
)
def test_a_bad_calendar_is_refused_with_the_line_to_write(
    tmp_path: Path, text: str, says: str
) -> None:
    with pytest.raises(DataError, match=says) as raised:
        read_calendar(calendar_file(tmp_path, text))
    assert "calendar.toml" in str(raised.value)


def test_gradebook_times_round_trip_through_london() -> None:
    summer = datetime(2027, 7, 1, 9, 30, tzinfo=LONDON)
    assert gradebook_time(summer) == datetime(2027, 7, 1, 8, 30)
    assert from_gradebook(gradebook_time(summer)) == summer


@pytest.mark.parametrize(
    ("when", "text"),
    [
        (datetime(2027, 1, 15, 17, 0, 59, 123456), "Friday 15 January 2027, 17:00 GMT"),
        (datetime(2027, 6, 15, 16, 0), "Tuesday 15 June 2027, 17:00 BST"),
        (datetime(2027, 6, 15, 17, 0, tzinfo=LONDON), "Tuesday 15 June 2027, 17:00 BST"),
        (None, ""),
    ],
)
def test_times_read_in_london_time_to_the_minute(when: datetime | None, text: str) -> None:
    assert london_text(when) == text


def test_a_day_of_extension_keeps_the_wall_clock_time_when_the_clocks_go_forward() -> None:
    due = gradebook_time(datetime(2027, 3, 27, 17, 0, tzinfo=LONDON))  # Saturday, GMT
    extension = extension_for(due, days=1)
    assert extension == timedelta(hours=23)
    assert london_text(personal_due(due, extension)) == "Sunday 28 March 2027, 17:00 BST"


def test_a_day_of_extension_keeps_the_wall_clock_time_when_the_clocks_go_back() -> None:
    due = gradebook_time(datetime(2027, 10, 30, 17, 0, tzinfo=LONDON))  # Saturday, BST
    extension = extension_for(due, days=1)
    assert extension == timedelta(hours=25)
    assert london_text(personal_due(due, extension)) == "Sunday 31 October 2027, 17:00 GMT"


def test_hours_of_extension_are_elapsed_hours() -> None:
    due = gradebook_time(datetime(2027, 3, 28, 0, 30, tzinfo=LONDON))
    assert extension_for(due, hours=2) == timedelta(hours=2)
    assert (
        london_text(personal_due(due, extension_for(due, hours=2)))
        == "Sunday 28 March 2027, 03:30 BST"
    )


def test_no_due_date_means_nothing_is_late() -> None:
    assert personal_due(None, timedelta(days=2)) is None
    assert seconds_late(datetime(2030, 1, 1), None) == 0.0


def test_lateness_counts_from_a_trainees_own_due_date() -> None:
    due = datetime(2027, 1, 15, 17, 0)
    own = personal_due(due, timedelta(days=2))
    assert seconds_late(datetime(2027, 1, 16, 17, 0), due) == 86400.0
    assert seconds_late(datetime(2027, 1, 16, 17, 0), own) == 0.0
    assert seconds_late(datetime(2027, 1, 17, 17, 1), own) == 60.0


def test_the_last_submission_on_time_counts_even_after_a_late_one() -> None:
    due = datetime(2027, 1, 15, 17, 0)
    early, on_time, late = (
        datetime(2027, 1, 14),
        datetime(2027, 1, 15, 17, 0),
        datetime(2027, 1, 15, 17, 0, 1),
    )
    assert chosen_submission([late, early, on_time], due) == on_time
    assert chosen_submission([late, datetime(2027, 1, 16)], due) == datetime(2027, 1, 16)
    assert chosen_submission([early, late], None) == late
    with pytest.raises(ValueError):
        chosen_submission([], due)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "on time"),
        (-5, "on time"),
        (1, "under a minute late"),
        (3660, "1 h late"),
        (2 * 86400 + 7200, "2 d 2 h late"),
    ],
)
def test_lateness_in_words(seconds: float, text: str) -> None:
    assert lateness_text(seconds) == text


def test_gradebook_time_of_an_aware_utc_time_drops_the_zone() -> None:
    assert gradebook_time(datetime(2027, 1, 1, 12, tzinfo=UTC)) == datetime(2027, 1, 1, 12)
