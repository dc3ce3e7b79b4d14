"""Drive every form from Python: what the trainee sets is saved, reloaded and shown as text."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import ipywidgets as widgets
import pytest

from changekit import charts
from changekit import widgets as forms
from changekit.answer_models import HLM_DIMENSIONS, LEVELS, SmartAim
from changekit.answers import AnswerStore
from changekit.widgets import form as form_module

PNG_MAGIC = b"\x89PNG"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "answers.json"


@pytest.fixture(autouse=True)
def quick_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip PNG rendering (slow); the chart test puts the real renderer back."""
    monkeypatch.setattr(form_module, "figure_png", lambda _figure: b"not rendered in this test")


def saved(path: Path, key: str) -> dict:
    """What is on disk for ``key``."""
    return json.loads(path.read_text(encoding="utf-8"))["answers"][key]


def walk(widget: widgets.Widget) -> Iterator[widgets.Widget]:
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


# ---------------------------------------------------------------- each form


def test_self_assessment_saves_every_rating_and_reloads(path: Path) -> None:
    form = forms.self_assessment(path)
    for n, name in enumerate(HLM_DIMENSIONS):
        form.performance[name].value = "proficient"
        form.importance[name].value = LEVELS[n % 4]
    form.evidence["Holding to account"].value = "Chaired the | audit meeting"
    form.development_plan.value = "Shadow the ICB lead"
    assert "Still to do" in form.status.value and "Complete" not in form.status.value
    assert "Give an example for at least 3 dimensions (you have 1)." in form.status.value
    for name in ("Connecting our service", "Developing capability"):
        form.evidence[name].value = f"An example of {name}"
    form.development_plan.value = (
        "Connecting our service: shadow the ICB children's lead for a month, map where our "
        "referrals go and present it at the practice meeting by the end of June."
    )

    on_disk = saved(path, "self_assessment")
    assert on_disk["ratings"]["Holding to account"] == {
        "performance": "proficient",
        "importance": "strong",
        "evidence": "Chaired the | audit meeting",
    }
    assert form.answer.missing() == []
    assert "Complete: nothing is missing" in form.status.value
    # role needs "exemplary" (gap 2) for dimensions 4 and 8, "strong" (gap 1) for 3 and 7
    expected = [
        "Connecting our service",
        "Developing capability",
        "Evaluating information",
        "Holding to account",
    ]
    assert form.answer.development_priorities() == expected
    assert "".join(f"<li>{name}</li>" for name in expected) in form.priorities.value
    assert "Chaired the \\| audit meeting" in form.answer.to_markdown()

    again = forms.self_assessment(path)
    assert again.answer == form.answer
    assert again.importance["Evaluating information"].value == "strong"
    assert again.evidence["Holding to account"].value == "Chaired the | audit meeting"


def test_stakeholders_rows_can_be_added_placed_and_removed(path: Path) -> None:
    form = forms.stakeholders(path)
    form.brainstorm["champions"].value = "Practice nurse leads"
    first, second = form.stakeholders.add(), form.stakeholders.add()
    first.name.value = "GP partners"
    first.power.value, first.interest.value = "high", "low"
    first.plan.value = "Briefing at the practice meeting"
    second.name.value = "Parents' forum"
    second.category.value = "consumers"

    assert "keep satisfied" in first.strategy.value
    assert "Choose power and interest" in second.strategy.value
    assert [s["name"] for s in saved(path, "stakeholders")["stakeholders"]] == [
        "GP partners",
        "Parents' forum",
    ]
    assert "Place stakeholder 2 (Parents' forum) on the grid" in " ".join(form.answer.missing())

    form.stakeholders.remove(first)
    assert [s["name"] for s in saved(path, "stakeholders")["stakeholders"]] == ["Parents' forum"]
    assert second.remove_button.description == "Remove stakeholder 1"

    again = forms.stakeholders(path)
    assert again.answer == form.answer
    assert again.brainstorm["champions"].value == "Practice nurse leads"
    assert again.stakeholders.rows[0].category.value == "consumers"
    assert "| Champions | Practice nurse leads |" in again.answer.to_markdown()


