"""Crash safety: SIGKILL after every write of start, finish and abort; running again must recover."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from secretops.repo import discovery as scan
from secretops.repo.model import open_repo
from secretops.sops import agekeys, document
from tests import helpers
from tests.conftest import make_fleet
from tests.rotation.conftest import head


def _keys() -> Path:
    return Path.home() / ".config/sops/age/keys.txt"


def _opening(root: Path, keys: list[agekeys.Identity]) -> dict[str, bool]:
    """Which files the real sops decrypts with exactly ``keys`` (four sops processes at a time)."""
    from concurrent.futures import ThreadPoolExecutor

    rels = [p.rel for p in scan.scan(open_repo(root)).encrypted]
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(rels, pool.map(lambda rel: helpers.sops_opens(root, rel, keys), rels)))


def _all_open(root: Path) -> None:
    """No file is left undecryptable: the real sops opens each with the keys in the local key file."""
    closed = [rel for rel, ok in _opening(root, agekeys.load_identities()).items() if not ok]
    assert not closed, closed


def _keys_open(root: Path, old: list[agekeys.Identity], new: list[agekeys.Identity], step: str) -> None:
    """After start every file opens with the old keys alone and with the new keys alone; after
    finish only with the new ones; after abort only with the old ones (the real sops decides)."""
    with_old, with_new = _opening(root, old), _opening(root, new) if new else {}
    for rel in with_old:
        expected = {"1": (True, True), "2": (False, True), "abort": (True, False)}[step]
        assert (with_old[rel], with_new.get(rel, False)) == expected, (step, rel)


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


def _template(tmp_path: Path, started: bool) -> tuple[Path, str, list[agekeys.Identity]]:
    root = make_fleet(tmp_path / "template", clusters=("a", "b"))
    old = agekeys.load_identities()
    if started:
        assert helpers.run_cli(["rotate", "start", "--all"], root).code == 0
    return root, _keys().read_text(), old


CASES = {
    "start": (False, ["rotate", "start", "--all"], ["rotate", "start", "--all"]),
    "finish": (True, ["rotate", "finish", "--unverified"], ["rotate", "finish", "--unverified"]),
    "abort": (True, ["rotate", "abort"], ["rotate", "abort"]),
    "abort-an-interrupted-start": (False, ["rotate", "start", "--all"], ["rotate", "abort"]),
    "abort-an-interrupted-finish": (True, ["rotate", "finish", "--unverified"], ["rotate", "abort"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_kill_after_every_write(tmp_path: Path, case: str) -> None:
    started, crash_args, resume_args = CASES[case]
    template, keys, old = _template(tmp_path, started)
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
        finished = False
        if crash_args != resume_args or not _complete(root, base):  # else: killed after the very last write
            res = helpers.cli_proc(resume_args, root)
            finished = case == "abort-an-interrupted-finish" and res.code == 2 and (
                "was finished by" in res.err or "no rotation is in progress" in res.err)
            assert res.code == 0 or finished, f"write {n}: {res.text}"
        assert helpers.git(root, "status", "--porcelain") == "", f"write {n}"
        assert not list(root.rglob("*.secretops-tmp")), f"write {n}"
        new = [i for i in {*agekeys.parse(keys), *agekeys.load_identities()} if i.public not in {o.public for o in old}]
        if case == "start":
            _check_start(root, base)
            _keys_open(root, old, new, "1")
        elif case == "abort-an-interrupted-start":
            commits = helpers.git(root, "rev-list", "--count", f"{base}..HEAD").strip()
            if commits == "0":
                assert _rotation_keys() == 0 and not (root / ".secretops/rotation.yaml").exists()
            else:  # the kill came after commit 1: abort made its own commit
                assert commits == "2"
                _check_end(root, helpers.git(root, "rev-parse", "HEAD~1").strip(), "abort")
            _keys_open(root, old, [], "abort")
        else:
            step = "2" if case == "finish" or finished else "abort"
            _check_end(root, base, step)
            _keys_open(root, old, new, step)
        shutil.rmtree(root)
    assert crashed >= 8, f"only {crashed} write points were exercised"
