from __future__ import annotations

import pytest

from changekit.decisions import check_choice


def test_a_listed_choice_is_recorded(capsys: pytest.CaptureFixture[str]) -> None:
    check_choice(
        "aim_reachable_without_change", [True, False], {"aim_reachable_without_change": False}
    )
    assert "Recorded: aim_reachable_without_change = False" in capsys.readouterr().out


def test_an_unlisted_choice_names_the_options() -> None:
    with pytest.raises(
        AssertionError, match=r"`segment` is 'babies', .* Choose one of: 'healthy', 'complex'\.$"
    ):
        check_choice("segment", ["healthy", "complex"], {"segment": "babies"})


def test_a_slip_of_case_or_spaces_says_how_to_write_it() -> None:
    with pytest.raises(AssertionError, match=r"Write it exactly as listed: 'common cause'"):
        check_choice(
            "signal", ["common cause", "special cause concern"], {"signal": " Common cause"}
        )


def test_a_choice_not_yet_made_says_where_to_make_it() -> None:
    with pytest.raises(
        AssertionError,
        match=r"`signal` is not set yet: set it in the cell above to one of 'a', 'b'",
    ):
        check_choice("signal", ["a", "b"], {})
