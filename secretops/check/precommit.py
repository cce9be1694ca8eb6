"""What pre-commit leaves out of the files it passes to a hook, and the hook must check anyway.

pre-commit drops every file that is not on disk (`os.path.lexists`) before it calls a hook. In a
sparse checkout the files outside the cone are in the index but not on disk, so a Secret there is
never passed: not on `pre-commit run --all-files`, nor when it is staged with `git add --sparse`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from secretops.git import command as git


def under_pre_commit() -> bool:
    return os.environ.get("PRE_COMMIT") == "1"


def left_out(root: Path, passed: Sequence[str]) -> tuple[str, ...]:
    """Index entries outside a sparse checkout's cone (skip-worktree) that the hook must add to the
    files pre-commit passed: those staged for this commit, and, when pre-commit passed a file that is
    not a staged change (`run --all-files`, `--files`: not a commit), every one. Nothing outside a
    sparse checkout (one `git config` read)."""
    sparse = git.git(root, "config", "--bool", "--get", "core.sparseCheckout", ok_codes=(0, 1))
    if sparse.stdout.strip() != b"true":
        return ()
    outside = [rec[2:] for rec in git.split_z(git.git(root, "ls-files", "-t", "-z").stdout) if rec.startswith("S ")]
    if not outside:
        return ()
    staged = {path for path, _oid in git.staged_entries(root)}
    whole = any(path not in staged for path in passed)
    have = set(passed)
    return tuple(path for path in outside if path not in have and (whole or path in staged))
