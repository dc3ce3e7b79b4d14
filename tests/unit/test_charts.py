"""Every chart the library draws: one figure helper, readable text, WCAG AA contrast, a text
alternative, and the "Synthetic data" caption exactly when it was drawn from the sample data.

Each chart is drawn from the course's sample files (copies in a temporary folder, as a trainee
has them) and, where a trainee could bring their own extract, from an edited copy, which is
theirs and must not be called synthetic.
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import matplotlib.colors as mcolors
import pandas as pd
import pytest
from matplotlib.collections import Collection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text

from changekit import charts, spc, stats
from changekit.asthma import (
    plot_against_national,
    qs25_indicators,
    qs25_summary,
    read_asthma_monthly,
    read_asthma_register,
)
from changekit.directory import build_directory_html
from changekit.economics import (
    estimate_activity,
    one_way_sensitivity,
    plot_break_even,
    plot_tornado,
    read_baby_clinic,
    read_unit_costs,
    unit_costs,
)
from changekit.experience import plot_arrivals, read_attendances
from changekit.fingertips import area_in_context, plot_area_in_context, read_fingertips
from changekit.paths import data_dir
from changekit.population import plot_pareto, read_population
from changekit.referrals import read_referrals, read_services
from changekit.report import export_change_plan
from changekit.synthetic import CAPTION, CHECKSUMS, file_sha256, is_sample_file, is_synthetic
from tests.unit.test_answer_models import complete_answers

# ---------------------------------------------------------------------------- contrast


def relative_luminance(colour: str) -> float:
    """WCAG 2.2's relative luminance of an sRGB colour."""
    channels = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in mcolors.to_rgb(colour)
    ]
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def contrast_with_white(colour: str) -> float:
    """WCAG contrast ratio of ``colour`` against white (1 to 21)."""
    return 1.05 / (relative_luminance(colour) + 0.05)


TEXT_AA = 4.5  # WCAG 1.4.3, normal-size text
MARK_AA = 3.0  # WCAG 1.4.11, graphical objects needed to read the chart

#: Every colour the charts use for text or marks, with its contrast against white.
STATED_COLOURS: dict[str, tuple[str, float]] = {
    "charts.INK (text, axes, main marks)": (charts.INK, 21.0),
    "charts.MID (secondary text, limits)": (charts.MID, 7.0),
    "charts.GREY (palest text or mark)": (charts.GREY, 4.54),
    "charts.PALETTE blue (Okabe-Ito)": (charts.PALETTE[1][0], 5.19),
    "charts.PALETTE dark orange (Okabe-Ito, darkened)": (charts.PALETTE[2][0], 5.09),
    "spc line between points": (spc.COLOURS["line"], 4.54),
    "spc process limits": (spc.COLOURS["limits"], 7.0),
    "spc target": (spc.COLOURS["target"], 6.48),
    "funnel 95% limits (0.45 grey)": ("0.45", 4.76),
    "directory text #0b0c0c": ("#0b0c0c", 19.59),
    "directory links #003078": ("#003078", 12.40),
}


@pytest.mark.parametrize("name", list(STATED_COLOURS))
def test_each_colour_meets_wcag_aa_against_white(name: str) -> None:
    colour, stated = STATED_COLOURS[name]
    ratio = contrast_with_white(colour)
    assert ratio == pytest.approx(stated, abs=0.05), f"{name}: {ratio:.2f}:1, stated {stated}:1"
    assert ratio >= TEXT_AA, f"{name} is {ratio:.2f}:1, below the 4.5:1 that text needs"


def test_the_contrast_formula_matches_wcags_own_examples() -> None:
    assert contrast_with_white("#000000") == pytest.approx(21.0)
    assert contrast_with_white("#767676") == pytest.approx(4.54, abs=0.01)  # the well-known AA grey
    assert contrast_with_white("#777777") < TEXT_AA


# ------------------------------------------------------------------------- the charts


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample files copied into an assignment-like folder, as a trainee has them."""
    folder = tmp_path_factory.mktemp("assignment")
    for path in data_dir().iterdir():
        if path.suffix == ".csv":
            shutil.copyfile(path, folder / path.name)
    return folder


def own_copy(sample: Path, name: str, tmp_path: Path) -> Path:
    """A trainee's own extract: the sample file without its last row (so no longer the sample)."""
    lines = (sample / name).read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / f"my_{name}"
    path.write_text("".join(lines[:-1]), encoding="utf-8")
    return path


