"""The git seam: every git call goes through ``git()``."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from secretops.errors import GitError, InputError
from secretops.util import proc


def git(root: Path, *args: str, input: bytes | None = None, timeout: float = 120.0,
        ok_codes: Sequence[int] = (0,), env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    argv = ("git", "-C", str(root), *args)
    early = _STARTED.pop(argv, None) if input is None and env is None else None
    if early is not None:
        return proc.finish(early, error=GitError, what=_what(args), timeout=timeout, ok_codes=ok_codes)
    return proc.run(argv, error=GitError, what=_what(args), input=input, timeout=timeout, ok_codes=ok_codes,
                    missing_hint="install git", env=env)


def _what(args: Sequence[str]) -> str:
    """`git <subcommand>`, for messages (past global options such as --no-replace-objects)."""
    return "git " + next((a for a in args if not a.startswith("-")), args[0] if args else "")


_STARTED: dict[tuple[str, ...], subprocess.Popen[bytes]] = {}


def _forget_started() -> None:
    """In a forked worker: the parent's started reads are the parent's (their pipes closed here)."""
    for child in _STARTED.values():
        for pipe in (child.stdout, child.stderr):
            if pipe is not None:
                pipe.close()
    _STARTED.clear()


os.register_at_fork(after_in_child=_forget_started)


def start(root: Path, *args: str) -> None:
    """Start a read-only `git args` now; the next ``git(root, *args)`` takes its answer. The hook
    starts its reads before it loads the checker, so that git works while Python imports."""
    argv = ("git", "-C", str(root), *args)
    if argv not in _STARTED:
        child = proc.begin(argv)
        if child is not None:
            _STARTED[argv] = child


def out(root: Path, *args: str, **kw: object) -> str:
    return git(root, *args, **kw).stdout.decode("utf-8", "surrogateescape")  # type: ignore[arg-type]


def toplevel(start: Path) -> Path | None:
    """The work tree's root, or None outside a git repository."""
    try:
        res = git(start, "rev-parse", "--show-toplevel", ok_codes=(0, 128))
    except GitError as exc:
        if exc.returncode is None:
            raise
        return None
    if res.returncode != 0:
        return None
    return Path(res.stdout.decode().strip())


def split_z(data: bytes) -> list[str]:
    return [p.decode("utf-8", "surrogateescape") for p in data.split(b"\0") if p]


def literal(paths: Sequence[str]) -> list[str]:
    """User-given paths as literal pathspecs: `:top.yaml` or `*.yaml` name files, never git magic."""
    return [f":(literal){p}" for p in paths]


def ls_files(root: Path, *args: str) -> list[str]:
    return split_z(git(root, "ls-files", "-z", *args).stdout)


def staged_entries(root: Path, paths: Sequence[str] = ()) -> list[tuple[str, str]]:
    """(path, blob oid) for files added, copied, modified or renamed in the index."""
    recs = split_z(git(root, *STAGED_ARGS, *literal(paths)).stdout)
    entries = []
    for meta, path in zip(recs[::2], recs[1::2]):  # ":old new oldoid newoid status" then the path
        fields = meta.split()
        if len(fields) >= 5 and fields[1].startswith("100"):
            entries.append((path, fields[3]))
    return entries


STAGED_ARGS = ("diff", "--cached", "--raw", "-z", "--no-abbrev", "--no-renames", "--diff-filter=ACMR", "--")
INDEX_ARGS = ("ls-files", "-s", "-z", "--")


def index_entries(root: Path, paths: Sequence[str] = ()) -> list[tuple[str, str]]:
    """(path, blob oid) of regular files in the index; gitlinks and symlinks are skipped."""
    return [(path, oid) for mode, oid, path in index_records(root, *literal(paths)) if mode.startswith("100")]


def index_records(root: Path, *pathspecs: str) -> list[tuple[str, str, str]]:
    """(mode, object, path) of every index entry the pathspecs match (git's pathspec magic applies)."""
    records = []
    for rec in split_z(git(root, *INDEX_ARGS, *pathspecs).stdout):
        meta, _, path = rec.partition("\t")
        mode, oid, _stage = meta.split(" ")
        records.append((mode, oid, path))
    return records


def head(root: Path) -> str | None:
    res = git(root, "rev-parse", "--verify", "-q", "HEAD", ok_codes=(0, 1))
    return res.stdout.decode().strip() or None


def branch(root: Path) -> str | None:
    res = git(root, "symbolic-ref", "-q", "--short", "HEAD", ok_codes=(0, 1))
    return res.stdout.decode().strip() or None


