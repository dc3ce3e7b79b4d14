"""Decisions a trainee records as a small variable chosen from a short list of named options.

A decision is marked when the work is marked: a hidden test compares it with
the answer the data give and its message explains the reasoning. Before that,
the visible check only makes sure the choice is one of the options, spelt as
listed, so that a typing slip never costs the marks of a sound judgement.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["check_choice"]


def check_choice(name: str, options: Iterable[object], namespace: Mapping[str, object]) -> None:
    """Say the choice ``namespace[name]`` is recorded, or stop with a plain message.

    Call it as ``check_choice("variable", options, globals())``. Raises
    ``AssertionError`` (what nbgrader counts as a failed check) when the
    variable is not set yet or is not one of ``options``, naming the variable,
    what it holds and the options, written as the trainee would type them.
    """
    choices = list(dict.fromkeys(options))
    listed = ", ".join(repr(c) for c in choices)
    if name not in namespace:
        raise AssertionError(
            f"`{name}` is not set yet: set it in the cell above to one of {listed}, then run it."
        )
    value = namespace[name]
    if value not in choices:
        near = [
            c for c in choices if isinstance(c, str) and str(value).strip().lower() == c.lower()
        ]
        hint = f" Write it exactly as listed: {near[0]!r}." if near else ""
        raise AssertionError(
            f"`{name}` is {value!r}, which is not one of the options. Choose one of: {listed}.{hint}"
        )
    print(
        f"Recorded: {name} = {value!r}. This decision is marked when you submit; your "
        "feedback then says whether it matches what the data show, and why."
    )
