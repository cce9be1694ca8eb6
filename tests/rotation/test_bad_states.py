"""Bad states: exit 2, one line, nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from secretops.sops import agekeys
from tests import helpers, styles


def _dirty(root: Path) -> list[str]:
    (root / "README.md").write_text("changed\n")
    return ["rotate", "start", "--all"]


def _missing_old_key(root: Path) -> list[str]:
    keys = Path.home() / ".config/sops/age/keys.txt"
    keys.rename(keys.with_name("elsewhere.txt"))
    return ["rotate", "start", "--all"]


def _lacks_old_key(root: Path) -> list[str]:
    stranger = agekeys.generate()
    other = root.parent / "other"
    other.mkdir()
    helpers.write(other / ".sops.yaml", f"creation_rules:\n  - age: {stranger.public}\n")
    text = styles.encrypt_in_place(other, "stray.enc.yaml", helpers.secret_yaml("s", "${X}x"))
    helpers.write(root / "clusters/dev/apps/stray.enc.yaml", text)
    helpers.git(root, "add", "-A")
    helpers.git(root, "commit", "-qm", "stray")
    return ["rotate", "start", "--all"]


def _unknown_cluster(root: Path) -> list[str]:
    return ["rotate", "start", "--cluster", "nowhere"]


def _second_start(root: Path) -> list[str]:
    assert helpers.run_cli(["rotate", "start", "--all"], root).code == 0
    return ["rotate", "start", "--all"]


def _finish_without_rotation(root: Path) -> list[str]:
    return ["rotate", "finish", "--unverified"]


def _abort_without_rotation(root: Path) -> list[str]:
    return ["rotate", "abort"]


def _detached(root: Path) -> list[str]:
    helpers.git(root, "checkout", "-q", "--detach")
    return ["rotate", "start", "--all"]


def _no_selection(root: Path) -> list[str]:
    return ["rotate", "start"]


CASES: dict[str, tuple[Callable[[Path], list[str]], str]] = {
    "dirty tree": (_dirty, "work tree is not clean"),
    "missing old key": (_missing_old_key, "the old key is missing"),
    "file lacking the old key": (_lacks_old_key, "already lacks the old key"),
    "unknown cluster": (_unknown_cluster, "unknown cluster 'nowhere'"),
    "second start": (_second_start, "already in progress"),
    "finish without rotation": (_finish_without_rotation, "no rotation is in progress"),
    "abort without rotation": (_abort_without_rotation, "no rotation is in progress"),
    "detached HEAD": (_detached, "HEAD is detached"),
    "no selection": (_no_selection, "pass --cluster NAME"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_state(rfleet: Path, case: str) -> None:
    setup, message = CASES[case]
    args = setup(rfleet)
    keys = Path.home() / ".config/sops/age/keys.txt"
    before, keys_before = helpers.snapshot(rfleet), keys.read_text() if keys.exists() else ""
    head_before = helpers.git(rfleet, "rev-parse", "HEAD")
    res = helpers.cli_proc(args, rfleet)
    assert res.code == 2, res.text
    assert len(res.err.strip().splitlines()) == 1 and message in res.err and "Traceback" not in res.err
    assert helpers.snapshot(rfleet) == before and helpers.git(rfleet, "rev-parse", "HEAD") == head_before
    assert (keys.read_text() if keys.exists() else "") == keys_before