def referral_charts(path: Path) -> dict[str, Figure]:
    """Case study 1's funnel plot and p-chart, made as the notebook makes them."""
    referrals = read_referrals(path)
    referrals["redirected"] = referrals["outcome"] == "redirected"
    baseline = referrals[referrals["referral_date"] < "2024-04-01"]
    practices = stats.funnel_table(baseline, "practice_code", "redirected")
    borough = practices["k"].sum() / practices["n"].sum()
    monthly = referrals.groupby(referrals["referral_date"].dt.to_period("M"))["redirected"].agg(
        ["sum", "count"]
    )
    chart = spc.p_chart(
        monthly["sum"],
        monthly["count"],
        improvement="decrease",
        rebase=[12],
        labels=monthly.index.astype(str),
    )
    return {
        "funnel plot": stats.plot_funnel(
            practices, borough, title="Redirected by practice", y_label="Referrals redirected"
        ),
        "p-chart": spc.plot_spc(
            chart, title="Redirected each month", y_label="Redirected", percent=True
        ),
    }


def sample_charts(sample: Path) -> dict[str, Figure]:
    """Every chart the library draws from data, each from the sample files."""
    figures = referral_charts(sample / "referrals.csv")
    population = read_population(sample / "population.csv")
    figures["Pareto curve"] = plot_pareto(population["cost_gbp"], title="Cost of a year")
    figures["arrivals by hour"] = plot_arrivals(
        read_attendances(sample / "ed_attendances.csv"), title="A&E arrivals by hour"
    )
    activity = estimate_activity(read_baby_clinic(sample / "baby_clinic.csv"))
    costs = unit_costs(read_unit_costs(sample / "unit_costs.csv"))
    figures["tornado"] = plot_tornado(one_way_sensitivity(activity, costs))
    figures["break-even"] = plot_break_even(activity, costs)
    register = read_asthma_register(sample / "asthma_register.csv")
    figures["asthma against national"] = plot_against_national(
        qs25_summary(qs25_indicators(register)), title="Against QS25"
    )
    monthly = read_asthma_monthly(sample / "asthma_reviews_monthly.csv")
    figures["asthma p-chart"] = spc.plot_spc(
        spc.p_chart(monthly["action_plan"], monthly["reviews"]), title="Plans", y_label="Reviews"
    )
    fingertips = read_fingertips(sample / "fingertips_sample.csv")
    figures["Fingertips area in context"] = plot_area_in_context(
        area_in_context(fingertips, "E09999901")
    )
    return figures


def answer_charts() -> dict[str, Figure]:
    """The charts drawn from a trainee's answers (never synthetic: the words are theirs)."""
    answers = complete_answers()
    return {
        "radar": charts.radar_chart(answers["self_assessment"]),
        "stakeholder grid": charts.stakeholder_grid(answers["stakeholders"]),
        "force field": charts.force_field_chart(answers["force_field"]),
        "driver diagram": charts.driver_diagram_chart(answers["driver_diagram"]),
    }


@pytest.fixture(scope="module")
def drawn(sample: Path) -> dict[str, Figure]:
    """Every chart, drawn once (so that ticks and layout exist as a reader sees them)."""
    figures = {**sample_charts(sample), **answer_charts()}
    for figure in figures.values():
        charts.figure_png(figure)
    return figures


SAMPLE_CHARTS = [
    "funnel plot",
    "p-chart",
    "Pareto curve",
    "arrivals by hour",
    "tornado",
    "break-even",
    "asthma against national",
    "asthma p-chart",
    "Fingertips area in context",
]
ANSWER_CHARTS = ["radar", "stakeholder grid", "force field", "driver diagram"]


def figure_texts(figure: Figure) -> list[str]:
    return [text.get_text() for text in figure.texts]


@pytest.mark.parametrize("name", SAMPLE_CHARTS)
def test_a_chart_from_the_sample_data_says_it_is_synthetic(
    drawn: dict[str, Figure], name: str
) -> None:
    figure = drawn[name]
    assert CAPTION in figure_texts(figure), f"the {name} has no synthetic caption"
    assert charts.alt_text(figure).startswith(CAPTION)


