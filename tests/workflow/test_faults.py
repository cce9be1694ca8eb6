"""Bad input to the workflow commands is one line, exit 2, and no change (issue 16)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests import helpers


def _refused(root: Path, args: list[str], words: str, env: dict[str, str] | None = None) -> helpers.Result:
    before = helpers.repo_state(root)
    res = helpers.run_cli(args, root, env)
    assert res.code == 2 and res.err.count("\n") == 1 and "Traceback" not in res.text, res.text
    assert words in res.err, res.err
    assert helpers.repo_state(root) == before
    return res


@pytest.mark.parametrize("value,words", [("../outside", "must be a path inside the repository"),
                                         ("nowhere", "does not exist")])
def test_clusters_dir_must_be_a_folder_inside(fleet: Path, value: str, words: str) -> None:
    helpers.write(fleet / ".secretops.yaml", f"version: 1\nclusters_dir: {value}\n")
    _refused(fleet, ["status"], words)


def test_cluster_add_with_a_dangling_sops_yaml_link_writes_no_key(tmp_path: Path, keys_file: Path) -> None:
    root = tmp_path / "r"
    (root / "clusters/one").mkdir(parents=True)
    helpers.git(root, "init", "-q")
    os.symlink("nowhere/.sops.yaml", root / ".sops.yaml")
    res = helpers.run_cli(["cluster", "add", "edge"], root)
    assert res.code == 2 and res.err.count("\n") == 1 and "symlink" in res.err, res.text
    assert not keys_file.exists() and sorted(p.name for p in root.iterdir()) == [".git", ".sops.yaml", "clusters"]


def test_decrypt_never_follows_a_link(fleet: Path) -> None:
    os.symlink("clusters/dev/apps/app0.enc.yaml", fleet / "link.enc.yaml")
    os.symlink("clusters/dev/apps", fleet / "linkdir")
    _refused(fleet, ["decrypt", "link.enc.yaml"], "symlink")
    _refused(fleet, ["decrypt", "linkdir/app0.enc.yaml"], "symlink")


def test_edit_gives_up_on_an_editor_that_keeps_writing_invalid_yaml(fleet: Path, tmp_path: Path) -> None:
    editor = helpers.write(tmp_path / "bad-editor", '#!/bin/sh\necho "a: [" > "$1"\n', 0o755)
    start = time.monotonic()
    _refused(fleet, ["edit", "clusters/dev/apps/app0.enc.yaml"], "invalid YAML 3 times",
             env={"EDITOR": str(editor), "SOPS_EDITOR": str(editor)})
    assert time.monotonic() - start < 120  # bounded: the loop ended (a generous bound, not a timing goal)


def _bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\nkind: Secret\n"


@pytest.mark.parametrize("name,body", [("bomb.enc.yaml", _bomb()), ("deep.enc.yaml", "a: " + "[" * 10000 + "]" * 10000),
                                       ("deep.json", "[" * 10000 + "]" * 10000)])
def test_hostile_structures_are_bounded(fleet: Path, name: str, body: str) -> None:
    """An alias bomb or 10,000 levels of nesting in one committed file must not stall every commit
    and CI run, nor crash decrypt or rotate start."""
    helpers.commit_file(fleet, f"apps/{name}", body, "hostile")
    res = helpers.run_cli(["check", "--all", "--format", "json"], fleet)
    assert res.code == (1 if ".enc." in name else 0) and "Traceback" not in res.text, res.text[-500:]
    if name.endswith(".enc.yaml"):
        _refused(fleet, ["decrypt", f"apps/{name}"], "")
    res = helpers.run_cli(["rotate", "start", "--all", "--dry-run"], fleet)
    assert res.code in (0, 1, 2) and "Traceback" not in res.text and "internal error" not in res.text, res.text