def dirty_paths(root: Path) -> list[str]:
    """Paths with staged, unstaged or untracked (not ignored) changes."""
    recs = split_z(git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all").stdout)
    return [r[3:] for r in recs if len(r) > 3]


def is_ignored(root: Path, path: str) -> bool:
    return path in ignored(root, [path])


def ignored(root: Path, paths: Sequence[str]) -> set[str]:
    """Which of ``paths`` .gitignore ignores (tracked or not), with one `git check-ignore`."""
    listing = b"".join(p.encode("utf-8", "surrogateescape") + b"\0" for p in paths)
    res = git(root, "check-ignore", "--no-index", "-z", "--stdin", input=listing, ok_codes=(0, 1))
    return set(split_z(res.stdout))


def is_ancestor(root: Path, ancestor: str, descendant: str) -> bool | None:
    """True/False, or None when ``descendant`` is not in the local repository."""
    res = git(root, "merge-base", "--is-ancestor", ancestor, descendant, ok_codes=(0, 1, 128))
    return {0: True, 1: False}.get(res.returncode)


def git_dir(root: Path) -> Path:
    path = Path(out(root, "rev-parse", "--git-dir").strip())
    return path if path.is_absolute() else root / path


def common_dir(start: Path) -> Path | None:
    """The git dir that every linked worktree of this clone shares, or None outside a repository."""
    res = git(start, "rev-parse", "--path-format=absolute", "--git-common-dir", ok_codes=(0, 128))
    text = res.stdout.decode("utf-8", "surrogateescape").strip()
    return Path(text) if res.returncode == 0 and text else None


class Range(NamedTuple):
    """A range as git reads `BASE..HEAD` (HEAD's commits that BASE has not) or `BASE...HEAD` (as `git
    diff BASE...HEAD` reads it, a pull request against its target: what HEAD made since it forked
    from BASE, ``forks`` the commits it forked at, none for unrelated histories)."""

    base: str
    head: str
    forks: tuple[str, ...] | None  # None: two dots

    @property
    def revs(self) -> list[str]:
        """What `git log` walks for it."""
        if self.forks is None:
            return [f"{self.base}..{self.head}"]
        return [self.head, "--not", *self.forks] if self.forks else [self.head]


def commit_range(root: Path, spec: str) -> Range | None:
    """``spec`` read as a range (a left-out HEAD is HEAD, as git reads it), each end a commit here;
    None if it is no `BASE..HEAD` nor `BASE...HEAD`."""
    from secretops.util.display import safe

    base, dots, head = spec.partition("...") if "..." in spec else spec.partition("..")
    if not dots or not base:
        return None
    head = head or "HEAD"
    for end in (base, head):
        if git(root, "rev-parse", "--verify", "-q", f"{end}^{{commit}}", ok_codes=(0, 1, 128)).returncode:
            raise InputError(f"{safe(end)} is not a commit here", hint="fetch it first (git fetch)")
    forks = tuple(out(root, "merge-base", "--all", base, head, ok_codes=(0, 1)).split()) if dots == "..." else None
    return Range(base, head, forks)


def bare_repository(start: Path) -> Path | None:
    """The bare repository (a mirror clone: git, but no work tree) that ``start`` is in, or None."""
    try:
        res = git(start, "rev-parse", "--is-bare-repository", "--absolute-git-dir", ok_codes=(0, 128))
    except GitError:
        return None
    lines = res.stdout.decode("utf-8", "surrogateescape").splitlines()
    return Path(lines[1]) if res.returncode == 0 and len(lines) == 2 and lines[0] == "true" else None


def require_repo(start: Path) -> Path:
    top = toplevel(start)
    if top is None:
        raise InputError(f"{start} is not inside a git repository",
                         hint="run secretops inside your GitOps repository or pass -C DIR")
    return top


def identity_problem(root: Path) -> str | None:
    """Why git could not make a commit here (no user.name/user.email), or None."""
    res = git(root, "var", "GIT_COMMITTER_IDENT", ok_codes=(0, 128))
    if res.returncode != 0:
        return "git has no identity to commit with (user.name and user.email)"
    return None


def index_lock(root: Path) -> Path | None:
    """The index lock git leaves behind when it is killed (or holds while it runs), if present."""
    lock = git_dir(root) / "index.lock"
    return lock if lock.exists() else None


def open_by_a_process(path: Path) -> bool | None:
    """Some running process holds ``path`` open (git holds its index.lock open from creating it to
    renaming it); None where that cannot be seen (no /proc)."""
    proc = Path("/proc")
    if not (proc / "self" / "fd").is_dir():
        return None
    target = os.path.realpath(path)
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                if os.readlink(fd) == target:
                    return True
        except OSError:  # gone, or another user's (git runs as the user who runs secretops)
            continue
    return False


_IN_PROGRESS = (("MERGE_HEAD", "a merge", "git merge --continue` or `git merge --abort"),
                ("rebase-apply", "a `git am` or rebase", "git am --continue` or `git am --abort"),
                ("rebase-merge", "a rebase", "git rebase --continue` or `git rebase --abort"),
                ("CHERRY_PICK_HEAD", "a cherry-pick", "git cherry-pick --continue` or `--abort"),
                ("REVERT_HEAD", "a revert", "git revert --continue` or `--abort"),
                ("BISECT_LOG", "a bisect", "git bisect reset"))


def operation_in_progress(root: Path) -> tuple[str, str] | None:
    """(what, how to end it) for a merge, `git am`, rebase, cherry-pick, revert or bisect half done."""
    gdir = git_dir(root)
    return next(((what, how) for name, what, how in _IN_PROGRESS if (gdir / name).exists()), None)


def is_sparse(root: Path) -> bool:
    """Some tracked files are not on disk (skip-worktree: a sparse checkout)."""
    return any(entry.startswith("S ") for entry in ls_files(root, "-t"))
