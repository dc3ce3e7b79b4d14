from __future__ import annotations

import pytest

from changekit.decisions import check_choice


def test_a_listed_choice_is_recorded(capsys: pytest.CaptureFixture[str]) -> None:
    check_choice("aim_reachable_without_change", False, [True, False])
    assert "Recorded: aim_reachable_without_change = False" in capsys.readouterr().out


def test_an_unlisted_choice_names_the_options() -> None:
    with pytest.raises(AssertionError, match=r"`segment` is 'babies', .* Choose one of: 'healthy', 'complex'\.$"):
        check_choice("segment", "babies", ["healthy", "complex"])


def test_a_slip_of_case_or_spaces_says_how_to_write_it() -> None:
    with pytest.raises(AssertionError, match=r"Write it exactly as listed: 'common cause'"):
        check_choice("signal", " Common cause", ["common cause", "special cause concern"])
