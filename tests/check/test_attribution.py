"""Findings name the right commit, and file names cannot drive the terminal."""

from __future__ import annotations

from pathlib import Path

from tests import helpers
from tests.check.conftest import check
from tests.check.tokens import rand


def test_history_names_the_commit_that_brought_the_blob_to_each_path(repo: Path) -> None:
    token = helpers.plant("gh" + "p_" + rand(36))
    first = helpers.commit_file(repo, "a.yaml", f"token: {token}\n", "a")
    second = helpers.commit_file(repo, "b.yaml", f"token: {token}\n", "the same content at another path")
    _code, findings, _out = check(repo, "--history")
    by_path = {f["path"]: f["commit"] for f in findings if f["rule"] == "credential"}
    assert by_path == {"a.yaml": first, "b.yaml": second}


def test_escape_sequences_in_file_names_are_shown_not_sent(repo: Path) -> None:
    token = helpers.plant("gh" + "p_" + rand(36))
    helpers.commit_file(repo, "evil\x1b[2J\x1b[31m.yaml", f"token: {token}\n", "evil name")
    res = helpers.run_cli(["check", "--all"], repo)
    assert res.code == 1 and "\x1b" not in res.text and "\\x1b[2J" in res.out
