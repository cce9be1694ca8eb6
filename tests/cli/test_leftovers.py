"""What the first sweep left (issue 24): a `.sops.yaml` folder, a key file with a stray byte, edit's
one line, rotation in a linked worktree, Ctrl-C during finish, deep nesting. Real processes; the
real git and sops judge."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from secretops.repo import discovery as scan
from secretops.repo.model import open_repo
from secretops.sops import agekeys
from tests import helpers
from tests.conftest import make_fleet


@pytest.fixture
def fleet2(tmp_path: Path) -> Path:
    return make_fleet(tmp_path / "fleet", clusters=("a", "b"))


def _opening(root: Path, keys: list[agekeys.Identity]) -> dict[str, bool]:
    return {p.rel: helpers.sops_opens(root, p.rel, keys) for p in scan.scan(open_repo(root)).encrypted}


def _one_line_refusal(root: Path, args: list[str], words: str) -> None:
    before = helpers.repo_state(root)
    res = helpers.cli_proc(args, root)
    assert res.code == 2 and res.err.count("\n") == 1 and "Traceback" not in res.text, (args, res.text)
    assert words in res.err, res.err
    assert helpers.repo_state(root) == before


def test_a_folder_named_sops_yaml_is_an_error(fleet2: Path) -> None:
    rules = (fleet2 / ".sops.yaml").read_bytes()
    (fleet2 / ".sops.yaml").unlink()
    helpers.write(fleet2 / ".sops.yaml/rules.yaml", rules.decode())
    helpers.git(fleet2, "add", "-A")
    helpers.git(fleet2, "commit", "-qm", "rules in a folder")
    assert helpers.run_proc([helpers.sops_bin(), "encrypt", "apps/shared.enc.yaml"], fleet2).code != 0  # sops fails
    for args in (["status"], ["check", "--all"], ["check", "--staged"], ["encrypt"], ["updatekeys"],
                 ["rotate", "start", "--all"]):
        _one_line_refusal(fleet2, args, ".sops.yaml is a folder, not a file")


def test_a_key_file_with_a_stray_byte_in_a_comment_is_read(fleet2: Path, keys_file: Path) -> None:
    keys_file.write_bytes(b"# caf\xe9 (latin-1)\n" + keys_file.read_bytes())
    judge = subprocess.run([helpers.sops_bin(), "--config", os.devnull, "decrypt", "apps/shared.enc.yaml"],
                           cwd=fleet2, env=dict(os.environ, SOPS_AGE_KEY_FILE=str(keys_file)), capture_output=True)
    assert judge.returncode == 0  # age reads it (the plaintext is discarded)
    res = helpers.cli_proc(["decrypt", "apps/shared.enc.yaml"], fleet2)
    assert res.code == 0, res.text
    old = agekeys.load_identities()
    assert helpers.run_cli(["rotate", "start", "--all"], fleet2).code == 0  # new keys appended: the byte stays
    assert keys_file.read_bytes().startswith(b"# caf\xe9 (latin-1)\n")
    new = [i for i in agekeys.load_identities() if i not in old]
    assert len(new) == 2 and all(_opening(fleet2, new).values())


def test_edit_gives_up_in_one_line(fleet2: Path, tmp_path: Path) -> None:
    editor = helpers.write(tmp_path / "bad-editor", '#!/bin/sh\necho "a: [" > "$1"\n', 0o755)
    before = helpers.repo_state(fleet2)
    res = helpers.cli_proc(["edit", "apps/shared.enc.yaml"], fleet2, env={"SOPS_EDITOR": str(editor)})
    assert res.code == 2 and res.err.count("\n") == 1 and "invalid YAML 3 times" in res.err, res.err
    assert helpers.repo_state(fleet2) == before


def test_rotation_in_a_linked_worktree(fleet2: Path, tmp_path: Path) -> None:
    wt = tmp_path / "wt"
    helpers.git(fleet2, "worktree", "add", "-q", str(wt), "-b", "rotation")
    assert (wt / ".git").is_file()
    old = agekeys.load_identities()
    res = helpers.cli_proc(["rotate", "start", "--all"], wt)
    assert res.code == 0, res.text
    new = [i for i in agekeys.load_identities() if i not in old]
    assert all(_opening(wt, old).values()) and all(_opening(wt, new).values())
    res = helpers.cli_proc(["rotate", "finish", "--unverified"], wt)
    assert res.code == 0, res.text
    assert not any(_opening(wt, old).values()) and all(_opening(wt, new).values())
    assert "Secretops-Step: 2" in helpers.git(wt, "log", "-1", "--format=%B")
    assert helpers.git(fleet2, "log", "-1", "--format=%s", "main") == helpers.git(fleet2, "log", "-1", "--format=%s",
                                                                                    "main~0")  # main untouched


def test_ctrl_c_during_finish_is_one_line_and_a_rerun_finishes(tmp_path: Path) -> None:
    root = make_fleet(tmp_path / "f", clusters=("a", "b"), secrets=3)
    old = agekeys.load_identities()
    assert helpers.run_cli(["rotate", "start", "--all"], root).code == 0
    new = [i for i in agekeys.load_identities() if i not in old]
    for delay in (0.4, 0.5, 0.6, 0.9, 1.2, 1.5, 1.8, 2.1, 2.5, 3.0):
        proc = subprocess.Popen([sys.executable, "-m", "secretops", "rotate", "finish", "--unverified"], cwd=root,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        time.sleep(delay)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole group
        out, err = proc.communicate(timeout=300)
        helpers.OUTPUTS.append(out + err)
        assert "Traceback" not in out + err
        if proc.returncode == 0:
            break
        assert proc.returncode == 130 and err == "secretops: interrupted\n", (proc.returncode, err)
    else:
        res = helpers.cli_proc(["rotate", "finish", "--unverified"], root)
        assert res.code == 0, res.text
    assert "Secretops-Step: 2" in helpers.git(root, "log", "-1", "--format=%B")
    assert not any(_opening(root, old).values()) and all(_opening(root, new).values())


def _deep(levels: int) -> str:
    return ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: deep\nstringData:\n  x: "
            + "[" * levels + "1" + "]" * levels + "\n")


@pytest.mark.parametrize("levels", [2000, 10000])
def test_deep_nesting_in_an_encrypted_file(fleet2: Path, keys_file: Path, levels: int) -> None:
    (fleet2 / "apps/deep.enc.yaml").write_text(_deep(levels))
    assert helpers.run_proc([helpers.sops_bin(), "encrypt", "-i", "apps/deep.enc.yaml"], fleet2).code == 0
    helpers.git(fleet2, "add", "-A")
    helpers.git(fleet2, "commit", "-qm", "deep")
    sops_reads = helpers.sops_opens(fleet2, "apps/deep.enc.yaml", agekeys.load_identities())
    before, keys = helpers.repo_state(fleet2), keys_file.read_bytes()
    res = helpers.cli_proc(["rotate", "start", "--all"], fleet2)
    assert "Traceback" not in res.text and res.code in (0, 2), res.text
    if sops_reads:  # deeper than Python's recursion limit, and rotated all the same
        assert res.code == 0, res.text
        new = [i for i in agekeys.load_identities() if i.secret not in keys.decode()]
        assert helpers.sops_opens(fleet2, "apps/deep.enc.yaml", new)
    else:  # the real sops cannot read it either: one line, nothing changed
        assert res.code == 2 and res.err.count("\n") == 1, res.err
        assert helpers.repo_state(fleet2) == before and keys_file.read_bytes() == keys
