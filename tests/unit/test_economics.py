"""Tests for changekit.economics and its sample data: readers, cost model, break-even, sensitivity."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import ipywidgets as widgets
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from changekit import economics as econ
from changekit.economics import (
    ACTIVITY_ITEMS,
    COST_ITEMS,
    STAFF_ITEMS,
    ClinicActivity,
    activity_table,
    break_even_month,
    clinic_cost,
    cost_per_attendance_avoided,
    cost_sliders,
    estimate_activity,
    format_gbp,
    gross_saving,
    net_saving,
    one_way_sensitivity,
    outline_text,
    plot_break_even,
    plot_tornado,
    read_baby_clinic,
    read_unit_costs,
    spread_saving,
    unit_costs,
)
from changekit.errors import DataError
from changekit.sample_data import baby_clinic

# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def files(sample_csvs: Callable[[Callable[[], dict]], Path]) -> Path:
    """The generated tables written as CSV, as ``make data`` writes them."""
    return sample_csvs(baby_clinic.generate)


@pytest.fixture(scope="module")
def clinic(files: Path) -> pd.DataFrame:
    return read_baby_clinic(files / "baby_clinic.csv")


@pytest.fixture(scope="module")
def cost_table(files: Path) -> pd.DataFrame:
    return read_unit_costs(files / "unit_costs.csv")


@pytest.fixture(scope="module")
def costs(cost_table: pd.DataFrame) -> dict[str, float]:
    return unit_costs(cost_table)


@pytest.fixture(scope="module")
def activity(clinic: pd.DataFrame) -> ClinicActivity:
    return estimate_activity(clinic)


def simple_activity(**avoided: float) -> ClinicActivity:
    """A clinic with round numbers: 1 of each contact avoided a month, 2 hours of each staff."""
    per_month = {a: 1.0 for a in ACTIVITY_ITEMS} | avoided
    return ClinicActivity(
        per_month, {s: 2.0 for s in STAFF_ITEMS}, infants=300.0, months_observed=12
    )


def flat_costs(value: float = 10.0, **changes: float) -> dict[str, float]:
    return {item: value for item in COST_ITEMS} | changes


# Strategies: any non-negative costs and activity a clinic could plausibly have.
cost_values = st.floats(min_value=0, max_value=2_000, allow_nan=False)
costs_strategy = st.fixed_dictionaries({item: cost_values for item in COST_ITEMS})
activity_strategy = st.builds(
    ClinicActivity,
    avoided_per_month=st.fixed_dictionaries(
        {a: st.floats(min_value=-5, max_value=50, allow_nan=False) for a in ACTIVITY_ITEMS}
    ),
    staff_hours_per_month=st.fixed_dictionaries(
        {s: st.floats(min_value=0, max_value=40, allow_nan=False) for s in STAFF_ITEMS}
    ),
    infants=st.floats(min_value=50, max_value=1_000),
    months_observed=st.just(12),
)


# ---------------------------------------------------------------- sample data


def test_unit_costs_are_the_published_ones_with_price_years(cost_table: pd.DataFrame) -> None:
    table = cost_table.set_index("item")
    assert set(table.index) == set(COST_ITEMS)
    published = {
        "gp_consultation": 40,
        "ae_attendance": 127,
        "admission": 607,
        "health_visitor_contact": 82,
        "consultant_hour": 140,
        "practice_nurse": 11,
        "outpatient_attendance": 232,
    }
    for item, cost in published.items():
        assert table.loc[item, "cost_gbp"] == cost, item
    assert table.loc["outpatient_attendance", "price_year"] == "2023/24"
    assert (table.drop(index="outpatient_attendance")["price_year"] == "2024/25").all()
    assert table["source"].str.len().min() > 20


def test_clinic_data_are_calibrated(clinic: pd.DataFrame, costs: dict[str, float]) -> None:
    before = clinic[clinic["period"] == "before"]
    assert len(before) == 12 and (clinic["period"] == "after").sum() == 24
    assert abs(clinic["infants_0_6m"].mean() - baby_clinic.INFANTS) < 10, (
        "a network of 50,000, London births"
    )
    rate = 1000 * before["ae_attendances"].sum() / before["infants_0_6m"].sum()
    assert 8 <= rate <= 16, "A&E attendances for feeding problems per 1,000 infants per month"
    admitted = before["admissions"].sum() / before["ae_attendances"].sum()
    assert 0.15 <= admitted <= 0.45, "about a quarter of infant attendances are admitted"
    assert (before[["clinic_sessions", "babies_seen", *STAFF_ITEMS]] == 0).all().all()
    outline = estimate_activity(clinic)
    assert all(v > 0 for v in outline.avoided_per_month.values())
    assert net_saving(outline, costs) > 0, "the case study's outline showed a saving"
    assert break_even_month(outline, costs) <= 12


# ---------------------------------------------------------------- readers


def test_read_unit_costs_refuses_a_repeated_item(
    text_file: Callable[[str, str], Path], files: Path
) -> None:
    text = (files / "unit_costs.csv").read_text()
    path = text_file("costs.csv", text + text.splitlines()[1] + "\n")
    with pytest.raises(DataError, match=r"'item'.*rows 2 and 10.*one row per item"):
        read_unit_costs(path)


def test_read_unit_costs_wants_a_financial_price_year(
    text_file: Callable[[str, str], Path], files: Path
) -> None:
    text = (files / "unit_costs.csv").read_text().replace(",2024/25\n", ",2024\n", 1)
    with pytest.raises(DataError, match=r"'price_year'.*row 2\b.*2024/25"):
        read_unit_costs(text_file("costs.csv", text))


def test_unit_costs_names_a_missing_item(cost_table: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="'admission'"):
        unit_costs(cost_table[cost_table["item"] != "admission"])


def test_read_baby_clinic_refuses_a_before_month_after_the_launch(
    text_file: Callable[[str, str], Path], files: Path
) -> None:
    lines = (files / "baby_clinic.csv").read_text().splitlines()
    lines[20] = lines[20].replace(",after,", ",before,")
    with pytest.raises(DataError, match=r"'period'.*row 21\b"):
        read_baby_clinic(text_file("clinic.csv", "\n".join(lines) + "\n"))


@pytest.mark.parametrize("change", ["swapped", "repeated"])
def test_read_baby_clinic_refuses_months_out_of_order_or_repeated(
    text_file: Callable[[str, str], Path], files: Path, change: str
) -> None:
    lines = (files / "baby_clinic.csv").read_text().splitlines()
    month = lines[0].split(",").index("month")
    if change == "swapped":
        lines[3], lines[4] = lines[4], lines[3]
    else:  # row 5 repeats row 4's month (a month entered twice), the rest stays in order
        cells = lines[4].split(",")
        cells[month] = lines[3].split(",")[month]
        lines[4] = ",".join(cells)
    with pytest.raises(
        DataError, match=r"'month' repeats or goes back in time in row 5\b.*oldest first"
    ):
        read_baby_clinic(text_file("clinic.csv", "\n".join(lines) + "\n"))


def test_read_baby_clinic_needs_both_periods(
    text_file: Callable[[str, str], Path], files: Path
) -> None:
    text = (files / "baby_clinic.csv").read_text().replace(",after,", ",before,")
    with pytest.raises(DataError, match="both 'before' and 'after'"):
        read_baby_clinic(text_file("clinic.csv", text))


def test_read_baby_clinic_uses_read_table_checks(
    text_file: Callable[[str, str], Path], files: Path
) -> None:
    text = (files / "baby_clinic.csv").read_text().replace("ae_attendances", "AE attendances")
    with pytest.raises(DataError, match="ae_attendances"):
        read_baby_clinic(text_file("clinic.csv", text))


# ---------------------------------------------------------------- activity avoided


def test_activity_table_matches_a_hand_calculation(clinic: pd.DataFrame) -> None:
    table = activity_table(clinic)
    before, after = clinic.iloc[:12], clinic.iloc[12:]
    for activity in ACTIVITY_ITEMS:
        rate = before[activity].sum() / before["infants_0_6m"].sum()
        expected = rate * after["infants_0_6m"].sum()
        avoided = expected - after[activity].sum()
        assert table.loc[activity, "before_rate"] == pytest.approx(1000 * rate)
        assert table.loc[activity, "avoided"] == pytest.approx(avoided)
        assert table.loc[activity, "avoided_per_month"] == pytest.approx(avoided / 24)


def test_estimate_activity_averages_staff_time_after_the_launch(clinic: pd.DataFrame) -> None:
    outline = estimate_activity(clinic)
    after = clinic[clinic["period"] == "after"]
    assert outline.staff_hours_per_month["consultant_hours"] == pytest.approx(
        after["consultant_hours"].mean()
    )
    assert outline.infants == pytest.approx(after["infants_0_6m"].mean())
    assert outline.months_observed == 24


# ---------------------------------------------------------------- cost model


def test_cost_model_by_hand() -> None:
    activity = simple_activity()
    costs = flat_costs(10.0, clinic_setup=100.0)
    # saving: 5 kinds of contact x 1 a month x GBP 10; running: consultant 2 h x 10
    # + GP 2 h x 6 x 10 + nurse 2 h x 6 x 10 = 260 a month.
    assert gross_saving(activity, costs, months=12) == pytest.approx(12 * 50)
    assert clinic_cost(activity, costs, months=12) == pytest.approx(100 + 12 * 260)
    assert net_saving(activity, costs, months=12) == pytest.approx(600 - 3220)
    assert cost_per_attendance_avoided(activity, costs, months=12) == pytest.approx(3220 / (12 * 4))


def test_cost_per_attendance_avoided_needs_attendances_avoided() -> None:
    activity = simple_activity(**{a: 0.0 for a in ACTIVITY_ITEMS})
    with pytest.raises(DataError, match="no attendances"):
        cost_per_attendance_avoided(activity, flat_costs())


@pytest.mark.parametrize("bad", [{"admission": -1.0}, {"admission": "607"}])
def test_costs_must_be_numbers_of_zero_or_more(bad: dict[str, object]) -> None:
    with pytest.raises(DataError, match="'admission'"):
        net_saving(simple_activity(), flat_costs() | bad)


@pytest.mark.parametrize("months", [0, 1.5, True])
def test_months_must_be_a_whole_number(months: object) -> None:
    with pytest.raises(DataError, match="months"):
        net_saving(simple_activity(), flat_costs(), months=months)


@settings(max_examples=60, deadline=None)
@given(
    activity=activity_strategy,
    costs=costs_strategy,
    item=st.sampled_from(COST_ITEMS),
    extra=st.floats(min_value=0.01, max_value=500),
)
def test_net_saving_moves_one_way_in_each_unit_cost(activity, costs, item, extra) -> None:
    """Dearer contacts avoided raise the saving; dearer staff or set-up lower it."""
    before = net_saving(activity, costs)
    after = net_saving(activity, costs | {item: costs[item] + extra})
    saves = sum(activity.avoided_per_month[a] for a, i in ACTIVITY_ITEMS.items() if i == item)
    spends = sum(
        activity.staff_hours_per_month[s] * per_hour
        for s, (i, per_hour) in STAFF_ITEMS.items()
        if i == item
    )
    slope = 12 * (saves - spends) - (1 if item == econ.SETUP_ITEM else 0)
    assert after - before == pytest.approx(slope * extra, rel=1e-6, abs=1e-6)
    if slope >= 0:
        assert after >= before - 1e-6
    else:
        assert after <= before + 1e-6


@settings(max_examples=60, deadline=None)
@given(activity=activity_strategy, costs=costs_strategy)
def test_break_even_agrees_with_the_cost_model(activity, costs) -> None:
    month = break_even_month(activity, costs)
    if month is None:
        # net saving is linear in months and starts at minus the set-up cost, so one
        # negative value at the horizon means it is negative in every month before it.
        assert net_saving(activity, costs, months=1200) < 0
    else:
        assert net_saving(activity, costs, months=month) >= 0
        assert month == 1 or net_saving(activity, costs, months=month - 1) < 0


def test_break_even_examples() -> None:
    activity = simple_activity()
    # margin: (10 + 4 x 100) saved - (2 x 10 + 2 x 6 x 10 + 2 x 6 x 10) spent = 150 a month.
    costs = flat_costs(10.0, clinic_setup=1000.0) | {
        i: 100.0 for i in ACTIVITY_ITEMS.values() if i not in ("gp_consultation",)
    }
    margin = econ.monthly_gross_saving(activity, costs) - econ.monthly_running_cost(activity, costs)
    assert margin == pytest.approx(150)
    assert break_even_month(activity, costs) == math.ceil(1000 / margin) == 7
    assert break_even_month(activity, costs | {"clinic_setup": 0.0}) == 1
    assert break_even_month(activity, flat_costs(10.0)) is None  # running costs exceed savings
    paid_back_in_7 = costs | {"clinic_setup": 1050.0}  # 7 x 150: even at the end of month 7
    assert break_even_month(activity, paid_back_in_7) == 7
    assert break_even_month(activity, paid_back_in_7, horizon=7) == 7, (
        "the horizon's last month counts"
    )
    assert break_even_month(activity, paid_back_in_7, horizon=6) is None


# ---------------------------------------------------------------- sensitivity and spread


def test_one_way_sensitivity_recomputes_the_model(
    activity: ClinicActivity, costs: dict[str, float]
) -> None:
    table = one_way_sensitivity(activity, costs, ranges={"ae_attendance": (127, 280)})
    assert set(table["parameter"]) == set(COST_ITEMS)
    assert table["swing"].is_monotonic_decreasing
    assert table["base_net"].tolist() == pytest.approx([net_saving(activity, costs)] * len(table))
    rows = table.set_index("parameter")
    assert rows.loc["ae_attendance", ["low", "high"]].tolist() == [127, 280]
    assert rows.loc["ae_attendance", "net_at_high"] == pytest.approx(
        net_saving(activity, costs | {"ae_attendance": 280})
    )
    assert rows.loc["consultant_hour", "low"] == pytest.approx(0.5 * costs["consultant_hour"])
    assert rows.loc["consultant_hour", "net_at_low"] == pytest.approx(
        net_saving(activity, costs | {"consultant_hour": 0.5 * costs["consultant_hour"]})
    )
    assert rows.loc["consultant_hour", "net_at_low"] > rows.loc["consultant_hour", "net_at_high"]


def test_one_way_sensitivity_can_vary_the_effect(
    activity: ClinicActivity, costs: dict[str, float]
) -> None:
    table = one_way_sensitivity(activity, costs, ranges={"admissions": (0.0, 1.0)}).set_index(
        "parameter"
    )
    assert table.loc["admissions", "kind"] == "contacts avoided per month"
    assert table.loc["admissions", "swing"] == pytest.approx(12 * costs["admission"])


def test_one_way_sensitivity_refuses_unknown_inputs(
    activity: ClinicActivity, costs: dict[str, float]
) -> None:
    with pytest.raises(DataError, match="'taxi_fare'"):
        one_way_sensitivity(activity, costs, ranges={"taxi_fare": (1, 2)})
    with pytest.raises(DataError, match="low"):
        one_way_sensitivity(activity, costs, low=1.5, high=0.5)


def test_plot_tornado_draws_two_bars_per_input(
    activity: ClinicActivity, costs: dict[str, float]
) -> None:
    table = one_way_sensitivity(activity, costs)
    fig = plot_tornado(table, top=5)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert len(ax.patches) == 2 * 5
    ticks = sorted(zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels()), strict=True))
    assert ticks[-1][1].startswith(table["label"].iloc[0]), "the widest swing is at the top"
    assert all("£" in text for _, text in ticks)


def test_plot_break_even_marks_the_month(activity: ClinicActivity, costs: dict[str, float]) -> None:
    fig = plot_break_even(activity, costs, months=18)
    ax = fig.axes[0]
    line = ax.get_lines()[0]
    assert list(line.get_xdata()) == list(range(1, 19))
    assert line.get_ydata()[0] == pytest.approx(net_saving(activity, costs, months=1))
    month = break_even_month(activity, costs)
    assert any(f"month {month}" in text.get_text() for text in ax.get_legend().get_texts())


def test_spread_saving_scales_with_sites_infants_and_effect(
    activity: ClinicActivity, costs: dict[str, float]
) -> None:
    one = net_saving(activity, costs)
    assert spread_saving(activity, costs, sites=0) == 0
    assert spread_saving(activity, costs, sites=1) == pytest.approx(one)
    assert spread_saving(activity, costs, sites=4) == pytest.approx(4 * one)
    assert spread_saving(activity, costs, sites=2, effect=0) == pytest.approx(
        -2 * clinic_cost(activity, costs)
    )
    halved = spread_saving(activity, costs, sites=1, infants_per_site=activity.infants / 2)
    assert halved == pytest.approx(gross_saving(activity, costs) / 2 - clinic_cost(activity, costs))
    with pytest.raises(DataError, match="sites"):
        spread_saving(activity, costs, sites=2.5)


# ---------------------------------------------------------------- display


def test_cost_sliders_recompute_the_outline(
    activity: ClinicActivity, cost_table: pd.DataFrame, costs: dict[str, float]
) -> None:
    box = cost_sliders(activity, cost_table)
    sliders = [w for w in box.children if isinstance(w, widgets.FloatSlider)]
    result = box.children[-1]
    assert len(sliders) == len(COST_ITEMS)
    assert all("(2024/25)" in s.description or "(2023/24)" in s.description for s in sliders)
    assert outline_text(activity, costs) in result.value
    consultant = next(s for s in sliders if s.description.startswith("Consultant"))
    consultant.value = 2 * costs["consultant_hour"]
    assert outline_text(activity, costs | {"consultant_hour": consultant.value}) in result.value


def test_outline_text_and_money_format(activity: ClinicActivity) -> None:
    assert format_gbp(2900.4) == "£2,900" and format_gbp(-1250) == "-£1,250"
    text = outline_text(activity, flat_costs(10.0))
    assert "never breaks even" in text and "net saving -£" in text