def test_removing_by_button_click_saves(path: Path) -> None:
    form = forms.stakeholders(path)
    form.stakeholders.add_button.click()
    form.stakeholders.add_button.click()
    assert len(saved(path, "stakeholders")["stakeholders"]) == 2
    form.stakeholders.rows[0].remove_button.click()
    assert len(saved(path, "stakeholders")["stakeholders"]) == 1


def test_force_field_scores_totals_and_plan(path: Path) -> None:
    form = forms.force_field(path)
    form.change.value = "A referral directory in EMIS"
    for text, score in (("GP frustration", 4), ("Service waits", 3), ("A sponsor", 3)):
        push = form.driving.add()
        push.description.value, push.score.value = text, score
    for text, score in (("Nobody owns updates", 5), ("IT access", 2), ("Time", 3)):
        row = form.restraining.add()
        row.description.value, row.score.value = text, score
    form.plan.value = "Name an owner"
    assert form.answer.missing() == [
        "Write your plan to weaken the strongest restraining force: at least 30 words (you have 3)."
    ]
    assert "you have 3" in form.status.value
    form.plan.value = " ".join(["Name an owner in the service"] * 6)

    assert saved(path, "force_field")["restraining"][0] == {
        "description": "Nobody owns updates",
        "score": 5,
    }
    assert tuple(form.answer.totals()) == (10, 10)
    assert "driving 10, restraining 10" in form.summary.value
    assert "Nobody owns updates" in form.summary.value
    assert form.answer.missing() == []
    assert forms.force_field(path).answer == form.answer


def test_smart_aim_builds_the_sentence_and_says_what_is_missing(path: Path) -> None:
    form = forms.smart_aim(path)
    form.improvement.value = "reduce the percentage of GP referrals redirected"
    form.population.value = "children in Brent"
    form.build_button.click()
    assert (
        form.statement.value
        == "Reduce the percentage of GP referrals redirected for children in Brent."
    )
    assert "not yet: <b>Number</b>" in form.checklist.value
    assert "not yet: <b>Date</b>" in form.checklist.value

    form.target.value = "from 35% to 15%"
    form.deadline.value = "31 March 2027"
    form.build()
    assert saved(path, "smart_aim")["statement"].endswith("from 35% to 15% by 31 March 2027.")
    assert "not yet" not in form.checklist.value
    assert form.answer.missing() == [
        "Fill in 'Measured by': how you will measure the aim and where the data come from."
    ]
    form.measure.value = "the monthly referral log"
    assert form.answer.missing() == []
    assert forms.smart_aim(path).statement.value == form.statement.value


def test_driver_diagram_nested_rows_and_the_copied_aim(path: Path) -> None:
    form = forms.driver_diagram(path)
    form.copy_smart_aim()
    assert "no SMART aim saved yet" in form.notice.value

    AnswerStore(path).save("smart_aim", SmartAim(statement="Cut redirects to 15% by March 2027."))
    form.copy_aim_button.click()
    assert form.aim.value == "Cut redirects to 15% by March 2027."
    primary = form.primary.add()
    primary.text.value = "GPs know which service does what"
    secondary = primary.secondary.add()
    secondary.text.value = "An up-to-date directory"
    secondary.change_ideas.value = "Publish it in EMIS\n\n  Add it to the ICB website  \n"

    on_disk = saved(path, "driver_diagram")
    assert on_disk["primary"][0]["secondary"][0]["change_ideas"] == [
        "Publish it in EMIS",
        "Add it to the ICB website",
    ]
    assert "Change idea: Add it to the ICB website" in form.answer.to_markdown()

    again = forms.driver_diagram(path)
    assert again.answer == form.answer
    assert again.primary.rows[0].secondary.rows[0].text.value == "An up-to-date directory"


def test_measures_are_saved_with_their_kind_and_source(path: Path) -> None:
    form = forms.measures(path)
    for kind in ("outcome", "process", "balancing"):
        row = form.measures.add()
        row.kind.value = kind
        row.name.value = f"{kind} measure"
        row.definition.value = "counted out of all referrals"
        row.data_source.value = "referral log"
    assert [m["kind"] for m in saved(path, "measures")["measures"]] == [
        "outcome",
        "process",
        "balancing",
    ]
    assert form.answer.missing() == []
    assert forms.measures(path).answer == form.answer


