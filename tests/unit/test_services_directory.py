"""A trainee's own services directory: the model's rules, the form, and its export (HTML and Word)."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest

from changekit.answer_models import MIN_DIRECTORY_SERVICES, DirectoryEntry, ServicesDirectory
from changekit.answers import AnswerStore
from changekit.errors import DataError
from changekit.governance import IdentifiableDataError
from changekit.synthetic import CAPTION
from changekit.widgets import form as form_module
from changekit.widgets.services_directory import (
    KEY,
    STEM,
    export_services_directory,
    services_directory,
)

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def entry(name: str, concerns: str = "headache; sleep problems") -> DirectoryEntry:
    """A complete entry (made up, after the Brent directory's layout)."""
    return DirectoryEntry(
        service=name,
        accepts=f"Children whose main need is what {name} offers",
        does_not_accept="Acute illness: send to the paediatric assessment unit",
        age_range="0-18 years",
        how_to_refer="e-Referral Service, with the GP summary attached",
        contact_route="The team's duty line, weekdays 9-5",
        concerns=concerns,
    )


def complete_directory() -> ServicesDirectory:
    """A finished directory with exactly the minimum number of services."""
    names = ["Community paediatrics", "School nursing", "Speech and language therapy"]
    return ServicesDirectory(
        area="Synthetic borough, children 0-18",
        services=[entry(name, f"concern {n}; shared concern") for n, name in enumerate(names)],
    )


@pytest.fixture(autouse=True)
def quick_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(form_module, "figure_png", lambda _figure: b"")


# ------------------------------------------------------------------ the model


def test_a_complete_directory_has_nothing_to_do() -> None:
    answer = complete_directory()
    assert len(answer.services) == MIN_DIRECTORY_SERVICES
    assert answer.missing() == [] and answer.complete
    assert "Still to do" not in answer.to_markdown()


def test_the_todo_list_names_each_missing_field_and_service() -> None:
    answer = complete_directory()
    answer.services[1] = DirectoryEntry(
        service="CAMHS", accepts="Moderate to severe mental health needs"
    )
    answer.services.append(DirectoryEntry())
    answer.area = " "
    assert answer.missing("directory") == [
        "Say which patch the directory covers (the area, and the ages if you wish).",
        (
            "Fill in service 2 (CAMHS): what it does not accept, the ages it sees, how to refer, "
            "how to contact it and the concerns it takes, for the page's index."
        ),
        (
            "Fill in service 4: its name, what it accepts, what it does not accept, the ages it sees, "
            "how to refer, how to contact it and the concerns it takes, for the page's index."
        ),
    ]


def test_too_few_services_and_repeated_names_are_listed() -> None:
    answer = ServicesDirectory(area="Brent", services=[entry("CAMHS"), entry(" camhs ")])
    assert answer.missing() == [
        f"List at least {MIN_DIRECTORY_SERVICES} services (you have 2).",
        "Two services have the same name: list each service once.",
    ]
    assert "Still to do" in answer.to_markdown()


def test_the_index_lists_each_concern_a_to_z_with_its_services() -> None:
    answer = ServicesDirectory(
        services=[
            entry("A", "sleep; Headache;"),
            entry("B", " headache ; asthma"),
            DirectoryEntry(concerns="x"),
        ]
    )
    index = answer.index()
    assert list(index) == ["asthma", "Headache", "headache", "sleep"]
    assert index["headache"] == ["B"] and index["sleep"] == ["A"]


def test_markdown_shows_hostile_text_inert() -> None:
    answer = ServicesDirectory(area=HOSTILE, services=[entry(HOSTILE)])
    text = answer.to_markdown()
    assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;" in text


# ------------------------------------------------------------------- the form


def test_the_form_saves_reloads_and_reports_what_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    form = services_directory(path)
    assert f"List at least {MIN_DIRECTORY_SERVICES} services (you have 0)." in form.status.value
    form.area.value = "Brent"
    row = form.services.add()
    row.service.value = "School nursing"
    row.accepts.value = "Continence and health needs of school-age children"
    assert "Fill in service 1 (School nursing): what it does not accept" in form.status.value
    saved = json.loads(path.read_text(encoding="utf-8"))["answers"][KEY]
    assert saved["area"] == "Brent" and saved["services"][0]["service"] == "School nursing"
    again = services_directory(path)
    assert (
        again.services.rows[0].accepts.value == "Continence and health needs of school-age children"
    )
    again.services.remove(again.services.rows[0])
    assert AnswerStore(path).load(KEY, ServicesDirectory).services == []


def test_the_form_refuses_a_patient_identifier_and_keeps_the_last_save(tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    form = services_directory(path)
    row = form.services.add()
    row.service.value = "Health visiting"
    row.contact_route.value = "Ring about the child at NW10 7NS"
    assert "Problem" in form.notice.value and "NW10 7NS" not in form.notice.value
    assert AnswerStore(path).load(KEY, ServicesDirectory).services[0].contact_route == ""
    assert form.export() is None
    assert not (tmp_path / f"{STEM}.html").exists()


def test_the_export_button_writes_both_files_and_links_them(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "answers.json"
    AnswerStore(path).save(KEY, complete_directory())
    form = services_directory(path)
    form.export_button.click()
    links = form.links.outputs[0]["data"]["text/html"]
    assert form.links.outputs[0]["data"]["text/plain"] == f"Exported: {STEM}.html, {STEM}.docx"
    assert f'href="{STEM}.html"' in links and f'href="{STEM}.docx"' in links
    assert (tmp_path / f"{STEM}.html").is_file() and (tmp_path / f"{STEM}.docx").is_file()


# ------------------------------------------------------------------- the export


def test_the_page_is_case_study_ones_page_with_hostile_text_inert(tmp_path: Path) -> None:
    store = AnswerStore(tmp_path / "answers.json")
    answer = complete_directory()
    answer.area = "Brent </title><script>x</script>"
    answer.services[0].service = HOSTILE
    answer.services[0].does_not_accept = "a & b <b>bold</b>"
    store.save(KEY, answer)
    page, word = export_services_directory(store, tmp_path / "out")
    assert page == tmp_path / "out" / f"{STEM}.html" and word.suffix == ".docx"
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html and "<img" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "a &amp; b &lt;b&gt;bold&lt;/b&gt;" in html
    assert "<title>Child health services in Brent &lt;/title&gt;" in html
    assert '<html lang="en-GB">' in html and "If your concern is" in html
    assert html.count("<section") == MIN_DIRECTORY_SERVICES
    assert '<th scope="row">shared concern</th>' in html
    assert CAPTION not in html and 'class="synthetic"' not in html, (
        "a trainee's own directory is not synthetic"
    )


def test_the_word_file_opens_and_has_a_row_per_service(tmp_path: Path) -> None:
    store = AnswerStore(tmp_path / "answers.json")
    answer = complete_directory()
    answer.services[2].how_to_refer = ""
    store.save(KEY, answer)
    _, word = export_services_directory(store)
    assert word.parent == tmp_path
    document = docx.Document(str(word))
    index, services = document.tables
    assert [cell.text for cell in services.rows[0].cells] == [
        "Service",
        "Accepts",
        "Does not accept",
        "Age range",
        "How to refer",
        "Contact",
    ]
    rows = [[cell.text for cell in row.cells] for row in services.rows[1:]]
    assert [row[0] for row in rows] == [e.service for e in answer.services]
    assert rows[0][3] == "0-18 years" and rows[2][4] == "Not stated"
    concerns = [row.cells[0].text for row in index.rows[1:]]
    assert concerns == ["concern 0", "concern 1", "concern 2", "shared concern"]
    assert index.rows[-1].cells[1].text.splitlines() == [e.service for e in answer.services]
    assert "Child health services in Synthetic borough" in document.paragraphs[0].text


def test_nothing_to_export_is_explained(tmp_path: Path) -> None:
    store = AnswerStore(tmp_path / "answers.json")
    store.save(KEY, ServicesDirectory(area="Brent", services=[DirectoryEntry(accepts="all")]))
    with pytest.raises(DataError, match="give at least one service a name"):
        export_services_directory(store)


def test_a_hand_edited_identifier_is_not_exported(tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    AnswerStore(path).save(KEY, complete_directory())
    content = json.loads(path.read_text(encoding="utf-8"))
    content["answers"][KEY]["services"][0]["contact_route"] = "Ask for the child at SW1A 1AA"
    path.write_text(json.dumps(content), encoding="utf-8")
    with pytest.raises(IdentifiableDataError) as raised:
        export_services_directory(path)
    assert "SW1A 1AA" not in str(raised.value)
    assert not (tmp_path / f"{STEM}.html").exists()
