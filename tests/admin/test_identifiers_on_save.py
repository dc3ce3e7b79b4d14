"""Free text is checked for patient identifiers before the answer store saves it.

Each refusal names the form and the field, never repeats the identifier, and
leaves both the saved file and what the trainee typed untouched. Near misses
(a deadline, a number with a wrong check digit, an outward code) still save.
"""

from __future__ import annotations

import json
from pathlib import Path

import nhs_number
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from changekit import widgets as forms
from changekit.answer_models import (
    OutcomeReflection,
    Reflection,
    SmartAim,
    Stakeholder,
    Stakeholders,
)
from changekit.answers import AnswerStore
from changekit.governance import IdentifiableDataError

#: A synthetic NHS number whose modulus-11 check digit is valid (NHS Digital's documented example).
NHS_NUMBER = "943 476 5919"
POSTCODE = "SW1A 1AA"
BIRTH_DATE = "03/04/2019"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """The answers file (the SMART aim form used here draws no chart, so nothing is rendered)."""
    return tmp_path / "answers.json"


def on_disk(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))["answers"]


def refused(store: AnswerStore, key: str, answer) -> str:
    """Save, expect a refusal, and return its message."""
    with pytest.raises(IdentifiableDataError) as caught:
        store.save(key, answer)
    return str(caught.value)


@pytest.mark.parametrize(
    ("answer", "key", "field", "what", "identifier"),
    [
        (
            Reflection(
                outcomes={
                    "LO1": OutcomeReflection(what=f"Saw the child (NHS no. {NHS_NUMBER}) in clinic")
                }
            ),
            "reflection",
            "outcomes / LO1 / what",
            "a valid NHS number",
            NHS_NUMBER,
        ),
        (
            SmartAim(population=f"children living around {POSTCODE}"),
            "smart_aim",
            "population",
            "a full postcode",
            POSTCODE,
        ),
        (
            Stakeholders(
                stakeholders=[
                    Stakeholder(name="Health visitor", plan=f"Ask about the boy, DOB {BIRTH_DATE}")
                ]
            ),
            "stakeholders",
            "stakeholders / 1 / plan",
            "a full date of birth",
            BIRTH_DATE,
        ),
    ],
)
def test_an_identifier_in_free_text_is_refused_naming_the_field_not_the_identifier(
    path: Path, answer, key: str, field: str, what: str, identifier: str
) -> None:
    store = AnswerStore(path)
    store.save("earlier", SmartAim(statement="An earlier answer that must survive."))
    before = path.read_bytes()

    message = refused(store, key, answer)

    assert f"{field}: {what}" in message and "To fix:" in message
    assert type(answer).title in message  # the form, in the trainee's words
    digits = identifier.replace(" ", "").replace("/", "")
    assert identifier not in message and digits not in message.replace(" ", "").replace("/", "")
    assert "still in the form" in message
    assert path.read_bytes() == before  # nothing written, the earlier answer kept


@pytest.mark.parametrize(
    "text",
    [
        "Cut redirected referrals from 35% to 15% by 31/03/2027",  # a full date, but not a birth date
        "Children in SW1A and the rest of Westminster",  # an outward code only
        "Referral 943 476 5918 logged",  # ten digits with a wrong check digit
        "The children were born in 2019 or 2020",  # a year of birth is fine
    ],
)
def test_near_misses_are_saved(path: Path, text: str) -> None:
    AnswerStore(path).save("smart_aim", SmartAim(statement=text))
    assert on_disk(path)["smart_aim"]["statement"] == text


@pytest.mark.parametrize(
    "text", [f"born on {BIRTH_DATE}", "date of birth: 3 April 2019", f"{BIRTH_DATE} (D.O.B.)"]
)
def test_dates_of_birth_are_recognised_however_written(path: Path, text: str) -> None:
    message = refused(AnswerStore(path), "smart_aim", SmartAim(measure=text))
    assert "measure: a full date of birth" in message


def test_the_form_keeps_what_was_typed_and_saves_again_once_the_identifier_is_gone(
    path: Path,
) -> None:
    form = forms.smart_aim(path)
    form.population.value = "Children under 5 registered with the Grove practice"
    assert on_disk(path)["smart_aim"]["population"].startswith("Children under 5")

    form.population.value = f"Children under 5 registered with the Grove practice, {POSTCODE}"

    assert "population: a full postcode" in form.notice.value and "Not saved" in form.notice.value
    assert POSTCODE not in form.notice.value
    assert form.population.value.endswith(POSTCODE)  # the trainee's text is still in the box
    assert (
        on_disk(path)["smart_aim"]["population"]
        == "Children under 5 registered with the Grove practice"
    )

    form.population.value = "Children under 5 registered with the Grove practice, SW1A"
    assert on_disk(path)["smart_aim"]["population"].endswith("SW1A")
    assert form.notice.value == ""  # the refusal no longer stands


def nhs_check_digit(nine: str) -> int:
    """The modulus-11 check digit of nine digits (10 means no valid number exists)."""
    remainder = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True)) % 11
    return 0 if remainder == 0 else 11 - remainder


@settings(max_examples=60, deadline=None)
@given(
    nine=st.text(alphabet="0123456789", min_size=9, max_size=9),
    before=st.text(alphabet="abcdefghij ,.", max_size=40),
    after=st.text(alphabet="abcdefghij ,.", max_size=40),
    spaced=st.booleans(),
)
def test_any_valid_nhs_number_in_any_text_is_refused_and_never_quoted(
    tmp_path_factory: pytest.TempPathFactory, nine: str, before: str, after: str, spaced: bool
) -> None:
    digit = nhs_check_digit(nine)
    assume(digit != 10)
    number = nine + str(digit)
    assume(nhs_number.is_valid(number))  # also rules out Scottish CHI numbers that are not a date
    shown = f"{number[:3]} {number[3:6]} {number[6:]}" if spaced else number
    store = AnswerStore(tmp_path_factory.mktemp("nhs") / "answers.json")
    message = refused(store, "smart_aim", SmartAim(measure=f"{before} {shown} {after}"))
    assert "measure: a valid NHS number" in message
    assert number not in message.replace(" ", "")
