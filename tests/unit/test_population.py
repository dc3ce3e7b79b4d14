"""The borough's children: generator calibration, readers and the whole-population tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from changekit import population as pop
from changekit.data import DataError
from changekit.governance import IdentifiableDataError, find_identifiers
from changekit.sample_data import population as generator
from changekit.sample_data import referrals, write_csv

# ---------------------------------------------------------------- the generated data


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return generator.generate()


@pytest.fixture(scope="module")
def children(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return tables["population.csv"]


def test_population_file_is_modest(tmp_path: Path, children: pd.DataFrame) -> None:
    assert 30_000 <= len(children) <= 40_000
    write_csv(children, tmp_path / "population.csv")
    assert (tmp_path / "population.csv").stat().st_size < 5_000_000


def test_practices_are_the_boroughs_thirty_in_four_pcns(children: pd.DataFrame) -> None:
    assert sorted(children["practice_code"].unique()) == referrals.practice_codes()
    assert children.groupby("practice_code")["pcn"].nunique().max() == 1
    assert children["pcn"].nunique() == 4


def test_segment_shares_match_beaney_2021(children: pd.DataFrame) -> None:
    share = children["segment"].value_counts(normalize=True)
    assert set(share.index) == set(pop.SEGMENTS)
    assert share["complex"] == pytest.approx(0.044, abs=0.006), "high-use segment ~4.4%"
    smallest = share.nsmallest(2)
    assert set(smallest.index) == {"complex", "acute_severe"}
    assert smallest.sum() == pytest.approx(0.133, abs=0.012)
    cost = children.groupby("segment")["cost_gbp"].sum()
    assert 0.57 <= cost[smallest.index].sum() / cost.sum() <= 0.66, "~62.5% of cost"


def test_generator_uses_the_librarys_names(children: pd.DataFrame) -> None:
    assert generator.AGE_BANDS == pop.AGE_BANDS
    assert set(generator.SEGMENT_SHARES) == set(pop.SEGMENTS)
    assert tuple(pop.SERVICES) == generator.SERVICES
    assert pop.POPULATION.names == list(children.columns), "the schema describes the file"


def test_long_term_conditions_and_asthma(children: pd.DataFrame) -> None:
    assert 0.25 <= (children["ltc_count"] > 0).mean() <= 0.28
    assert (children["asthma"] == "yes").mean() == pytest.approx(1 / 11, abs=0.01)
    assert (children.loc[children["asthma"] == "yes", "ltc_count"] > 0).all()
    assert (children.loc[children["segment"] == "single_ltc", "ltc_count"] == 1).all()
    assert (children.loc[children["segment"] == "healthy", "ltc_count"] == 0).all()


@pytest.mark.parametrize(
    ("service", "infants", "ones_to_fours", "everyone", "tolerance"),
    [
        ("gp_contacts", 6722, 2368, 1864, 0.06),
        ("ed_attendances", 830, 497, 369, 0.08),
        ("emergency_admissions", 410, None, 86, 0.12),
        ("outpatient_attendances", 1529, None, 724, 0.08),
    ],
)
def test_rates_per_1000_match_ruzangi_2020(
    children: pd.DataFrame,
    service: str,
    infants: int,
    ones_to_fours: int | None,
    everyone: int,
    tolerance: float,
) -> None:
    by_age = children.groupby("age_band")[service].mean() * 1000
    assert by_age["under 1"] == pytest.approx(infants, rel=tolerance)
    if ones_to_fours is not None:
        assert by_age["1-4"] == pytest.approx(ones_to_fours, rel=tolerance)
    assert children[service].mean() * 1000 == pytest.approx(everyone, rel=tolerance)


def test_most_deprived_are_60_to_70_percent_more_likely_to_attend(children: pd.DataFrame) -> None:
    rate = children.groupby("imd_quintile")["ed_attendances"].mean()
    assert 1.5 <= rate[1] / rate[5] <= 1.8
    assert rate.is_monotonic_decreasing


def test_cost_is_the_services_priced_at_unit_costs(children: pd.DataFrame) -> None:
    priced = sum(children[s] * c for s, c in generator.UNIT_COSTS.items())
    assert (children["cost_gbp"] == priced).all()
    assert set(generator.UNIT_COSTS) == set(pop.SERVICES)


def test_the_two_designed_practices_stand_out(children: pd.DataFrame) -> None:
    any_ed = (children["ed_attendances"] > 0).groupby(children["practice_code"]).mean()
    assert any_ed.idxmax() == generator.HARD_TO_REACH_PRACTICE
    assert any_ed.idxmin() == generator.HUB_PRACTICE


def test_no_identifiers_in_any_table(tables: dict[str, pd.DataFrame]) -> None:
    assert tables, "the generator should give tables to check"
    found = {name: find_identifiers(table) for name, table in tables.items()}
    assert found == {name: [] for name in tables}


def test_needs_and_services_leave_designed_gaps(tables: dict[str, pd.DataFrame]) -> None:
    gaps = pop.map_gaps(tables["segment_needs.csv"], tables["service_map.csv"])
    assert set(gaps["segment"]) == set(pop.SEGMENTS)
    unmet = gaps.loc[gaps["gap"], "segment"].value_counts()
    assert unmet.idxmax() == "complex" and unmet.max() == 3
    known = set(tables["segment_needs.csv"]["need"])
    assert set(tables["service_map.csv"]["need"]) <= known, "every service meets a listed need"


# ---------------------------------------------------------------- readers


def test_read_population_types_the_columns() -> None:
    table = pop.read_population()
    assert table["cost_gbp"].dtype == "float64"
    assert table["ed_attendances"].dtype == "int64"
    assert list(table.columns[: len(pop.POPULATION.names)]) == pop.POPULATION.names


def test_read_population_names_a_misspelt_segment(tmp_path: Path, children: pd.DataFrame) -> None:
    bad = children.head(5).copy()
    bad.loc[2, "segment"] = "Complex"
    write_csv(bad, tmp_path / "mine.csv")
    with pytest.raises(DataError, match=r"(?s)'segment'.*row 4.*'Complex'"):
        pop.read_population(tmp_path / "mine.csv")


def test_read_population_refuses_nhs_numbers(tmp_path: Path, children: pd.DataFrame) -> None:
    leaked = children.head(3).assign(nhs="943 476 5919")
    write_csv(leaked, tmp_path / "extract.csv")
    with pytest.raises(IdentifiableDataError, match="NHS number"):
        pop.read_population(tmp_path / "extract.csv")


def test_read_needs_and_service_map() -> None:
    needs, services = pop.read_segment_needs(), pop.read_service_map()
    assert list(needs.columns) == ["segment", "need"]
    assert {"service", "provider", "hours", "need"} <= set(services.columns)


# ---------------------------------------------------------------- tables on small data


@pytest.fixture
def small() -> pd.DataFrame:
    """Six children: two healthy, three with a single condition, one complex."""
    return pd.DataFrame(
        {
            "practice_code": ["A", "A", "A", "B", "B", "B"],
            "age_band": ["under 1", "5-10", "1-4", "1-4", "11-15", "under 1"],
            "imd_quintile": [1, 1, 5, 5, 5, 1],
            "segment": ["healthy", "healthy", "single_ltc", "single_ltc", "single_ltc", "complex"],
            "ltc_count": [0, 0, 1, 1, 1, 3],
            "gp_contacts": [1, 0, 2, 3, 0, 10],
            "ed_attendances": [0, 0, 1, 0, 0, 3],
            "cost_gbp": [40.0, 0.0, 360.0, 120.0, 0.0, 2480.0],
        }
    )


def test_segment_summary_counts_shares_and_costs(small: pd.DataFrame) -> None:
    table = pop.segment_summary(small)
    assert list(table.index) == ["healthy", "single_ltc", "complex"], "CC4C order"
    assert table.loc["single_ltc", "children"] == 3
    assert table.loc["single_ltc", "share"] == pytest.approx(0.5)
    assert table.loc["healthy", "with_ltc"] == 0
    assert table.loc["complex", "cost_share"] == pytest.approx(2480 / 3000)
    assert table.loc["single_ltc", "cost_per_child"] == pytest.approx(160)
    assert table.loc["complex", "name"] == "Complex health needs"
    assert table["share"].sum() == pytest.approx(1)


def test_rate_table_overall_and_by_age_band(small: pd.DataFrame) -> None:
    overall = pop.rate_table(small, services=["gp_contacts", "ed_attendances"])
    assert overall.loc["all children", "children"] == 6
    assert overall.loc["all children", "ed_attendances"] == pytest.approx(4 / 6 * 1000)
    by_age = pop.rate_table(small, by="age_band", services=["gp_contacts"])
    assert list(by_age.index) == ["under 1", "1-4", "5-10", "11-15"], "youngest first"
    assert by_age.loc["under 1", "gp_contacts"] == pytest.approx(5500)


def test_service_users_is_the_share_with_any_contact(small: pd.DataFrame) -> None:
    users = pop.service_users(small, services=["gp_contacts", "ed_attendances"])
    assert users.loc["single_ltc", "gp_contacts"] == pytest.approx(2 / 3)
    assert users.loc["complex", "ed_attendances"] == 1
    assert users.loc["healthy", "children"] == 2


def test_missing_column_is_named(small: pd.DataFrame) -> None:
    with pytest.raises(
        DataError, match=r"has no columns 'emergency_admissions', 'outpatient_attendances'"
    ):
        pop.rate_table(small)


def test_share_of_cost_and_children_for_share() -> None:
    costs = [700, 100, 100, 50, 50, 0, 0, 0, 0, 0]
    assert pop.share_of_cost(costs, 0.1) == pytest.approx(0.7)
    assert pop.share_of_cost(costs, 0.3) == pytest.approx(0.9)
    assert pop.children_for_share(costs, 0.5) == pytest.approx(0.1)
    assert pop.children_for_share(costs, 0.75) == pytest.approx(0.2)
    curve = pop.cost_curve(costs)
    assert curve["cost_share"].iloc[-1] == pytest.approx(1)
    assert curve["children_share"].iloc[0] == pytest.approx(0.1)


@pytest.mark.parametrize("costs", [[], [0, 0], [10, -1], [5, float("nan")]])
def test_costs_that_cannot_be_ranked_are_refused(costs: list[float]) -> None:
    with pytest.raises(DataError, match="one number per child"):
        pop.share_of_cost(costs, 0.1)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 5000), min_size=1, max_size=200).filter(lambda c: sum(c) > 0),
    st.floats(0.01, 1.0),
)
def test_the_costliest_children_carry_at_least_their_share(costs: list[int], top: float) -> None:
    share = pop.share_of_cost(costs, top)
    count = max(1, round(top * len(costs)))
    assert count / len(costs) - 1e-9 <= share <= 1 + 1e-9
    reached = pop.children_for_share(costs, share)
    assert reached <= count / len(costs) + 1e-9
    assert pop.share_of_cost(costs, reached) >= share - 1e-9


def test_plot_pareto_draws_a_titled_chart(small: pd.DataFrame) -> None:
    figure = pop.plot_pareto(small["cost_gbp"], title="Cost")
    assert isinstance(figure, Figure)
    assert figure.axes[0].get_title() == "Cost"


def test_variation_by_group_gives_rate_ratios(small: pd.DataFrame) -> None:
    table = pop.variation_by_group(small, "imd_quintile", "gp_contacts", reference=5)
    assert table.loc[5, "rate_ratio"] == 1
    assert table.loc[1, "rate"] == pytest.approx(11 / 3 * 1000)
    assert table.loc[1, "rate_ratio"] == pytest.approx((11 / 3) / (5 / 3))
    assert (table["low"] <= table["rate"]).all() and (table["rate"] <= table["high"]).all()
    with pytest.raises(DataError, match="reference group 9"):
        pop.variation_by_group(small, "imd_quintile", "gp_contacts", reference=9)


def test_map_gaps_matches_needs_ignoring_case_and_spaces() -> None:
    needs = pd.DataFrame(
        {
            "segment": ["complex", "complex", "healthy"],
            "need": ["Care coordinator", "respite", "immunisations"],
        }
    )
    services = pd.DataFrame(
        {
            "service": ["Nurse team", "GP", "Pharmacy"],
            "need": ["care coordinator ", "immunisations", "immunisations"],
        }
    )
    gaps = pop.map_gaps(needs, services)
    assert gaps["n_services"].tolist() == [1, 0, 2]
    assert gaps["gap"].tolist() == [False, True, False]
    assert gaps.loc[2, "services"] == "GP; Pharmacy"
    summary = pop.gap_summary(gaps)
    assert summary.loc["complex", "unmet"] == 1
    assert summary.loc["complex", "unmet_needs"] == "respite"
    assert list(summary.index) == ["healthy", "complex"]


def test_gap_summary_weighs_gaps_by_children(small: pd.DataFrame) -> None:
    gaps = pd.DataFrame(
        {"segment": ["complex", "healthy"], "need": ["x", "y"], "gap": [True, False]}
    )
    summary = pop.gap_summary(gaps, small)
    assert summary.loc["complex", "children"] == 1
    assert summary.loc["complex", "cost_share"] == pytest.approx(2480 / 3000)
    assert np.isclose(summary["cost_share"].sum(), (2480 + 40) / 3000)