@pytest.mark.parametrize("name", ANSWER_CHARTS)
def test_a_chart_of_a_trainees_answers_is_not_called_synthetic(
    drawn: dict[str, Figure], name: str
) -> None:
    assert CAPTION not in figure_texts(drawn[name])


def test_charts_from_a_trainees_own_extract_are_not_called_synthetic(
    sample: Path, tmp_path: Path
) -> None:
    own = own_copy(sample, "referrals.csv", tmp_path)
    assert not is_sample_file(own) and not is_synthetic(read_referrals(own))
    for name, figure in referral_charts(own).items():
        assert CAPTION not in figure_texts(figure), f"the {name} of a trainee's own extract"
        assert not charts.alt_text(figure).startswith(CAPTION)


def test_the_mark_survives_the_pandas_a_trainee_writes(sample: Path) -> None:
    referrals = read_referrals(sample / "referrals.csv")
    redirected = referrals["outcome"] == "redirected"
    monthly = redirected.groupby(referrals["referral_date"].dt.to_period("M")).sum()
    assert is_synthetic(referrals[redirected]) and is_synthetic(monthly)
    assert isinstance(referrals, pd.DataFrame)


@pytest.mark.parametrize("name", SAMPLE_CHARTS + ANSWER_CHARTS)
def test_every_chart_is_drawn_by_the_helper_with_a_text_alternative(
    drawn: dict[str, Figure], name: str
) -> None:
    figure = drawn[name]
    assert isinstance(figure, charts.ChartFigure), "made by charts.new_figure"
    assert len(figure.alt_text) > 40, "a short description of what the chart shows"
    assert isinstance(figure.table, pd.DataFrame) and not figure.table.empty
    assert not any(re.search(r"_\d|^lpl$|^upl$", str(column)) for column in figure.table.columns), (
        f"the table behind the {name} has column names in code, not words: {list(figure.table.columns)}"
    )
    details = charts.details_html(figure)
    assert details.startswith("<details><summary>") and "<table" in details
    assert figure.describe().startswith(charts.alt_text(figure))


@pytest.mark.parametrize("name", SAMPLE_CHARTS + ANSWER_CHARTS)
def test_no_text_on_a_chart_is_smaller_than_the_minimum(
    drawn: dict[str, Figure], name: str
) -> None:
    figure = drawn[name]
    small = {
        text.get_text(): text.get_fontsize()
        for text in figure.findobj(Text)
        if text.get_visible() and text.get_text() and text.get_fontsize() < charts.MIN_FONT_PT
    }
    assert small == {}, f"text below {charts.MIN_FONT_PT} pt on the {name}"


def _marks(figure: Figure) -> list[tuple[str, str]]:
    """(what, colour) for every text and mark a reader needs, legends included."""
    found: list[tuple[str, str]] = []
    frames = {
        legend.legendPatch
        for legend in [*figure.legends, *(a.get_legend() for a in figure.axes)]
        if legend is not None
    }  # a legend's frame only groups its entries
    for artist in figure.findobj():
        if not artist.get_visible():
            continue
        if isinstance(artist, Text) and artist.get_text():
            found.append((f"text {artist.get_text()[:30]!r}", artist.get_color()))
        elif isinstance(artist, Line2D):
            if artist.get_linestyle() not in ("None", "", " ") and len(artist.get_xdata()):
                found.append(("line", artist.get_color()))
            if artist.get_marker() not in ("None", "", " ", None):
                found.append(("marker edge", artist.get_markeredgecolor()))
        elif isinstance(artist, Patch) and artist not in {
            figure.patch,
            *frames,
            *(a.patch for a in figure.axes),
        }:
            face, edge = artist.get_facecolor(), artist.get_edgecolor()
            if face[3] == 0 and (edge[3] == 0 or artist.get_linewidth() == 0):
                continue  # an invisible frame
            if mcolors.to_hex(face) == charts.PALE or mcolors.to_hex(face) == "#ffffff":
                if edge[3] and (artist.get_linewidth() or artist.get_hatch()):
                    found.append(("outline of a pale shape", mcolors.to_hex(edge)))
                continue  # a pale fill behind outlined marks: allowed (see charts.PALE)
            found.append(("shape", mcolors.to_hex(face)))
        elif isinstance(artist, Collection) and len(artist.get_offsets()):
            found += [("point edge", mcolors.to_hex(c)) for c in artist.get_edgecolors()]
    return found


