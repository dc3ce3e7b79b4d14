"""changekit.fingertips on an export shaped exactly like Fingertips' (data/fingertips_sample.csv, synthetic values)."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pandas as pd
import pytest

from changekit.data import DataError
from changekit.fingertips import (
    area_in_context,
    fetch_fingertips,
    plot_area_in_context,
    read_fingertips,
)
from changekit.governance import IdentifiableDataError
from changekit.paths import data_dir
from changekit.sample_data.fingertips import COLUMNS
from changekit.synthetic import CAPTION

SAMPLE = data_dir() / "fingertips_sample.csv"


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return read_fingertips(SAMPLE)


def test_the_sample_has_the_exports_columns_in_its_order() -> None:
    assert pd.read_csv(SAMPLE, nrows=0).columns.tolist() == COLUMNS
    assert set(pd.read_csv(SAMPLE)["Value note"]) == {"Synthetic value for practice: not real data"}


def test_the_export_reads_typed(table: pd.DataFrame) -> None:
    assert table["Indicator ID"].dtype == "int64"
    assert table["Value"].dtype == "float64"
    assert table["Time period"].iloc[0] == "2021/22"


@pytest.mark.parametrize(
    "area", ["Synthetic borough A", "synthetic borough a", "E09999901", " e09999901 "]
)
def test_an_area_beside_its_region_and_england_for_each_indicators_latest_period(
    table: pd.DataFrame, area: str
) -> None:
    context = area_in_context(table, area)
    assert len(context) == 4 * 3
    assert set(context["period"]) == {"2023/24", "2023 - 25"}
    first = context[context["indicator"] == "A&E attendances (0 to 4 years)"].set_index("place")
    assert first.loc["area", "name"] == "Synthetic borough A"
    assert first.loc["region", "name"] == "Synthetic region"
    assert first.loc["England", "value"] == 650.0
    row = table[
        (table["Area Code"] == "E09999901")
        & (table["Time period"] == "2023/24")
        & (table["Indicator ID"] == 1)
    ].iloc[0]
    assert (
        first.loc["area", "value"],
        first.loc["area", "lower_95"],
        first.loc["area", "upper_95"],
    ) == (row["Value"], row["Lower CI 95.0 limit"], row["Upper CI 95.0 limit"])
    assert (
        first.loc["area", "compared_to_england"] == row["Compared to England value or percentiles"]
    )


def test_an_unknown_area_suggests_near_names(table: pd.DataFrame) -> None:
    with pytest.raises(
        DataError, match="No area called 'Synthetic borugh A'.*Did you mean 'Synthetic borough A'"
    ):
        area_in_context(table, "Synthetic borugh A")


def test_a_file_missing_an_export_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "download.csv"
    pd.read_csv(SAMPLE, dtype=str).drop(columns=["Area Code"]).to_csv(path, index=False)
    with pytest.raises(DataError, match="'Area Code'"):
        read_fingertips(path)


def test_parent_area_names_are_not_peoples_names_but_identifiers_are_still_caught(
    tmp_path: Path,
) -> None:
    path = tmp_path / "download.csv"
    frame = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    frame.loc[3, "Area Name"] = "Flat 2, SW1A 1AA"
    frame.to_csv(path, index=False)
    with pytest.raises(IdentifiableDataError) as caught:
        read_fingertips(path)
    assert "column 'Area Name', row 5: a full postcode" in str(caught.value)
    assert "Parent Name" not in str(caught.value)


def test_without_fingertips_py_the_message_says_to_download_the_csv(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "fingertips_py", None)  # import fails as if not installed
    with pytest.raises(DataError, match="read_fingertips"):
        fetch_fingertips([1], 502)


def test_fetching_through_fingertips_py_gives_the_same_table_as_a_download(
    monkeypatch: pytest.MonkeyPatch, table: pd.DataFrame
) -> None:
    asked = {}

    def get_data_by_indicator_ids(ids: list[int], area_type_id: int) -> pd.DataFrame:
        asked.update(ids=ids, area_type_id=area_type_id)
        return pd.read_csv(SAMPLE)  # what the API's CSV endpoint returns: the same columns

    monkeypatch.setitem(
        sys.modules,
        "fingertips_py",
        types.SimpleNamespace(get_data_by_indicator_ids=get_data_by_indicator_ids),
    )
    fetched = fetch_fingertips([1, 2], 502)
    assert asked == {"ids": [1, 2], "area_type_id": 502}
    pd.testing.assert_frame_equal(
        area_in_context(fetched, "E09999901"),
        area_in_context(table, "E09999901"),
        check_dtype=False,
    )


def test_an_offline_hub_is_told_to_download_the_csv(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable(*_args: object) -> pd.DataFrame:
        raise ConnectionError("no route to host")

    monkeypatch.setitem(
        sys.modules, "fingertips_py", types.SimpleNamespace(get_data_by_indicator_ids=unreachable)
    )
    with pytest.raises(DataError, match="could not be reached from this hub"):
        fetch_fingertips([1], 502)


def test_the_chart_says_its_source_and_when_it_is_synthetic(table: pd.DataFrame) -> None:
    context = area_in_context(table, "E09999901")
    synthetic = plot_area_in_context(context)  # the sample file: synthetic unless told otherwise
    real = plot_area_in_context(context, synthetic=False)
    assert CAPTION in [text.get_text() for text in synthetic.texts]
    assert "OHID Fingertips" in real._supxlabel.get_text()
    assert CAPTION not in [text.get_text() for text in real.texts]
    texts = [t.get_text() for ax in synthetic.axes for t in ax.texts]
    assert "Synthetic borough A 812.0 (higher than England)" in texts
    assert len(synthetic.axes) == 4
