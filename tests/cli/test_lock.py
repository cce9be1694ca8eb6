"""One writing command at a time (issue 24): real processes race; exactly one wins, the other exits
2, names the holder and changes nothing. git and the real sops judge the result."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from secretops.repo import discovery as scan
from secretops.repo.model import open_repo
from secretops.sops import agekeys
from tests import helpers
from tests.conftest import make_fleet


def _spawn(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "secretops", *args], cwd=root, env=dict(os.environ, **(env or {})),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _done(p: subprocess.Popen[str]) -> helpers.Result:
    out, err = p.communicate(timeout=300)
    result = helpers.Result(p.returncode, out, err)
    helpers.OUTPUTS.append(result.text)
    return result


def _wait_for(path: Path) -> None:
    for _ in range(6000):
        if path.exists():
            return
        time.sleep(0.02)
    raise AssertionError(f"{path} never appeared")


class Holder:
    """`secretops edit` whose editor waits: a real command holding the lock until released."""

    def __init__(self, root: Path, tmp: Path) -> None:
        self.started, self.release = tmp / "started", tmp / "release"
        editor = helpers.write(tmp / "editor", f"#!/bin/sh\ntouch {self.started}\n"
                               f"while [ ! -f {self.release} ]; do sleep 0.05; done\n", 0o755)
        self.proc = _spawn(root, "edit", "apps/shared.enc.yaml", env={"SOPS_EDITOR": str(editor)})
        _wait_for(self.started)

    def end(self) -> helpers.Result:
        self.release.touch()
        return _done(self.proc)


@pytest.fixture
def fleet2(tmp_path: Path) -> Path:
    return make_fleet(tmp_path / "fleet", clusters=("a", "b"))


@pytest.fixture
def holder(fleet2: Path, tmp_path: Path) -> Iterator[Holder]:
    h = Holder(fleet2, tmp_path)
    yield h
    if h.proc.poll() is None:
        h.end()


def _opening(root: Path, keys: list[agekeys.Identity]) -> dict[str, bool]:
    rels = [p.rel for p in scan.scan(open_repo(root)).encrypted]
    return {rel: helpers.sops_opens(root, rel, keys) for rel in rels}


@pytest.mark.parametrize("args", [["rotate", "start", "--all"], ["encrypt"], ["decrypt"], ["updatekeys"],
                                  ["cluster", "add", "c"], ["init"], ["install-hook"], ["rotate", "abort"],
                                  ["edit", "apps/shared.enc.yaml"]])
def test_a_second_command_names_the_holder_and_changes_nothing(fleet2: Path, holder: Holder,
                                                               keys_file: Path, args: list[str]) -> None:
    helpers.write(fleet2 / "apps/new.clear.yaml", helpers.secret_yaml("new", helpers.plant("pw-new-Zq8s")))
    before, keys = helpers.repo_state(fleet2), keys_file.read_bytes()
    res = _done(_spawn(fleet2, *args))
    assert res.code == 2 and res.err.count("\n") == 1 and "Traceback" not in res.text, res.text
    assert f"`secretops edit` (pid {holder.proc.pid}, since " in res.err and "UTC) is writing" in res.err, res.err
    assert helpers.repo_state(fleet2) == before and keys_file.read_bytes() == keys
    assert holder.end().code == 0
    again = _done(_spawn(fleet2, *args, env={"SOPS_EDITOR": "true"}))
    assert "is writing" not in again.err  # once it has ended, the command runs
    assert again.code == (2 if args == ["rotate", "abort"] else 0), again.text  # (no rotation to abort)


def test_dry_runs_and_reads_take_no_lock(fleet2: Path, holder: Holder) -> None:
    for args in (["status"], ["rotate", "start", "--all", "--dry-run"], ["updatekeys", "--dry-run"],
                 ["check", "--all"], ["init", "--dry-run"]):
        res = _done(_spawn(fleet2, *args))
        assert res.code in (0, 1) and "is writing this repository" not in res.err, (args, res.text)


def test_a_linked_worktree_shares_the_lock(fleet2: Path, holder: Holder, tmp_path: Path) -> None:
    helpers.git(fleet2, "worktree", "add", "-q", str(tmp_path / "wt"), "-b", "wt")
    res = _done(_spawn(tmp_path / "wt", "rotate", "start", "--all"))
    assert res.code == 2 and "`secretops edit`" in res.err, res.text


def test_two_rotation_starts_at_once(fleet2: Path, keys_file: Path) -> None:
    old = agekeys.load_identities()
    base = helpers.git(fleet2, "rev-parse", "HEAD").strip()
    procs = [_spawn(fleet2, "rotate", "start", "--all") for _ in range(2)]
    results = [_done(p) for p in procs]
    assert sorted(r.code for r in results) == [0, 2], [r.text for r in results]
    loser = next(r for r in results if r.code == 2)
    assert loser.err.count("\n") == 1 and ("is writing this repository" in loser.err
                                           or "already in progress" in loser.err), loser.err
    assert helpers.git(fleet2, "rev-list", "--count", f"{base}..HEAD").strip() == "1"
    new = [i for i in agekeys.load_identities() if i not in old]
    assert len(new) == 2  # one new key per cluster, not two
    for parsed in scan.scan(open_repo(fleet2)).encrypted:
        assert parsed.meta is not None and len(parsed.meta.recipients.age) in (2, 4), parsed.rel
    assert all(_opening(fleet2, old).values()) and all(_opening(fleet2, new).values())
    assert helpers.run_cli(["rotate", "abort"], fleet2).code == 0
    assert all(_opening(fleet2, old).values()) and not any(_opening(fleet2, new).values())
    assert keys_file.read_text().count("# secretops: rotation ") == 0  # abort forgot every new key


def test_finish_racing_abort(fleet2: Path) -> None:
    old = agekeys.load_identities()
    assert helpers.run_cli(["rotate", "start", "--all"], fleet2).code == 0
    new = [i for i in agekeys.load_identities() if i not in old]
    base = helpers.git(fleet2, "rev-parse", "HEAD").strip()
    finish, abort = _spawn(fleet2, "rotate", "finish", "--unverified"), _spawn(fleet2, "rotate", "abort")
    f, a = _done(finish), _done(abort)
    assert sorted((f.code, a.code)) == [0, 2], (f.text, a.text)
    assert helpers.git(fleet2, "rev-list", "--count", f"{base}..HEAD").strip() == "1"
    body = helpers.git(fleet2, "log", "-1", "--format=%B")
    if f.code == 0:
        assert "Secretops-Step: 2" in body
        assert not any(_opening(fleet2, old).values()) and all(_opening(fleet2, new).values())
    else:
        assert "Secretops-Step: abort" in body
        assert all(_opening(fleet2, old).values()) and not any(_opening(fleet2, new).values())
    assert not (fleet2 / ".secretops/rotation.yaml").exists()


def test_encrypt_racing_a_rotation_start(fleet2: Path) -> None:
    helpers.write(fleet2 / "clusters/a/apps/late.clear.yaml", helpers.secret_yaml("late", helpers.plant("pw-l-Zq8s")))
    old = agekeys.load_identities()
    base = helpers.git(fleet2, "rev-parse", "HEAD").strip()
    start, enc = _spawn(fleet2, "rotate", "start", "--all"), _spawn(fleet2, "encrypt")
    s, e = _done(start), _done(enc)
    assert (s.code, e.code) in ((0, 2), (2, 0), (0, 0)), (s.text, e.text)  # one waits its turn or loses
    new = [i for i in agekeys.load_identities() if i not in old]
    late = fleet2 / "clusters/a/apps/late.enc.yaml"
    if s.code == 2:  # encrypt won: the tree was no longer clean; no key, no commit
        assert not new and helpers.git(fleet2, "rev-parse", "HEAD").strip() == base
    if e.code == 2:
        assert not late.exists()
    else:  # encrypted by the rules in force when it ran: the old keys, and the new ones if start ran first
        assert helpers.sops_opens(fleet2, "clusters/a/apps/late.enc.yaml", old)
        assert not new or helpers.sops_opens(fleet2, "clusters/a/apps/late.enc.yaml", new)


def test_a_killed_holder_leaves_no_lock(fleet2: Path, tmp_path: Path) -> None:
    h = Holder(fleet2, tmp_path)
    os.killpg(h.proc.pid, signal.SIGKILL)
    h.proc.communicate()
    res = helpers.run_cli(["encrypt"], fleet2)
    assert res.code == 0, res.text
    assert f"`secretops edit` (pid {h.proc.pid}" in res.err and "was killed before it ended" in res.err, res.err
    assert "killed" not in helpers.run_cli(["encrypt"], fleet2).err  # said once


def _killed_inside_git(root: Path, tmp: Path) -> None:
    """A secretops command (edit, holding the lock) and a git under it (a `commit -a`, holding git's
    index lock while its signing program waits) are SIGKILLed together: index.lock is left behind,
    and no journal says why."""
    marker = tmp / "in-git"
    gpg = helpers.write(tmp / "gpg", f"#!/bin/sh\ntouch {marker}\nsleep 300\n", 0o755)
    readme = (root / "README.md").read_bytes()
    editor = helpers.write(tmp / "editor", f"#!/bin/sh\necho x >> {root}/README.md\ngit -C {root} -c commit.gpgsign=true "
                           f"-c gpg.program={gpg} commit -qam x &\nsleep 300\n", 0o755)
    proc = _spawn(root, "edit", "apps/shared.enc.yaml", env={"SOPS_EDITOR": str(editor)})
    _wait_for(marker)
    assert (root / ".git/index.lock").exists()
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert (root / ".git/index.lock").exists()
    (root / "README.md").write_bytes(readme)  # (the commit never happened)


def test_a_stale_index_lock_of_a_killed_rotation_is_cleared(fleet2: Path, tmp_path: Path) -> None:
    old = agekeys.load_identities()
    _killed_inside_git(fleet2, tmp_path)
    res = helpers.run_cli(["rotate", "start", "--all"], fleet2)
    assert res.code == 0, res.text
    assert "`secretops edit`" in res.err and "was killed before it ended" in res.err
    assert not (fleet2 / ".git/index.lock").exists()
    new = [i for i in agekeys.load_identities() if i not in old]
    assert all(_opening(fleet2, old).values()) and all(_opening(fleet2, new).values())
    assert helpers.git(fleet2, "status", "--porcelain") == ""


def test_an_index_lock_git_holds_open_is_never_removed(fleet2: Path, tmp_path: Path) -> None:
    _killed_inside_git(fleet2, tmp_path)
    lock = fleet2 / ".git/index.lock"
    with lock.open("rb"):  # a live process holds it: another git at work
        res = helpers.run_cli(["rotate", "start", "--all"], fleet2)
        assert res.code == 2 and "index is locked" in res.err and "another git command is running" in res.err
        assert lock.exists()


def test_an_index_lock_nobody_of_ours_left_is_named_not_removed(fleet2: Path) -> None:
    (fleet2 / ".git/index.lock").write_text("")  # a killed git of the user's: theirs to judge
    res = helpers.run_cli(["rotate", "start", "--all"], fleet2)
    assert res.code == 2 and "no process holds it open" in res.err, res.err
    assert (fleet2 / ".git/index.lock").exists()