@pytest.mark.parametrize("name", SAMPLE_CHARTS + ANSWER_CHARTS)
def test_text_and_marks_meet_wcag_aa_contrast(drawn: dict[str, Figure], name: str) -> None:
    failures = [
        f"{what} in {mcolors.to_hex(colour)} ({contrast_with_white(colour):.2f}:1)"
        for what, colour in _marks(drawn[name])
        if contrast_with_white(colour) < (TEXT_AA if what.startswith("text") else MARK_AA)
    ]
    assert failures == [], f"the {name}: {failures}"


def test_the_funnel_centre_is_the_borough_average(drawn: dict[str, Figure], sample: Path) -> None:
    referrals = read_referrals(sample / "referrals.csv")
    baseline = referrals[referrals["referral_date"] < "2024-04-01"]
    average = (baseline["outcome"] == "redirected").mean()
    legend = [text.get_text() for text in drawn["funnel plot"].axes[0].get_legend().get_texts()]
    assert f"Borough average {average:.1%}" in legend
    assert not any("Target" in label for label in legend)


def test_the_p_chart_says_what_it_shows_in_plain_words() -> None:
    # 30% redirected, then two of the last three months near the top edge of the usual range.
    months = pd.date_range("2023-04-01", periods=24, freq="MS")
    chart = spc.p_chart(
        [58, 62] * 10 + [58, 77, 63, 77], [200] * 24, improvement="decrease", labels=months
    )
    figure = spc.plot_spc(chart, title="Redirected each month", y_label="Redirected", percent=True)
    assert (
        "The latest month (Mar 2025, 38.5%) shows special cause variation that is a concern, because "
        "two of the last three months were near the same edge of the usual range, which suggests "
        "a change (average 30.7%)" in figure.alt_text
    )
    assert "process limit" not in figure.alt_text.replace("(the process limits)", "")
    assert list(figure.table.columns) == [
        "value",
        "average",
        "lowest usual",
        "highest usual",
        "what it shows",
    ]
    last = figure.table.iloc[-1]
    assert figure.table.index.name == "month" and last.name == "Mar 2025"
    assert (last["value"], last["average"]) == ("38.5%", "30.7%")
    assert last["what it shows"] == "special cause: concern"


def test_the_funnel_table_in_words_shows_percentages(sample: Path) -> None:
    referrals = read_referrals(sample / "referrals.csv")
    referrals["redirected"] = referrals["outcome"] == "redirected"
    words = stats.funnel_in_words(stats.funnel_table(referrals, "practice_code", "redirected"))
    assert list(words.columns) == [
        "with the outcome",
        "out of",
        "%",
        "lowest usual % (99.8% limits)",
        "highest usual % (99.8% limits)",
        "compared with the average",
    ]
    assert words["%"].str.fullmatch(r"\d+\.\d%").all()
    assert set(words["compared with the average"]) <= {
        "above the usual range",
        "below the usual range",
        "within the usual range",
    }


