from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests import helpers


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repo that ignores clear files, with one commit."""
    root = tmp_path / "repo"
    root.mkdir()
    helpers.git(root, "init", "-q", "-b", "main")
    helpers.write(root / ".gitignore", "*.clear.yaml\n")
    helpers.git(root, "add", "-A")
    helpers.git(root, "commit", "-qm", "init")
    return root


def check(root: Path, *args: str) -> tuple[int, list[dict[str, object]], str]:
    res = helpers.run_cli(["check", "--format", "json", "-q", *args], root)
    assert res.code in (0, 1), res.text
    return res.code, json.loads(res.out)["findings"], res.text


def rules_of(findings: list[dict[str, object]]) -> set[object]:
    return {f["rule"] for f in findings}


def commit_file(repo: Path, rel: str, body: str) -> None:
    """``body`` at ``rel``, committed."""
    helpers.write(repo / rel, body)
    helpers.git(repo, "add", "-A")
    helpers.git(repo, "commit", "-qm", rel)


def found_only(repo: Path, rel: str, rule: str, *args: str) -> str:
    """`check --all` (or ``args``) finds ``rule`` at ``rel`` and nothing else, and prints no planted value:
    its output."""
    code, findings, out = check(repo, *(args or ("--all",)))
    assert code == 1 and {(f["path"], f["rule"]) for f in findings} == {(rel, rule)}, out
    for planted in helpers.PLANTED:
        assert planted not in out
    return out


def nothing_found(repo: Path) -> None:
    code, findings, out = check(repo, "--all")
    assert code == 0 and findings == [], out


def found_at(repo: Path, rel: str, body: str, rule: str = "credential") -> None:
    """``body`` committed at ``rel`` gives ``rule`` there and nothing else (a place test's found side)."""
    commit_file(repo, rel, body)
    found_only(repo, rel, rule)


def left_alone_at(repo: Path, rel: str, body: str) -> None:
    """``body`` committed at ``rel`` gives no finding (a place test's look-alike side)."""
    commit_file(repo, rel, body)
    nothing_found(repo)


def place_tests(found: Callable[[], dict[str, tuple[str, str]]],
                left_alone: Callable[[], dict[str, tuple[str, str]]]) -> tuple[Callable[..., None], Callable[..., None]]:
    """The two tests of a place module, one case each of ``found`` (path, body: a credential there) and of
    ``left_alone`` (path, body: no finding)."""

    @pytest.mark.parametrize("case", sorted(found()))
    def test_secrets_in_these_places_are_found(repo: Path, case: str) -> None:
        found_at(repo, *found()[case])

    @pytest.mark.parametrize("case", sorted(left_alone()))
    def test_look_alikes_in_these_places_are_left_alone(repo: Path, case: str) -> None:
        left_alone_at(repo, *left_alone()[case])

    return test_secrets_in_these_places_are_found, test_look_alikes_in_these_places_are_left_alone
