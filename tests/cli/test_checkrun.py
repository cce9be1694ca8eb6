"""The click-free parse of plain `check` calls: what it takes, and what it leaves to click."""

from __future__ import annotations

import pytest

from secretops.cli.checkrun import Plain, plain_call


@pytest.mark.parametrize(("args", "expected"), [
    (["check"], Plain(None, False, True, ())),
    (["check", "--staged", "-q"], Plain("staged", True, True, ())),
    (["check", "--staged", "--", "a.yaml", "-b.yaml"], Plain("staged", False, True, ("a.yaml", "-b.yaml"))),
    (["check", "--staged", "a.yaml", "b.yaml"], Plain("staged", False, True, ("a.yaml", "b.yaml"))),
    (["check", "--all", "--quiet"], Plain("all", True, True, ())),
    (["check", "--all", "--all"], Plain("all", False, True, ())),
    (["check", "--history", "--no-cache"], Plain("history", False, False, ())),
])
def test_plain_calls_are_taken(args: list[str], expected: Plain) -> None:
    assert plain_call(args) == expected


@pytest.mark.parametrize("args", [
    [], ["status"], ["check", "--all", "--history"], ["check", "--staged", "--all"],
    ["check", "--diff", "a..b"], ["check", "--format", "json"], ["check", "-o", "x"], ["check", "--baseline", "b"],
    ["check", "--no-inline-allow"], ["check", "-h"], ["check", "--help"], ["check", "-qa"],
    ["check", "a.yaml", "--all"],  # an option after a file: click's to parse (and to reject or take)
    ["check", "--unknown"],
])
def test_everything_else_is_left_to_click(args: list[str]) -> None:
    assert plain_call(args) is None