def test_a_notebook_shows_the_chart_then_its_text_alternative_one_click_away(
    drawn: dict[str, Figure], monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[dict[str, object]] = []
    widths: list[int] = []

    def display(bundle: dict[str, object], raw: bool, metadata: dict | None = None) -> None:
        shown.append(bundle)
        widths.extend(m["width"] for m in (metadata or {}).values())

    monkeypatch.setattr("IPython.display.display", display)
    figure = drawn["funnel plot"]
    figure._ipython_display_()
    assert [sorted(bundle) for bundle in shown] == [
        ["image/png", "text/plain"],
        ["text/html", "text/plain"],
    ]
    png = shown[0]["image/png"]
    assert png.startswith(b"\x89PNG")
    pixels = int.from_bytes(png[16:20], "big")
    assert widths == [pixels // 2] and pixels > 1.8 * figure.get_figwidth() * charts.SCREEN_DPI, (
        "drawn at 200 dpi, shown at its 100 dpi size, so it is sharp at 200% zoom"
    )
    assert shown[1]["text/html"].startswith(
        "<details><summary>This chart as text and a table</summary>"
    )
    assert "against the borough average of" in shown[1]["text/html"]
    assert all(str(practice) in shown[1]["text/html"] for practice in figure.table.index)


# -------------------------------------------------------------------------- exports


def test_the_directory_made_from_the_sample_services_says_it_is_synthetic(
    sample: Path, tmp_path: Path
) -> None:
    assert CAPTION in build_directory_html(read_services(sample / "services.csv"))
    own = build_directory_html(read_services(own_copy(sample, "services.csv", tmp_path)))
    assert CAPTION not in own


def _docx_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read("word/document.xml").decode("utf-8")


def test_word_and_html_exports_carry_each_charts_alt_text(tmp_path: Path) -> None:
    from changekit.answers import AnswerStore

    store = AnswerStore(tmp_path / "answers.json")
    for key, answer in complete_answers().items():
        store.save(key, answer)
    figures = answer_charts()
    expected = [
        charts.alt_text(figures[name])  # in the plan's order
        for name in ("driver diagram", "stakeholder grid", "force field")
    ]
    docx_path, html_path = export_change_plan(store, tmp_path / "out")
    xml, page = _docx_xml(docx_path), html_path.read_text(encoding="utf-8")
    descriptions = re.findall(r'<wp:docPr [^>]*descr="([^"]*)"', xml)
    alts = re.findall(r'<img [^>]*alt="([^"]*)"', page)
    import html as html_module

    assert [html_module.unescape(d) for d in descriptions] == expected
    assert [html_module.unescape(a) for a in alts] == expected
    assert CAPTION not in page and CAPTION not in xml, "a trainee's plan is not synthetic"


def test_exports_are_marked_synthetic_when_asked_and_set_language_and_header_rows(
    tmp_path: Path,
) -> None:
    from changekit.answers import AnswerStore

    store = AnswerStore(tmp_path / "answers.json")
    for key, answer in complete_answers().items():
        store.save(key, answer)
    docx_path, html_path = export_change_plan(store, tmp_path, charts=False, synthetic=True)
    page = html_path.read_text(encoding="utf-8")
    assert f'<p class="synthetic">{CAPTION}.</p>' in page
    xml = _docx_xml(docx_path)
    assert CAPTION in xml and "<w:tblHeader" in xml
    with zipfile.ZipFile(docx_path) as archive:
        styles = archive.read("word/styles.xml").decode("utf-8")
    assert re.search(r'<w:lang [^>]*w:val="en-GB"', styles)
    levels = [int(level) for level in re.findall(r"<h([1-6])", page)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(levels)), (
        f"headings skip a level: {levels}"
    )


# ------------------------------------------------------------ knowing the sample data


def test_the_sample_checksums_list_every_data_file_and_nothing_else() -> None:
    listed = dict(
        reversed(line.split()) for line in CHECKSUMS.read_text(encoding="utf-8").splitlines()
    )
    on_disk = {
        p.name: file_sha256(p) for p in data_dir().iterdir() if p.suffix in {".csv", ".xlsx"}
    }
    assert listed == on_disk, (
        "changekit/sample_checksums.txt is out of date: run changekit.course.refresh_data() "
        "(or changekit.synthetic.write_checksums(data_dir())) after changing data/"
    )


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda folder: folder / "referrals.csv", True),
        (lambda folder: folder / "no_such_file.csv", False),
    ],
)
def test_a_file_is_sample_data_only_byte_for_byte(
    sample: Path, make: Callable[[Path], Path], expected: bool
) -> None:
    assert is_sample_file(make(sample)) is expected


def test_importing_the_exports_and_charts_does_not_load_ipywidgets() -> None:
    code = (
        "import sys, changekit.report, changekit.charts, changekit.directory; "
        "print('ipywidgets' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_every_chart_gets_its_figure_from_the_one_helper() -> None:
    """No module but changekit/charts.py makes a figure itself (pyplot, Figure(), subplots)."""
    package = Path(charts.__file__).parent
    own_figures = re.compile(r"pyplot|\bFigure\(|\.subplots\(|\.add_subplot\(")
    offenders = [
        f"{path.relative_to(package.parent)}:{number}"
        for path in sorted(package.rglob("*.py"))
        if path != Path(charts.__file__)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if own_figures.search(line)
    ]
    assert offenders == [], "use changekit.charts.new_figure / new_grid and finish"
