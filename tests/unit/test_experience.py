"""Children's A&E attendances, opening hours, and the coding of parents' quotes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from changekit import experience as ex
from changekit.answer_models import REPORT_PICKS, THEMES, QuoteCode, QuoteCoding
from changekit.answers import AnswerStore
from changekit.data import DataError
from changekit.governance import check_no_identifiers
from changekit.sample_data import attendances as generator
from changekit.sample_data import write_csv
from changekit.widgets.quote_coding import codebook

# ---------------------------------------------------------------- the generated data


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return generator.generate()


@pytest.fixture(scope="module")
def visits(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return tables["ed_attendances.csv"]


@pytest.fixture(scope="module")
def quotes(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return tables["parent_quotes.csv"]


def test_attendances_are_calibrated(visits: pd.DataFrame) -> None:
    infants = visits["age_years"] == 0
    suitable = visits["primary_care_suitable"] == "yes"
    assert 12_000 <= len(visits) <= 14_000
    assert 0.12 <= infants.mean() <= 0.18, "infants attend at ~2x the all-ages rate"
    assert 0.21 <= (visits.loc[infants, "outcome"] == "admitted").mean() <= 0.29, "Nath 2022: ~25%"
    assert 0.58 <= suitable.mean() <= 0.82, "58-82% non-urgent, depending on definition"
    assert 0.58 <= (visits["triage_category"] >= 4).mean() <= 0.82
    assert suitable[infants].mean() > suitable[~infants].mean(), "under-1s most often non-urgent"
    assert not (suitable & (visits["outcome"] == "admitted")).any()


def test_arrivals_peak_in_the_evening_and_many_come_when_practices_are_shut(
    visits: pd.DataFrame,
) -> None:
    hour = ex.arrival_hour(visits)
    assert hour.value_counts().idxmax() in range(17, 21)
    assert hour.between(2, 5).mean() < 0.05
    share_open = ex.in_hours(visits).mean()
    assert 0.35 <= share_open <= 0.5
    ambulance = (visits["arrival_mode"] == "ambulance").groupby(visits["triage_category"]).mean()
    assert ambulance[1] > ambulance[5]


def test_referral_sources_follow_opening_hours(visits: pd.DataFrame) -> None:
    open_now = ex.in_hours(visits)
    via_111 = visits["referral_source"] == "NHS 111"
    assert via_111[~open_now].mean() > via_111[open_now].mean()


def test_quotes_are_varied_short_and_anonymous(quotes: pd.DataFrame) -> None:
    assert 30 <= len(quotes) <= 40
    assert quotes["quote_id"].is_unique and quotes["quote"].is_unique
    assert quotes["quote"].str.len().between(30, 200).all()
    check_no_identifiers(quotes, source="quotes")
    text = " ".join(quotes["quote"]).lower()
    for topic in ("111", "appointment", "english", "weekend", "health visitor", "paediatrician"):
        assert topic in text, f"the quotes should touch on {topic!r}"


def test_readers_accept_the_course_data() -> None:
    visits, quotes = ex.read_attendances(), ex.read_quotes()
    assert visits["triage_category"].dtype == "int64"
    assert list(quotes.columns) == ["quote_id", "child_age", "quote"]


def test_read_attendances_names_rows_with_bad_times(tmp_path: Path, visits: pd.DataFrame) -> None:
    bad = visits.head(6).copy()
    bad.loc[1, "arrival_time"] = "7:05"
    bad.loc[4, "arrival_time"] = "25:00"
    write_csv(bad, tmp_path / "ed.csv")
    with pytest.raises(DataError, match=r"'arrival_time', rows 3 and 6.*'7:05'.*HH:MM"):
        ex.read_attendances(tmp_path / "ed.csv")


def test_read_quotes_refuses_repeated_ids(tmp_path: Path, quotes: pd.DataFrame) -> None:
    bad = quotes.head(4).copy()
    bad.loc[3, "quote_id"] = "Q01"
    write_csv(bad, tmp_path / "quotes.csv")
    with pytest.raises(DataError, match=r"'quote_id', rows 2 and 5 .*share an id"):
        ex.read_quotes(tmp_path / "quotes.csv")


# ---------------------------------------------------------------- opening hours


def test_gp_core_hours_boundaries() -> None:
    hours = ex.GP_CORE_HOURS
    assert hours.is_open("Monday", 8 * 60)
    assert not hours.is_open("Monday", 8 * 60 - 1)
    assert hours.is_open("Friday", 18 * 60 + 29)
    assert not hours.is_open("Friday", 18 * 60 + 30)
    assert not hours.is_open("Saturday", 12 * 60)


def test_opening_hours_with_several_sessions_and_24_hours() -> None:
    hours = ex.opening_hours("Mon-Fri 08:00-20:00; Sat 09:00-17:00", name="Hub")
    assert hours.name == "Hub"
    assert hours.is_open("Saturday", 9 * 60) and not hours.is_open("Sunday", 10 * 60)
    assert hours.is_open("Wednesday", 19 * 60 + 59)
    always = ex.opening_hours("24 hours")
    assert all(always.is_open(day, 3 * 60) for day in ex.WEEKDAYS)
    assert ex.opening_hours("sat 00:00-24:00").is_open("Saturday", 23 * 60 + 59)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("weekdays 8 till 6", "is not like 'Mon-Fri 08:00-18:30'"),
        ("Mon-Fri 18:30-08:00", "closes before it opens"),
        ("Fri-Mon 08:00-18:30", "days run backwards"),
        ("Mon-Fry 08:00-18:30", "use Mon, Tue"),
        ("Mon 08:00-25:00", "is not a time of day"),
        (" , ", "empty"),
    ],
)
def test_opening_hours_explain_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        ex.opening_hours(text)


@pytest.fixture
def few() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "arrival_weekday": ["Monday", "Monday", "Saturday", "Tuesday", "Sunday"],
            "arrival_time": ["07:59", "08:00", "10:00", "18:30", "23:15"],
            "primary_care_suitable": ["yes", "yes", "yes", "no", "no"],
        }
    )


def test_in_hours_and_arrivals_vs_opening(few: pd.DataFrame) -> None:
    assert ex.in_hours(few).tolist() == [False, True, False, False, False]
    table = ex.arrivals_vs_opening(few)
    assert table.loc["yes"].tolist()[:3] == [3, 1, 2]
    assert table.loc["all", "attendances"] == 5
    assert table.loc["yes", "share_when_open"] == pytest.approx(1 / 3)
    weekend = ex.arrivals_vs_opening(few, ex.opening_hours("Sat-Sun 00:00-24:00"))
    assert weekend.loc["all", "when_open"] == 2


def test_arrivals_by_hour_shares_sum_to_one(visits: pd.DataFrame) -> None:
    shares = ex.arrivals_by_hour(visits)
    assert list(shares.index) == list(range(24))
    assert shares.sum().tolist() == pytest.approx([1, 1])


def test_plot_arrivals_shades_opening_hours(visits: pd.DataFrame) -> None:
    figure = ex.plot_arrivals(visits, title="Arrivals")
    ax = figure.axes[0]
    assert ax.get_title() == "Arrivals"
    assert len(ax.patches) == 1, "one shaded band for Mon-Fri core hours"


# ---------------------------------------------------------------- coding quotes


def _coding(themes: dict[str, list[str]], chosen: tuple[str, ...] = ()) -> QuoteCoding:
    return QuoteCoding(
        codes={
            quote_id: QuoteCode(themes=t, use_in_report=quote_id in chosen)
            for quote_id, t in themes.items()
        }
    )


def test_missing_lists_uncoded_quotes_and_the_number_of_picks() -> None:
    assert QuoteCoding().missing()[0].startswith("Code the quotes")
    coding = _coding({"Q01": ["out_of_hours"], "Q02": []}, chosen=("Q01",))
    todo = coding.for_quotes(["Q01", "Q02", "Q03"]).missing()
    assert "not yet coded: Q02, Q03" in todo[0]
    assert "3 to 5 quotes (you have ticked 1)" in todo[1]
    assert coding.for_quotes(["Q01", "Q02", "Q03"]).missing("picks") == [todo[1]]
    assert list(coding.for_quotes(["Q02"]).codes) == ["Q02"], "only the listed quotes count"
    done = _coding({f"Q{i}": ["gp_expertise"] for i in range(4)}, chosen=("Q0", "Q1", "Q2"))
    assert done.missing() == []
    too_many = _coding(
        {f"Q{i}": ["gp_expertise"] for i in range(6)}, chosen=tuple(f"Q{i}" for i in range(6))
    )
    assert "you have ticked 6" in too_many.missing()[0]


@pytest.mark.parametrize(
    ("picked", "finished"),
    [
        (REPORT_PICKS[0] - 1, False),
        (REPORT_PICKS[0], True),
        (REPORT_PICKS[1], True),
        (REPORT_PICKS[1] + 1, False),
    ],
)
def test_report_picks_boundaries(picked: int, finished: bool) -> None:
    ids = [f"Q{i:02d}" for i in range(8)]
    coding = _coding({i: ["gp_expertise"] for i in ids}, chosen=tuple(ids[:picked]))
    assert (coding.missing("picks") == []) is finished
    assert coding.missing("coded") == []


def test_themes_must_come_from_the_codebook_and_keep_its_order() -> None:
    code = QuoteCode(themes=["out_of_hours", "same_day_access"])
    assert code.themes == ["same_day_access", "out_of_hours"]
    with pytest.raises(ValidationError):
        QuoteCode(themes=["made_up"])


def test_theme_counts(quotes: pd.DataFrame) -> None:
    coding = _coding(
        {"Q01": ["out_of_hours", "same_day_access"], "Q02": ["out_of_hours"], "Q03": []},
        chosen=("Q02",),
    )
    counts = ex.theme_counts(coding)
    assert list(counts.index[:2]) == ["out_of_hours", "same_day_access"]
    assert counts.loc["out_of_hours", "quotes"] == 2
    assert counts.loc["out_of_hours", "share"] == pytest.approx(1.0), "of the 2 coded quotes"
    assert counts.loc["out_of_hours", "in_report"] == 1
    assert counts.loc["gp_expertise", "quotes"] == 0
    assert len(counts) == len(THEMES)


@settings(max_examples=50, deadline=None)
@given(
    st.dictionaries(
        st.from_regex(r"Q\d{2}", fullmatch=True),
        st.lists(st.sampled_from(list(THEMES)), unique=True),
        max_size=20,
    )
)
def test_theme_counts_add_up_to_every_theme_given(themes: dict[str, list[str]]) -> None:
    counts = ex.theme_counts(_coding(themes))
    assert counts["quotes"].sum() == sum(len(t) for t in themes.values())
    assert counts["quotes"].is_monotonic_decreasing


def test_coding_table_shows_text_escaped_and_what_is_missing() -> None:
    quotes = pd.DataFrame({"quote_id": ["Q01", "Q02"], "quote": ["A | B", "Fine"]})
    table = ex.coding_table(_coding({"Q01": ["practical_barriers"]}), quotes)
    assert "| Q01 | A \\| B | Practical barriers |" in table
    assert "| Q02 | Fine | - |" in table
    assert "not yet coded: Q02" in table


def test_coding_survives_the_answer_store(tmp_path: Path) -> None:
    store = AnswerStore(tmp_path / "answers.json")
    coding = _coding({"Q01": ["trust_in_hospital"], "Q02": ["self_care_confidence"]}, ("Q02",))
    store.save("quote_coding", coding)
    assert store.load("quote_coding", QuoteCoding) == coding


def test_codebook_widget_saves_each_click_and_reloads(tmp_path: Path, quotes: pd.DataFrame) -> None:
    path = tmp_path / "answers.json"
    form = codebook(quotes.head(4), path)
    assert not path.exists(), "showing the form must not write anything"
    assert "not yet coded: Q01, Q02, Q03, Q04" in form.answer.missing()[0]
    form.theme_buttons["Q02"]["language_and_system"].value = True
    form.report_boxes["Q02"].value = True
    saved = AnswerStore(path).load("quote_coding", QuoteCoding)
    assert saved.codes["Q02"].themes == ["language_and_system"]
    assert saved.chosen() == ["Q02"]
    again = codebook(quotes.head(4), path)
    assert again.theme_buttons["Q02"]["language_and_system"].value
    assert again.report_boxes["Q02"].value
    assert not again.theme_buttons["Q01"]["language_and_system"].value


def test_coding_agreement_counts_same_quotes_and_lists_the_rest() -> None:
    tutor = {
        "Q01": ["self_care_confidence"],
        "Q02": ["same_day_access", "practical_barriers"],
        "Q03": ["out_of_hours"],
    }
    coding = QuoteCoding(
        codes={
            "Q01": QuoteCode(themes=["self_care_confidence"]),
            "Q02": QuoteCode(themes=["same_day_access"]),
        }
    )
    agreement = ex.coding_agreement(coding, tutor)
    assert (agreement.same, agreement.total) == (1, 3)
    themes = len(THEMES)
    assert agreement.decisions_agreeing == pytest.approx((3 * themes - 2) / (3 * themes))
    assert list(agreement.differences.index) == ["Q02", "Q03"]
    assert agreement.differences.loc["Q03", "yours"] == "-"
    assert (
        agreement.differences.loc["Q02", "tutors"] == "Same-day GP appointment; Practical barriers"
    )
    text = agreement.to_markdown(
        pd.DataFrame({"quote_id": ["Q01", "Q02", "Q03"], "quote": ["a", "b", "c"]})
    )
    assert "the same themes on 1 of 3 quotes" in text and "| Q03 | c | - |" in text
    assert "not marked" in text


def test_coding_agreement_of_the_tutors_own_coding_is_complete() -> None:
    tutor = {"Q01": ["gp_expertise"], "Q02": ["trust_in_hospital", "language_and_system"]}
    coding = QuoteCoding(codes={q: QuoteCode(themes=t) for q, t in tutor.items()})
    agreement = ex.coding_agreement(coding, tutor)
    assert (agreement.same, agreement.decisions_agreeing) == (2, 1.0)
    assert "|" not in agreement.to_markdown(), "no table when nothing differs"


def test_coding_agreement_refuses_a_tutor_key_outside_the_codebook() -> None:
    with pytest.raises(DataError, match="not in the codebook: made_up"):
        ex.coding_agreement(QuoteCoding(), {"Q01": ["made_up"]})


def test_the_experience_module_does_not_load_the_widget_layer() -> None:
    """Reports and grading import ``experience`` for its tables; ipywidgets is only for the form."""
    code = (
        "import sys, changekit.experience; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'ipywidgets' or m.startswith('changekit.widgets')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"
