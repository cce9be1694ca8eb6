"""Crash safety: SIGKILL after every write of start, finish and abort; running again must recover."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from secretops.repo import discovery as scan
from secretops.repo.model import open_repo
from secretops.sops import agekeys, datakey, document
from tests import helpers
from tests.conftest import make_fleet
from tests.rotation.conftest import head


def _keys() -> Path:
    return Path.home() / ".config/sops/age/keys.txt"


def _all_open(root: Path) -> None:
    """No file is left undecryptable: each opens with the keys in the local key file."""
    ids = agekeys.load_identities()
    for parsed in scan.scan(open_repo(root)).encrypted:
        assert parsed.meta is not None, parsed.rel
        datakey.unwrap(parsed.meta, ids, parsed.rel)


def _complete(root: Path, base: str) -> bool:
    journal = root / ".git/secretops/journal.json"
    return not journal.exists() and helpers.git(root, "rev-list", "--count", f"{base}..HEAD").strip() == "1"


def _rotation_keys() -> int:
    return _keys().read_text().count("# secretops: rotation ")


def _check_start(root: Path, base: str) -> None:
    assert helpers.git(root, "rev-list", "--count", f"{base}..HEAD").strip() == "1"
    assert "Secretops-Step: 1" in helpers.git(root, "log", "-1", "--format=%B")
    assert (root / ".secretops/rotation.yaml").exists()
    for parsed in scan.scan(open_repo(root)).encrypted:
        assert parsed.meta is not None and len(parsed.meta.recipients.age) in (2, 4), parsed.rel


def _check_end(root: Path, base: str, step: str) -> None:
    assert helpers.git(root, "rev-list", "--count", f"{base}..HEAD").strip() == "1"
    assert f"Secretops-Step: {step}" in helpers.git(root, "log", "-1", "--format=%B")
    assert not (root / ".secretops/rotation.yaml").exists()
    for parsed in scan.scan(open_repo(root)).encrypted:
        meta = document.parse(parsed.rel, (root / parsed.rel).read_bytes()).meta
        assert meta is not None and len(meta.recipients.age) in (1, 2), parsed.rel
    if step == "abort":
        assert _rotation_keys() == 0


def _template(tmp_path: Path, started: bool) -> tuple[Path, str]:
    root = make_fleet(tmp_path / "template", clusters=("a", "b"))
    if started:
        assert helpers.run_cli(["rotate", "start", "--all"], root).code == 0
    return root, _keys().read_text()


CASES = {
    "start": (False, ["rotate", "start", "--all"], ["rotate", "start", "--all"]),
    "finish": (True, ["rotate", "finish", "--unverified"], ["rotate", "finish", "--unverified"]),
    "abort": (True, ["rotate", "abort"], ["rotate", "abort"]),
    "abort-an-interrupted-start": (False, ["rotate", "start", "--all"], ["rotate", "abort"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_kill_after_every_write(tmp_path: Path, case: str) -> None:
    started, crash_args, resume_args = CASES[case]
    template, keys = _template(tmp_path, started)
    crashed = 0
    for n in range(1, 200):
        root = tmp_path / f"run{n}"
        shutil.copytree(template, root, symlinks=True)
        _keys().write_text(keys)
        base = head(root)
        res = helpers.cli_killed_after(n, crash_args, root)
        if res.code == 0:
            break  # n is past the last write: every write point has been covered
        assert res.code == -9, res.text
        crashed += 1
        _all_open(root)
        if crash_args != resume_args or not _complete(root, base):  # else: killed after the very last write
            res = helpers.cli_proc(resume_args, root)
            assert res.code == 0, f"write {n}: {res.text}"
        assert helpers.git(root, "status", "--porcelain") == "", f"write {n}"
        assert not list(root.rglob("*.secretops-tmp")), f"write {n}"
        if case == "start":
            _check_start(root, base)
        elif case == "abort-an-interrupted-start":
            commits = helpers.git(root, "rev-list", "--count", f"{base}..HEAD").strip()
            if commits == "0":
                assert _rotation_keys() == 0 and not (root / ".secretops/rotation.yaml").exists()
            else:  # the kill came after commit 1: abort made its own commit
                assert commits == "2"
                _check_end(root, helpers.git(root, "rev-parse", "HEAD~1").strip(), "abort")
        else:
            _check_end(root, base, "2" if case == "finish" else "abort")
        shutil.rmtree(root)
    assert crashed >= 8, f"only {crashed} write points were exercised"
