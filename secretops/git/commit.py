"""Commits that contain exactly the given paths, through the git seam."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from secretops.errors import GitError
from secretops.git.command import git, head, out, split_z

FAST_IMPORT_MIN = 50  # from this many paths on, one pack beats thousands of loose objects


def commit(root: Path, paths: Sequence[str], message: str) -> str:
    """Stage exactly ``paths`` (additions and deletions) and commit them, and nothing else."""
    staged = set(split_z(git(root, "diff", "--cached", "--name-only", "-z", "--no-renames").stdout))
    if staged - set(paths):
        raise GitError(f"the index holds other staged changes ({sorted(staged - set(paths))[0]})",
                       command=["git", "commit"], returncode=None,
                       hint="unstage them (`git restore --staged PATH`) and run again")
    if len(paths) >= FAST_IMPORT_MIN and _fast_commit(root, paths, message):
        sha = head(root)
        assert sha is not None
        return sha
    return _plain_commit(root, paths, message)


def _fast_commit(root: Path, paths: Sequence[str], message: str) -> bool:
    """`git fast-import` writes the commit as one pack from the working-tree bytes; then the index is
    re-read from the new HEAD (a mixed reset: the working tree is not touched). False: not usable."""
    ref = git(root, "symbolic-ref", "-q", "HEAD", ok_codes=(0, 1)).stdout.decode().strip()
    parent = head(root)
    signed = git(root, "config", "--bool", "commit.gpgsign", ok_codes=(0, 1)).stdout.decode().strip()
    if not ref or not parent or signed == "true" or any("\n" in p or p.startswith('"') for p in paths):
        return False
    author = out(root, "var", "GIT_AUTHOR_IDENT").strip()
    committer = out(root, "var", "GIT_COMMITTER_IDENT").strip()
    msg = message.encode()
    stream = bytearray(f"commit {ref}\nauthor {author}\ncommitter {committer}\ndata {len(msg)}\n".encode())
    stream += msg + f"\nfrom {parent}\n".encode()
    for rel in paths:
        full = root / rel
        if full.is_file() and not full.is_symlink():
            data = full.read_bytes()
            mode = "100755" if os.access(full, os.X_OK) else "100644"
            stream += f"M {mode} inline {rel}\ndata {len(data)}\n".encode() + data + b"\n"
        elif not full.exists():
            stream += f"D {rel}\n".encode()
        else:
            return False
    git(root, "fast-import", "--quiet", input=bytes(stream), timeout=600)
    sync_index(root)
    return True


def sync_index(root: Path) -> None:
    """Make the index match HEAD again without touching the working tree."""
    git(root, "reset", "-q", "--mixed", "HEAD")


def _plain_commit(root: Path, paths: Sequence[str], message: str) -> str:
    """`git update-index --stdin` takes exact paths (no pathspec matching, which is O(paths x index))."""
    listing = b"".join(p.encode("utf-8", "surrogateescape") + b"\0" for p in paths)
    git(root, "update-index", "--add", "--remove", "-z", "--stdin", input=listing)
    git(root, "commit", "-q", "--no-verify", "-m", message)
    sha = head(root)
    assert sha is not None
    return sha