def test_pdsa_cycles_are_saved(path: Path) -> None:
    form = forms.pdsa_cycles(path)
    cycle = form.cycles.add()
    cycle.change.value = "Publish it in EMIS"
    cycle.plan.value = "Two practices, one month"
    assert form.answer.missing()[0] == "Write a prediction for cycle 1."
    cycle.prediction.value = "Redirects fall to 25%"
    cycle.decision.value = "adapt"
    assert saved(path, "pdsa_cycles")["cycles"][0]["decision"] == "adapt"
    assert form.answer.missing() == []
    assert "| Prediction | Redirects fall to 25% |" in form.answer.to_markdown()
    assert forms.pdsa_cycles(path).cycles.rows[0].prediction.value == "Redirects fall to 25%"


def test_reflection_text_and_dimensions_are_saved(path: Path) -> None:
    form = forms.reflection(path)
    section = form.outcomes["LO4"]
    section.what.value = "Ran a workshop with health visitors"
    section.dimensions["Engaging the team"].value = True
    section.dimensions["Connecting our service"].value = True
    assert saved(path, "reflection")["outcomes"]["LO4"]["dimensions"] == [
        "Connecting our service",
        "Engaging the team",
    ]
    again = forms.reflection(path)
    assert again.outcomes["LO4"].dimensions["Engaging the team"].value is True
    assert again.outcomes["LO1"].dimensions["Engaging the team"].value is False
    assert "Ran a workshop with health visitors" in again.answer.to_markdown()


# ---------------------------------------------------------- shared behaviour


def test_all_forms_share_one_file(path: Path) -> None:
    forms.smart_aim(path).statement.value = "aim"
    forms.force_field(path).change.value = "change"
    assert sorted(json.loads(path.read_text(encoding="utf-8"))["answers"]) == [
        "force_field",
        "smart_aim",
    ]


def test_a_corrupt_answer_shows_the_message_and_resets_only_that_form(path: Path) -> None:
    forms.smart_aim(path).statement.value = "my aim"
    forms.force_field(path).change.value = "my change"
    content = json.loads(path.read_text(encoding="utf-8"))
    content["answers"]["force_field"]["driving"] = [{"description": "x", "score": 7}]
    path.write_text(json.dumps(content), encoding="utf-8")

    form = forms.force_field(path)
    assert "does not fit the form" in form.notice.value and "answers.corrupt-" in form.notice.value
    assert form.change.value == ""
    assert forms.smart_aim(path).statement.value == "my aim"
    form.change.value = "typed again"
    assert saved(path, "force_field")["change"] == "typed again"
    assert list(path.parent.glob("answers.corrupt-*.json")), "the backup must be kept"


