"""Every generator is deterministic and in sync with data/; referrals and services are plausible."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from changekit.governance import check_no_identifiers
from changekit.paths import data_dir
from changekit.referrals import REASONS, SERVICE_NAMES
from changekit.sample_data import GENERATORS, referrals, services, write_csv


def _written(tmp_path: Path, generate) -> dict[str, bytes]:
    """The bytes each table of ``generate()`` is written as."""
    out = {}
    for name, table in generate().items():
        write_csv(table, tmp_path / name)
        out[name] = (tmp_path / name).read_bytes()
    return out


@pytest.mark.parametrize("generate", GENERATORS, ids=lambda g: g.__module__.rsplit(".", 1)[-1])
def test_generation_is_byte_identical_every_run(tmp_path: Path, generate) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert _written(tmp_path / "a", generate) == _written(tmp_path / "b", generate)


@pytest.mark.parametrize("generate", GENERATORS, ids=lambda g: g.__module__.rsplit(".", 1)[-1])
def test_data_folder_matches_a_fresh_generation(tmp_path: Path, generate) -> None:
    for name, fresh in _written(tmp_path, generate).items():
        on_disk = data_dir() / name
        assert on_disk.is_file(), f"{on_disk} is missing: regenerate data/ (make data)"
        assert on_disk.read_bytes() == fresh, (
            f"{on_disk} is out of date: regenerate data/ (make data)"
        )


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    frame = referrals.generate()["referrals.csv"]
    month = pd.PeriodIndex(frame["referral_date"], freq="M")
    return frame.assign(month=[(m - referrals.FIRST_MONTH).n + 1 for m in month])


@pytest.fixture(scope="module")
def directory() -> pd.DataFrame:
    return services.generate()["services.csv"]


def test_shape_period_and_practices(table: pd.DataFrame) -> None:
    children = referrals.registered_children()
    per_1000_a_year = len(table) / 2 / children.sum() * 1000
    assert 10 <= per_1000_a_year <= 20, (
        "GP referrals to community paediatrics: 5-20 per 1,000 children"
    )
    assert table["referral_date"].min() >= "2023-04-01"
    assert table["referral_date"].max() <= "2025-03-31"
    assert sorted(table["month"].unique()) == list(range(1, 25))
    assert sorted(table["practice_code"].unique()) == referrals.practice_codes()
    assert table["practice_code"].str.fullmatch(r"Y900\d\d").all()
    assert pd.to_datetime(table["referral_date"]).dt.day_of_week.max() <= 4, "working days only"


def test_ids_are_unique_and_never_look_like_nhs_numbers(table: pd.DataFrame) -> None:
    assert table["referral_id"].is_unique
    assert table["referral_id"].str.fullmatch(r"R\d{6}").all()
    check_no_identifiers(table, source="referrals")


def test_reason_models_cover_exactly_the_schema_reasons() -> None:
    assert tuple(m.reason for m in referrals.REASON_MODELS) == REASONS


def test_value_ranges_and_outcome_consistency(table: pd.DataFrame) -> None:
    assert table["age_months"].between(0, 215).all()
    assert set(table["reason"]) == set(REASONS)
    redirected = table["outcome"] == "redirected"
    assert set(table["outcome"]) == {"accepted", "redirected"}
    assert (table.loc[~redirected, "redirected_to"] == "").all()
    assert table.loc[redirected, "redirected_to"].isin(SERVICE_NAMES[1:]).all()
    assert (table["decision_days"] >= 1).all()
    days = table.groupby("outcome")["decision_days"].median()
    assert days["redirected"] > days["accepted"] + 2, "redirection should take longer to decide"


def test_redirections_go_to_a_service_listed_for_that_reason_and_age(
    table: pd.DataFrame, directory: pd.DataFrame
) -> None:
    entries = directory.set_index("service")
    moved = table[table["outcome"] == "redirected"]
    for row in moved.drop_duplicates(["reason", "redirected_to", "age_months"]).itertuples():
        entry = entries.loc[row.redirected_to]
        assert row.reason in entry["reasons"].split(";"), (row.reason, row.redirected_to)
        assert entry["min_age_months"] <= row.age_months <= entry["max_age_months"], row


def test_redirect_rate_before_and_after_the_directory(table: pd.DataFrame) -> None:
    redirected = table["outcome"].eq("redirected")
    rate = redirected.groupby(table["month"]).mean()
    assert 0.30 <= redirected[table["month"] <= 12].mean() <= 0.40
    assert 0.12 <= redirected[table["month"] >= 19].mean() <= 0.20
    assert rate.loc[1:12].min() > rate.loc[19:24].max(), "every month after uptake is lower"
    assert rate.loc[13] > rate.loc[17], "the uptake is gradual, not a step at launch"


def test_reasons_differ_in_how_often_they_are_redirected(table: pd.DataFrame) -> None:
    rate = table["outcome"].eq("redirected").groupby(table["reason"]).mean()
    for often in ("speech and language delay", "continence (wetting or soiling)"):
        assert rate[often] > rate["developmental delay"] + 0.3


def test_some_practices_lie_beyond_the_998_funnel_limits_both_ways(table: pd.DataFrame) -> None:
    before = table[table["month"] <= 12]
    k = before["outcome"].eq("redirected").groupby(before["practice_code"]).sum()
    n = before.groupby("practice_code").size()
    p = k.sum() / n.sum()
    z = (k / n - p) / np.sqrt(p * (1 - p) / n)
    assert 1 <= (z > 3.09).sum() <= 4
    assert 1 <= (z < -3.09).sum() <= 4


def test_august_volume_dips(table: pd.DataFrame) -> None:
    per_month = table.groupby(table["referral_date"].str[:7]).size()
    augusts = ["2023-08", "2024-08"]
    others = per_month.drop(augusts)
    # About 43 referrals a month: one August can be hidden by chance, the two together cannot.
    assert per_month[augusts].mean() < 0.85 * others.median(), per_month


def test_practices_refer_in_proportion_to_their_registered_children(table: pd.DataFrame) -> None:
    children = referrals.registered_children()
    per_practice = table["practice_code"].value_counts().reindex(children.index)
    assert np.corrcoef(children, per_practice)[0, 1] > 0.6


def _stated_rate() -> float:
    """The referral rate per 1,000 children a year that data/README.md states for referrals.csv."""
    text = (data_dir() / "README.md").read_text(encoding="utf-8")
    found = re.findall(
        r"\*\*Rate in the data: ([\d.]+) GP referrals a year per 1,000 children", text
    )
    assert len(found) == 1, (
        "data/README.md should state the referral rate once, in the referrals section"
    )
    return float(found[0])


def test_readme_states_the_referral_rate_that_the_data_give() -> None:
    referral_rows = pd.read_csv(data_dir() / "referrals.csv")
    children = pd.read_csv(data_dir() / "population.csv")
    months = referral_rows["referral_date"].str[:7].nunique()
    rate = len(referral_rows) / (months / 12) / len(children) * 1000
    assert round(rate, 1) == _stated_rate(), (
        f"data/referrals.csv and data/population.csv give {rate:.1f} referrals a year per 1,000 "
        f"children, but data/README.md states {_stated_rate()}: update the README"
    )


def test_directory_entries_are_complete_and_fictional(directory: pd.DataFrame) -> None:
    assert 8 <= len(directory) <= 10
    assert tuple(directory["service"]) == SERVICE_NAMES
    assert (directory["min_age_months"] <= directory["max_age_months"]).all()
    listed = {r for cell in directory["reasons"] for r in cell.split(";")}
    assert listed == set(REASONS), "every reason has a service and no unknown reason appears"
    assert directory["contact_route"].str.contains("(fictional)", regex=False).all()
    text = directory.drop(columns=["min_age_months", "max_age_months"])
    assert not text.apply(lambda c: c.str.contains(r"\d{4}")).any().any(), "no phone numbers"
