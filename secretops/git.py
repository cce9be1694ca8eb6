"""The git seam: every git call goes through ``git()``."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from secretops import proc
from secretops.errors import GitError, InputError


def git(root: Path, *args: str, input: bytes | None = None, timeout: float = 120.0,
        ok_codes: Sequence[int] = (0,)) -> subprocess.CompletedProcess[bytes]:
    return proc.run(["git", "-C", str(root), *args], error=GitError, what=f"git {args[0]}",
                    input=input, timeout=timeout, ok_codes=ok_codes,
                    hint="is git installed and is this a git repository?")


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


def ls_files(root: Path, *args: str) -> list[str]:
    return split_z(git(root, "ls-files", "-z", *args).stdout)


def staged_entries(root: Path, paths: Sequence[str] = ()) -> list[tuple[str, str]]:
    """(path, blob oid) for files added, copied, modified or renamed in the index."""
    recs = split_z(git(root, "diff", "--cached", "--raw", "-z", "--no-abbrev", "--no-renames",
                       "--diff-filter=ACMR", "--", *paths).stdout)
    entries = []
    for meta, path in zip(recs[::2], recs[1::2]):  # ":old new oldoid newoid status" then the path
        fields = meta.split()
        if len(fields) >= 5 and fields[1].startswith("100"):
            entries.append((path, fields[3]))
    return entries


def index_entries(root: Path, paths: Sequence[str] = ()) -> list[tuple[str, str]]:
    """(path, blob oid) of regular files in the index; gitlinks and symlinks are skipped."""
    res = git(root, "ls-files", "-s", "-z", "--", *paths).stdout
    entries = []
    for rec in split_z(res):
        meta, _, path = rec.partition("\t")
        mode, oid, _stage = meta.split(" ")
        if mode.startswith("100"):
            entries.append((path, oid))
    return entries


def tree_entries(root: Path, rev: str, paths: Sequence[str] = ()) -> list[tuple[str, str]]:
    res = git(root, "ls-tree", "-r", "-z", rev, "--", *paths).stdout
    entries = []
    for rec in split_z(res):
        meta, _, path = rec.partition("\t")
        mode, kind, oid = meta.split(" ")
        if kind == "blob" and mode.startswith("100"):
            entries.append((path, oid))
    return entries


def changed_paths(root: Path, base: str, head: str) -> list[str]:
    return split_z(git(root, "diff", "--name-only", "-z", "--no-renames", "--diff-filter=ACMR",
                       base, head).stdout)


def read_blobs(root: Path, oids: Iterable[str]) -> Iterator[tuple[str, bytes]]:
    """Read many blobs with one ``git cat-file --batch``."""
    wanted = list(dict.fromkeys(oids))
    if not wanted:
        return
    data = git(root, "cat-file", "--batch", input="\n".join(wanted).encode() + b"\n",
               timeout=3600).stdout
    pos = 0
    for oid in wanted:
        nl = data.index(b"\n", pos)
        header = data[pos:nl].split()
        pos = nl + 1
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        yield oid, data[pos:pos + size]
        pos += size + 1


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
    res = git(root, "check-ignore", "-q", "--no-index", "--", path, ok_codes=(0, 1))
    return res.returncode == 0


def is_ancestor(root: Path, ancestor: str, descendant: str) -> bool | None:
    """True/False, or None when ``descendant`` is not in the local repository."""
    res = git(root, "merge-base", "--is-ancestor", ancestor, descendant, ok_codes=(0, 1, 128))
    return {0: True, 1: False}.get(res.returncode)


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
    import os

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


def git_dir(root: Path) -> Path:
    path = Path(out(root, "rev-parse", "--git-dir").strip())
    return path if path.is_absolute() else root / path


def require_repo(start: Path) -> Path:
    top = toplevel(start)
    if top is None:
        raise InputError(f"{start} is not inside a git repository",
                         hint="run secretops inside your GitOps repository or pass -C DIR")
    return top


def stream_blobs(root: Path, oids: Sequence[str]) -> Iterator[tuple[str, bytes]]:
    """Like read_blobs, but streaming: memory stays flat on large histories."""
    import threading

    argv = ["git", "-C", str(root), "cat-file", "--batch"]
    child = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             env=proc.clean_env())
    assert child.stdin is not None and child.stdout is not None

    def feed() -> None:
        assert child.stdin is not None
        try:
            for oid in oids:
                child.stdin.write(oid.encode() + b"\n")
        finally:
            child.stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        for _ in oids:
            header = child.stdout.readline().split()
            if len(header) < 3:
                continue
            data = child.stdout.read(int(header[2]))
            child.stdout.read(1)
            yield header[0].decode(), data
    finally:
        writer.join()
        child.stdout.close()
        child.wait()


def all_blobs(root: Path) -> list[tuple[str, str]]:
    """(oid, path) for every unique blob reachable from any ref, each once."""
    res = git(root, "rev-list", "--objects", "--all", "--filter=object:type=blob", timeout=3600).stdout
    out = []
    for line in res.decode("utf-8", "surrogateescape").splitlines():
        oid, _, path = line.partition(" ")
        if path:
            out.append((oid, path))
    return out


def introductions(root: Path, revs: Sequence[str] = ("--all",),
                  paths: Sequence[str] = ()) -> list[tuple[str, str, str]]:
    """(commit, blob oid, path) for each blob a commit adds or changes, oldest commits first."""
    res = git(root, "log", "--reverse", "--topo-order", "-m", "--raw", "--no-abbrev", "--no-renames",
              "--format=commit %H", *revs, "--", *paths, timeout=3600).stdout
    out = []
    commit = ""
    for line in res.decode("utf-8", "surrogateescape").splitlines():
        if line.startswith("commit "):
            commit = line[7:].strip()
        elif line.startswith(":"):
            meta, _, path = line.partition("\t")
            fields = meta.split()
            if len(fields) >= 5 and fields[4] != "D" and fields[1].startswith("100"):
                out.append((commit, fields[3], path))
    return out
