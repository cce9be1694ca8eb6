"""Real Helm values hold empty passwords (`adminPassword: ""`) beside keys that make the file parse:
the checker read them as text of length 0 and crashed (IndexError, exit 3) on two real histories."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import helpers
from tests.check.conftest import check
from tests.check.tokens import rand


@pytest.mark.parametrize("empty", ['""', "''", '" "', "|\n    "])
def test_an_empty_value_under_a_password_key_is_no_finding_and_no_crash(repo: Path, empty: str) -> None:
    token = helpers.plant(rand(28))
    text = f"values:\n  apiToken:\n    existing: {token}\n  adminPassword: {empty}\n  other: 1\n"
    helpers.commit_file(repo, "apps/values.yaml", text, "empty password")
    for mode in ("--all", "--history"):
        code, findings, out = check(repo, mode)
        assert code in (0, 1), out
        assert not [f for f in findings if f["path"] == "apps/values.yaml" and f["line"] == 4]
