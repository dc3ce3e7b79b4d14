"""Tests for changekit.asthma and its sample data: readers, QS25 measures, NRAD flags, calibration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from changekit.asthma import (
    ENGLAND_BANK_HOLIDAYS,
    MEASURE_KEYS,
    audit_start,
    measure_cases,
    nrad_flags,
    plot_against_national,
    practice_measures,
    qs25_indicators,
    qs25_summary,
    read_asthma_monthly,
    read_asthma_register,
    working_days_after,
)
from changekit.errors import DataError
from changekit.governance import IdentifiableDataError
from changekit.sample_data import asthma
from changekit.stats import funnel_table

# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def files(sample_csvs: Callable[[Callable[[], dict]], Path]) -> Path:
    """The generated tables written as CSV, as ``make data`` writes them."""
    return sample_csvs(asthma.generate)


@pytest.fixture(scope="module")
def register(files: Path) -> pd.DataFrame:
    return read_asthma_register(files / "asthma_register.csv")


@pytest.fixture(scope="module")
def indicators(register: pd.DataFrame) -> pd.DataFrame:
    return qs25_indicators(register)


@pytest.fixture(scope="module")
def summary(indicators: pd.DataFrame) -> pd.DataFrame:
    return qs25_summary(indicators)


def child(**changes: object) -> dict[str, object]:
    """One register row, reviewed with a plan, no attack; ``changes`` override it."""
    row: dict[str, object] = {
        "child_id": "A00001",
        "practice_code": "Y90001",
        "age_years": 9,
        "age_at_diagnosis": 6,
        "objective_test": True,
        "action_plan": True,
        "last_review_date": pd.Timestamp("2025-10-01"),
        "control_assessed": True,
        "inhaler_technique_checked": True,
        "emergency_care_date": pd.NaT,
        "followup_date": pd.NaT,
        "saba_items_12m": 2,
        "ics_items_12m": 6,
    }
    return row | changes


def frame(*rows: dict[str, object]) -> pd.DataFrame:
    table = pd.DataFrame(list(rows))
    for column in ("last_review_date", "emergency_care_date", "followup_date"):
        table[column] = pd.to_datetime(table[column])
    return table


# ---------------------------------------------------------------- sample data


def test_register_shape_and_identifiers(register: pd.DataFrame) -> None:
    assert sorted(register["practice_code"].unique()) == [f"Y9{i:04d}" for i in range(1, 31)]
    assert register["child_id"].str.fullmatch(r"A\d{5}").all() and register["child_id"].is_unique
    assert register["age_years"].between(5, 16).all()
    assert 2_000 <= len(register) <= 4_000, "about 1 in 11 children aged 5-16 in 30 practices"
    sizes = register.groupby("practice_code").size()
    assert sizes.min() >= 30 and sizes.max() >= 2 * sizes.median(), "practices vary in size"


def test_register_is_calibrated_to_the_published_figures(
    summary: pd.DataFrame, register: pd.DataFrame
) -> None:
    p = summary["p"]
    # Asthma UK 2017: review 77%, action plan 44%, inhaler technique 76%; London is lower.
    assert 0.65 <= p["annual_review"] < 0.77
    assert 0.25 <= p["action_plan"] < 0.44
    assert 0.60 <= p["inhaler_technique"] < 0.76
    assert summary["gap_to_standard"].idxmax() == "action_plan"
    assert summary["gap_to_national"].idxmax() == "action_plan"
    # A general register has a few per cent with more than 12 reliever prescriptions.
    assert 0.01 <= (register["saba_items_12m"] > 12).mean() <= 0.06


def test_planted_outliers_show_on_the_funnel_plots(
    indicators: pd.DataFrame, register: pd.DataFrame
) -> None:
    plans = funnel_table(measure_cases(indicators, "action_plan"), "practice_code", "action_plan")
    assert plans.loc["Y90007", "flag"] == "above" and plans.loc["Y90024", "flag"] == "below"
    reviews = funnel_table(
        measure_cases(indicators, "annual_review"), "practice_code", "annual_review"
    )
    assert reviews.loc["Y90019", "flag"] == "below"
    relievers = funnel_table(nrad_flags(register), "practice_code", "excess_reliever")
    assert relievers.loc["Y90012", "flag"] == "above"
    assert (plans["flag"] == "within").mean() >= 0.8, "most practices sit within the limits"


def test_monthly_series_matches_the_register(files: Path, register: pd.DataFrame) -> None:
    monthly = read_asthma_monthly(files / "asthma_reviews_monthly.csv")
    assert len(monthly) == 24 and monthly["month"].is_monotonic_increasing
    recent = monthly[monthly["month"] >= pd.Timestamp(audit_start())]
    reviewed = register[register["last_review_date"] >= pd.Timestamp(audit_start())]
    assert recent["reviews"].sum() == len(reviewed)
    assert recent["action_plan"].sum() == reviewed["action_plan"].sum()
    assert recent["control_assessed"].sum() == reviewed["control_assessed"].sum()


# ---------------------------------------------------------------- readers


def test_register_reader_accepts_yes_and_no(
    text_file: Callable[[str, str], Path], files: Path
) -> None:
    text = (
        (files / "asthma_register.csv")
        .read_text()
        .replace(",True,", ",yes,")
        .replace(",False,", ",no,")
    )
    register = read_asthma_register(text_file("mine.csv", text))
    assert register["action_plan"].dtype == bool


def test_register_reader_refuses_other_yes_no_words(
    text_file: Callable[[str, str], Path], files: Path
) -> None:
    lines = (files / "asthma_register.csv").read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("action_plan")] = "maybe"
    lines[1] = ",".join(cells)
    with pytest.raises(DataError, match=r"'action_plan', row 2\b.*'maybe'"):
        read_asthma_register(text_file("mine.csv", "\n".join(lines) + "\n"))


def test_register_reader_refuses_a_repeated_child(
    text_file: Callable[[str, str], Path], files: Path
) -> None:
    lines = (files / "asthma_register.csv").read_text().splitlines()
    lines.append(lines[1])
    with pytest.raises(DataError, match=r"'child_id'.*rows 2 and \d+.*one row per child"):
        read_asthma_register(text_file("mine.csv", "\n".join(lines) + "\n"))


def test_register_reader_refuses_diagnosis_older_than_the_child(tmp_path: Path) -> None:
    row = frame(child(age_years=6, age_at_diagnosis=9))
    row.to_csv(tmp_path / "mine.csv", index=False)
    with pytest.raises(DataError, match=r"'age_at_diagnosis'.*row 2\b"):
        read_asthma_register(tmp_path / "mine.csv")


def test_register_reader_refuses_identifiable_data(tmp_path: Path) -> None:
    row = frame(child()).assign(date_of_birth="2016-04-12")
    row.to_csv(tmp_path / "mine.csv", index=False)
    with pytest.raises(IdentifiableDataError, match="date_of_birth"):
        read_asthma_register(tmp_path / "mine.csv")


def test_monthly_reader_refuses_more_plans_than_reviews(
    text_file: Callable[[str, str], Path],
) -> None:
    path = text_file(
        "monthly.csv",
        "month,reviews,action_plan,control_assessed\n2025-04-01,10,4,8\n2025-05-01,10,12,8\n",
    )
    with pytest.raises(DataError, match=r"'action_plan'.*row 3\b"):
        read_asthma_monthly(path)


# ---------------------------------------------------------------- working days


@pytest.mark.parametrize(
    ("attack", "followup", "days"),
    [
        ("2025-10-03", "2025-10-07", 2),  # Friday -> Tuesday: Monday, Tuesday
        ("2025-10-03", "2025-10-08", 3),  # Friday -> Wednesday
        ("2025-10-06", "2025-10-06", 0),  # seen the same day
        ("2025-12-24", "2025-12-29", 1),  # Christmas and Boxing Day, then the weekend
        ("2025-04-17", "2025-04-22", 1),  # Good Friday and Easter Monday
        ("2025-10-06", None, None),  # no follow-up
        ("2025-10-06", "2025-10-01", None),  # a contact before the attack is not a follow-up
    ],
)
def test_working_days_after(attack: str, followup: str | None, days: int | None) -> None:
    result = working_days_after(
        pd.Series([pd.Timestamp(attack)]), pd.Series([pd.to_datetime(followup)])
    )
    assert (pd.isna(result.iloc[0]) and days is None) or result.iloc[0] == days


@settings(max_examples=80, deadline=None)
@given(
    start=st.dates(date(2024, 1, 1), date(2026, 12, 1)),
    gap=st.integers(0, 40),
    more=st.integers(0, 10),
)
def test_working_days_never_exceed_calendar_days_and_grow_with_the_gap(start, gap, more) -> None:
    begin = pd.Series([pd.Timestamp(start)])
    near = working_days_after(begin, pd.Series([pd.Timestamp(start + timedelta(days=gap))])).iloc[0]
    far = working_days_after(
        begin, pd.Series([pd.Timestamp(start + timedelta(days=gap + more))])
    ).iloc[0]
    assert 0 <= near <= gap and near <= far <= near + more
    if gap >= 7:
        assert near >= 5 * (gap // 7) - len(ENGLAND_BANK_HOLIDAYS)


# ---------------------------------------------------------------- measures


def test_each_measure_counts_only_its_own_denominator() -> None:
    register = frame(
        child(child_id="A00001"),
        child(child_id="A00002", age_at_diagnosis=3, objective_test=False),
        child(child_id="A00003", last_review_date=pd.Timestamp("2025-02-01"), action_plan=False),
        child(
            child_id="A00004", last_review_date=pd.NaT, control_assessed=False, action_plan=False
        ),
        child(
            child_id="A00005",
            emergency_care_date=pd.Timestamp("2025-10-03"),
            followup_date=pd.Timestamp("2025-10-07"),
        ),
        child(
            child_id="A00006",
            emergency_care_date=pd.Timestamp("2025-10-03"),
            followup_date=pd.Timestamp("2025-10-08"),
        ),
        child(
            child_id="A00007", emergency_care_date=pd.Timestamp("2026-03-30")
        ),  # window still open
    )
    indicators = qs25_indicators(register).set_index("child_id")
    assert indicators["objective_test"].isna().tolist() == [
        False,
        True,
        False,
        False,
        False,
        False,
        False,
    ]
    assert indicators["annual_review"].tolist() == [True, True, False, False, True, True, True]
    assert (
        indicators["control_assessed"].isna()["A00003"]
        and indicators["control_assessed"].isna()["A00004"]
    )
    assert indicators["followup_2wd"].dropna().to_dict() == {"A00005": True, "A00006": False}
    summary = qs25_summary(indicators.reset_index())
    assert summary.loc["followup_2wd", ["k", "n"]].tolist() == [1, 2]
    assert summary.loc["objective_test", "n"] == 6
    assert np.isnan(summary.loc["objective_test", "national"])
    assert summary.loc["annual_review", "gap_to_national"] == pytest.approx(0.77 - 5 / 7)


def test_summary_matches_a_hand_count(register: pd.DataFrame, summary: pd.DataFrame) -> None:
    start = pd.Timestamp(audit_start())
    reviewed = register["last_review_date"].between(start, pd.Timestamp("2026-03-31"))
    assert summary.loc["annual_review", "k"] == reviewed.sum()
    assert summary.loc["control_assessed", "n"] == reviewed.sum()
    assert summary.loc["control_assessed", "k"] == (reviewed & register["control_assessed"]).sum()
    assert summary.loc["action_plan", "p"] == pytest.approx(register["action_plan"].mean())
    assert summary.loc["objective_test", "n"] == (register["age_at_diagnosis"] >= 5).sum()
    assert list(summary.index) == list(MEASURE_KEYS)
    assert ((summary["low"] <= summary["p"]) & (summary["p"] <= summary["high"])).all()


def test_practice_measures_add_up_to_the_borough(
    indicators: pd.DataFrame, summary: pd.DataFrame
) -> None:
    table = practice_measures(indicators)
    totals = table.groupby("measure")[["k", "n"]].sum()
    assert totals.loc[list(MEASURE_KEYS), "k"].tolist() == summary["k"].tolist()
    assert totals.loc[list(MEASURE_KEYS), "n"].tolist() == summary["n"].tolist()


def test_measure_cases_names_the_measures() -> None:
    with pytest.raises(DataError, match="action_plan"):
        measure_cases(pd.DataFrame({"practice_code": []}), "action_plans")


def test_nrad_flags() -> None:
    register = frame(
        child(child_id="A00001", saba_items_12m=12),
        child(child_id="A00002", saba_items_12m=13),
        child(child_id="A00003", saba_items_12m=20, last_review_date=pd.NaT, action_plan=False),
        child(child_id="A00004", saba_items_12m=2, action_plan=False),
    )
    flags = nrad_flags(register).set_index("child_id")
    assert flags["excess_reliever"].tolist() == [False, True, True, False], "more than 12, not 12"
    assert flags["no_review"].tolist() == [False, False, True, False]
    assert flags["recall_first"].tolist() == [False, False, True, False]
    assert nrad_flags(register, saba_threshold=5)["excess_reliever"].sum() == 3


def test_plot_against_national_draws_each_measure(summary: pd.DataFrame) -> None:
    fig = plot_against_national(summary, title="QS25")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == summary["label"].tolist()
    assert len(ax.collections[-1].get_offsets()) == summary["national"].notna().sum()