def test_a_failed_save_is_shown_not_raised(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    form = forms.smart_aim(path)

    def disk_full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("changekit.answers.os.replace", disk_full)
    form.statement.value = "an aim that cannot be saved"
    assert (
        "could not be saved" in form.notice.value and "No space left on device" in form.notice.value
    )
    assert form.answer.statement == "an aim that cannot be saved", "the answer stays in the form"


INPUTS = (
    widgets.Text,
    widgets.Textarea,
    widgets.Dropdown,
    widgets.RadioButtons,
    widgets.Checkbox,
    widgets.Button,
)


def every_form(path: Path) -> list[form_module.Form]:
    """Every form, each with one row added where it has rows."""
    everything = [
        forms.self_assessment(path),
        forms.stakeholders(path),
        forms.force_field(path),
        forms.smart_aim(path),
        forms.driver_diagram(path),
        forms.measures(path),
        forms.pdsa_cycles(path),
        forms.reflection(path),
    ]
    everything[1].stakeholders.add()
    everything[2].driving.add()
    everything[4].primary.add().secondary.add()
    everything[5].measures.add()
    everything[6].cycles.add()
    return everything


def test_every_control_has_a_visible_label(path: Path) -> None:
    unlabelled = [
        repr(w)
        for f in every_form(path)
        for w in walk(f.widget)
        if isinstance(w, INPUTS) and not w.description.strip()
    ]
    assert unlabelled == []


def test_no_label_is_cut_off_and_no_control_sits_beside_another(path: Path) -> None:
    """Labels take the width of their words; dropdowns and scales take the row's width."""
    for f in every_form(path):
        for w in walk(f.widget):
            if isinstance(w, INPUTS) and not isinstance(w, (widgets.Button, widgets.Checkbox)):
                assert w.style.description_width == "initial", repr(w.description)
            if isinstance(w, (widgets.Dropdown, widgets.RadioButtons)):
                assert w.layout.width == "95%", repr(w.description)
            if isinstance(w, widgets.HBox):
                beside = [c for c in w.children if isinstance(c, INPUTS)]
                assert len(beside) < 2, f"controls side by side get squeezed: {beside}"


def test_forms_set_readable_text_and_large_targets(path: Path) -> None:
    """Each form carries the course's CSS: 14 px text, targets of 24 px or more, a focus ring."""
    for f in every_form(path):
        assert form_module.FORM_CLASS in f.widget._dom_classes
        css = f.widget.children[0].value
        assert "--jp-widgets-font-size: 14px" in css
        assert "min-height: 28px; min-width: 28px" in css
        assert ":focus-visible" in css


def test_still_to_do_and_errors_are_live_regions(path: Path) -> None:
    form = forms.smart_aim(path)
    assert 'role="status" aria-live="polite"' in form.status.value
    form._warn("Something went wrong.", "error")
    assert 'role="alert" aria-live="assertive"' in form.notice.value


def test_a_row_is_read_before_its_remove_button(path: Path) -> None:
    """The keyboard reaches a row's inputs first and its remove button last."""
    form = forms.measures(path)
    row = form.measures.add()
    assert row.widget.children[-1] is row.remove_button
    assert row.widget.children.index(row.kind) < row.widget.children.index(row.remove_button)


def test_reflection_shows_all_nine_dimensions_in_a_wrapping_row(path: Path) -> None:
    form = forms.reflection(path)
    for section in form.outcomes.values():
        boxes = [w for w in walk(section.widget) if isinstance(w, widgets.Checkbox)]
        assert [b.description for b in boxes] == list(HLM_DIMENSIONS)
        holder = next(w for w in walk(section.widget) if boxes[0] in getattr(w, "children", ()))
        assert not isinstance(holder, widgets.GridBox) and holder.layout.flex_flow == "row wrap"


def test_a_form_displays_its_widget_with_a_plain_text_fallback(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append(obj))
    form = forms.measures(path)
    form._ipython_display_()
    assert shown[0]["text/plain"] == "Measures form, saved in answers.json"
    assert shown[0]["application/vnd.jupyter.widget-view+json"]["model_id"] == form.widget.model_id
    assert shown[1]["text/plain"] == form_module.RELOAD_HINT, (
        "a plain line under the form, kept on reload"
    )
    assert "run this cell again: your answers are saved" in shown[1]["text/html"]


def test_charts_are_drawn_into_the_form(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(form_module, "figure_png", charts.figure_png)
    form = forms.self_assessment(path)
    before = form.chart_png
    assert before.startswith(PNG_MAGIC)
    form.performance["Leading with care"].value = "exemplary"
    after = form.chart_png
    assert after.startswith(PNG_MAGIC) and after != before
    assert form.chart.value.startswith('<img src="data:image/png;base64,')
    assert ' alt="' in form.chart.value and ' alt=""' not in form.chart.value, "a text alternative"


def test_the_driver_diagram_status_compares_its_aim_with_the_saved_smart_aim(path: Path) -> None:
    """The form's 'still to do' uses the same SMART-aim rule as the notebook's check."""
    AnswerStore(path).save("smart_aim", SmartAim(statement="Cut redirects to 15% by March 2027."))
    form = forms.driver_diagram(path)
    form.aim.value = "Cut redirects"
    assert any("Use my SMART aim" in item for item in form.missing())
    assert "Use my SMART aim" in form.status.value
    form.copy_aim_button.click()
    assert not any("Use my SMART aim" in item for item in form.missing())
