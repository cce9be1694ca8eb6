from __future__ import annotations

from pathlib import Path

import pytest

from secretops.errors import GitError
from secretops.git import commit as git_mod
from tests import helpers


def _repo(tmp_path: Path, files: int) -> Path:
    root = tmp_path / "g"
    root.mkdir()
    helpers.git(root, "init", "-q", "-b", "main")
    for n in range(files):
        helpers.write(root / f"d/f{n}.yaml", f"n: {n}\n")
    helpers.git(root, "add", "-A")
    helpers.git(root, "commit", "-qm", "base")
    return root


@pytest.mark.parametrize("count", [3, 60])  # the plain path and the fast-import path
def test_commit_exactly_these_paths(tmp_path: Path, count: int) -> None:
    root = _repo(tmp_path, count + 2)
    paths = [f"d/f{n}.yaml" for n in range(count)]
    for rel in paths:
        (root / rel).write_text("changed\n")
    (root / "d/f0.yaml").unlink()
    (root / "d/untouched.yaml").write_text("not part of it\n")
    (root / f"d/f{count + 1}.yaml").write_text("modified but not listed\n")
    sha = git_mod.commit(root, paths, "secretops: test\n\nbody\n")
    assert helpers.git(root, "rev-parse", "HEAD").strip() == sha
    changed = set(helpers.git(root, "show", "--name-only", "--format=", sha).split())
    assert changed == set(paths)
    assert helpers.git(root, "show", f"{sha}:d/f1.yaml") == "changed\n"
    status = helpers.git(root, "status", "--porcelain")
    assert status.splitlines() == [f" M d/f{count + 1}.yaml", "?? d/untouched.yaml"]
    assert helpers.git(root, "log", "-1", "--format=%an <%ae>").strip() == "Test <test@example.com>"
    assert helpers.git(root, "fsck", "--no-dangling") == ""


def test_commit_refuses_other_staged_changes(tmp_path: Path) -> None:
    root = _repo(tmp_path, 2)
    (root / "d/f1.yaml").write_text("staged elsewhere\n")
    helpers.git(root, "add", "d/f1.yaml")
    (root / "d/f0.yaml").write_text("ours\n")
    with pytest.raises(GitError, match="other staged changes"):
        git_mod.commit(root, ["d/f0.yaml"], "x")


def test_a_started_read_is_taken_once_by_the_same_call(tmp_path: Path) -> None:
    """git.start begins a read; the next identical git() call gets that answer (what git itself
    says), and a later one runs git again: it sees what changed in between."""
    from secretops.git import command as git

    root = _repo(tmp_path, 2)
    git.start(root, "ls-files", "-z")
    helpers.write(root / "d/new.yaml", "n: new\n")
    helpers.git(root, "add", "d/new.yaml")
    first = git.split_z(git.git(root, "ls-files", "-z").stdout)
    assert first in (["d/f0.yaml", "d/f1.yaml"], ["d/f0.yaml", "d/f1.yaml", "d/new.yaml"])  # as of the start
    assert git.split_z(git.git(root, "ls-files", "-z").stdout) == ["d/f0.yaml", "d/f1.yaml", "d/new.yaml"]
    git.start(root, "ls-files", "-z", "--", "d/f1.yaml")
    assert git.git(root, "ls-files", "-z", "--", "d/f1.yaml").stdout == \
        helpers.run_proc(["git", "ls-files", "-z", "--", "d/f1.yaml"], root).out.encode()


def test_a_started_read_that_fails_is_the_same_typed_error(tmp_path: Path) -> None:
    from secretops.git import command as git

    root = _repo(tmp_path, 1)
    git.start(root, "cat-file", "blob", "HEAD:missing.yaml")
    with pytest.raises(GitError) as started:
        git.git(root, "cat-file", "blob", "HEAD:missing.yaml")
    with pytest.raises(GitError) as plain:
        git.git(root, "cat-file", "blob", "HEAD:missing.yaml")
    assert (started.value.returncode, started.value.user_message) == (plain.value.returncode, plain.value.user_message)
    assert started.value.returncode == 128
    git.start(root, "cat-file", "blob", "HEAD:missing.yaml")
    assert git.git(root, "cat-file", "blob", "HEAD:missing.yaml", ok_codes=(0, 128)).returncode == 128
