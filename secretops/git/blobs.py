"""Reading blobs in bulk and finding where each entered history, through the git seam."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import subprocess
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from secretops.errors import GitError
from secretops.git.command import git, literal
from secretops.util import proc

# Objects as they are stored, not as `git replace` shows them: a replaced commit or blob cannot hide
# what it replaced (the replacement is read too: `--all` holds refs/replace/). Nor as a graft file
# (`.git/info/grafts`, deprecated but still read) shows them: a commit whose parent it cuts off
# cannot hide that parent. Both: in the arguments and in the environment of every history read.
TRUE_OBJECTS = ("--no-replace-objects",)
TRUE_PARENTS = {"GIT_GRAFT_FILE": os.devnull}
CHUNK = 1024 * 1024
OVERLAP = 16 * 1024  # a token or a private key that straddles two chunks is still whole in one


class Piece(NamedTuple):
    """A whole blob (``offset == 0 and len(data) == size``) or one chunk of a blob over the limit."""

    oid: str
    data: bytes
    size: int
    offset: int = 0
    first_line: int = 1

    def __repr__(self) -> str:  # the bytes may be a plaintext secret
        return f"Piece({self.oid[:12]}, {len(self.data)} of {self.size} bytes at {self.offset})"


def chunks(read: Callable[[int], bytes], oid: str, size: int) -> Iterator[Piece]:
    """A large blob in bounded memory: 1 MiB chunks, each starting with the previous chunk's tail."""
    tail, offset, line, left = b"", 0, 1, size
    while left > 0:
        data = read(min(CHUNK, left))
        if not data:
            break
        left -= len(data)
        yield Piece(oid, tail + data, size, offset - len(tail), line - tail.count(b"\n"))
        line += data.count(b"\n")
        offset += len(data)
        tail = data[-OVERLAP:]


_READERS: dict[tuple[int, Path], list[Reader]] = {}


def reader(root: Path) -> Reader:
    """A reader of ``root`` for this process (opened on first use, and in each worker after the
    fork); a second one while the first is in the middle of a call (a blob read while checking another)."""
    readers = _READERS.setdefault((os.getpid(), root), [])
    readers[:] = [r for r in readers if not r.broken]
    idle = next((r for r in readers if not r.busy), None)
    if idle is None:
        idle = Reader(root)
        readers.append(idle)
    return idle


def _forget_readers() -> None:
    """In a forked child: the parent's readers are the parent's. Our copies of their pipes are closed
    (a `git cat-file` whose input a worker still held open would never see its end)."""
    for readers in _READERS.values():
        for open_one in readers:
            open_one.forget()
    _READERS.clear()


os.register_at_fork(after_in_child=_forget_readers)


def close_readers() -> None:
    """This process's readers ended."""
    for key in [k for k in _READERS if k[0] == os.getpid()]:
        for open_one in _READERS.pop(key):
            open_one.close()


SMALL = 256  # a commit's worth of object names fits in a pipe's buffer: no writer thread needed


class Reader:
    """One `git cat-file --batch` for the life of a process: each call writes object names and
    reads those blobs back, streamed; blobs over ``limit`` come in chunks. Workers open their own
    (a reader is never shared across a fork). A call left unfinished (its reader stopped early or
    failed) ends the process: what is left in its pipe belongs to no later call."""

    def __init__(self, root: Path) -> None:
        self.argv = ["git", *TRUE_OBJECTS, "-C", str(root), "cat-file", "--batch"]
        self.broken = False
        self.busy = False  # in the middle of a call
        self._child = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=1 << 20,
                                       stderr=subprocess.DEVNULL, env=proc.clean_env())

    def pieces(self, oids: Sequence[str], limit: int) -> Iterator[Piece]:
        child = self._child
        assert child.stdin is not None and child.stdout is not None and not self.busy
        request = b"".join(oid.encode() + b"\n" for oid in oids)
        writer = None
        if len(oids) <= SMALL:
            child.stdin.write(request)
            child.stdin.flush()
        else:
            import threading

            def feed() -> None:
                assert child.stdin is not None
                with contextlib.suppress(BrokenPipeError, ValueError):  # abandoned: the process has ended
                    child.stdin.write(request)
                    child.stdin.flush()

            writer = threading.Thread(target=feed, daemon=True)
            writer.start()
        out, finished = child.stdout, False
        self.busy = True
        try:
            for wanted in oids:
                header = out.readline().split()
                if len(header) < 3 or header[0].decode() != wanted:
                    raise GitError("git cat-file gave no blob", command=self.argv, returncode=None,
                                   hint="is the repository complete (not a partial clone)?")
                size = int(header[2])
                if size > limit:
                    yield from chunks(out.read, wanted, size)
                else:
                    yield Piece(wanted, out.read(size), size)
                out.read(1)
            finished = True
        finally:
            self.busy = False
            if not finished:
                self.broken = True
                child.kill()
            if writer is not None:
                writer.join()
            if not finished:
                self.close()

    def forget(self) -> None:
        """Close this process's ends of the pipes without ending or waiting for git (not our child)."""
        for pipe in (self._child.stdin, self._child.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()

    def close(self) -> None:
        for pipe in (self._child.stdin, self._child.stdout):
            if pipe is not None:
                with contextlib.suppress(BrokenPipeError):  # its process is gone: what it was sent no longer matters
                    pipe.close()
        self._child.wait()


_OID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


def refs_beyond_commits(root: Path) -> bool:
    """A ref (or the tag it points to) names a tree or a blob, not a commit. Every blob in a commit's
    tree enters history through some commit's diff (a root commit's diff adds everything), so
    introductions() covers all blobs unless this is true."""
    out = git(root, *TRUE_OBJECTS, "for-each-ref", "--format=%(objecttype) %(*objecttype)").stdout.decode()
    return any(line.split()[-1] not in ("commit",) for line in out.splitlines() if line.strip())


def all_blobs(root: Path) -> list[tuple[str, str]]:
    """(oid, path) for every unique blob reachable from any ref, each once. A blob that a ref names
    itself (`git tag key <blob>`: no tree gives it a path) is named by that ref, or by its own
    name if no ref names it directly (a tag of a tag of it): it is never left out."""
    res = git(root, *TRUE_OBJECTS, "rev-list", "--objects", "--all", "--filter=object:type=blob", timeout=3600,
              env=TRUE_PARENTS).stdout
    out, named_by_ref = [], []
    for line in res.decode("utf-8", "surrogateescape").split("\n"):  # rev-list has no -z: a name with a
        oid, _, path = line.partition(" ")                             # newline is read from introductions()
        if not _OID.fullmatch(oid):
            continue
        if path:
            out.append((oid, path))
        else:
            named_by_ref.append(oid)
    if named_by_ref:
        refs = _blob_refs(root)
        out += [(oid, refs.get(oid, oid)) for oid in named_by_ref]
    return out


def _blob_refs(root: Path) -> dict[str, str]:
    """Each blob that a ref, or the tag it points to, names: the first such ref's name."""
    out = git(root, *TRUE_OBJECTS, "for-each-ref", "--format=%(objectname) %(objecttype) %(*objectname) "
              "%(*objecttype) %(refname)").stdout.decode("utf-8", "surrogateescape")
    found: dict[str, str] = {}
    for line in out.splitlines():
        oid, kind, target, target_kind, name = (line.split(" ", 4) + [""] * 5)[:5]
        if kind == "blob":
            found.setdefault(oid, name)
        elif target_kind == "blob":
            found.setdefault(target, name)
    return found


def introductions(root: Path, revs: Sequence[str] = ("--all",),
                  paths: Sequence[str] = ()) -> list[tuple[str, str, str]]:
    """(commit, blob oid, path) for each blob a commit adds or changes, oldest commits first."""
    res = git(root, *TRUE_OBJECTS, "log", "--reverse", "--topo-order", "-m", "--raw", "-z", "--no-abbrev",
              "--no-renames", "--format=commit %H", *revs, "--", *literal(paths), timeout=3600, env=TRUE_PARENTS).stdout
    out = []
    commit = ""
    meta: list[str] | None = None
    for token in res.split(b"\0"):  # -z: names come raw (never quoted), whatever bytes they hold
        if meta is not None:  # the token after a raw record is its path, byte for byte
            if len(meta) >= 5 and meta[4] != "D" and meta[1].startswith("100"):
                out.append((commit, meta[3], token.decode("utf-8", "surrogateescape")))
            meta = None
            continue
        head = token.lstrip(b"\n").decode("ascii", "replace")
        if head.startswith("commit "):
            commit = head[7:].strip()
        elif head.startswith(":"):
            meta = head.split()
    return out


_EARLY_ORDERS: dict[tuple[Path, tuple[str, ...]], Callable[[], dict[str, int]]] = {}


def start_topo_order(root: Path, revs: Sequence[str] = ("--all",)) -> None:
    """Begin the next ``topo_order(root, revs)`` now (the history check begins it before it loads)."""
    _EARLY_ORDERS[(root, tuple(revs))] = _started_order(root, revs)


def topo_order(root: Path, revs: Sequence[str] = ("--all",)) -> Callable[[], dict[str, int]]:
    """Each commit's place in history, oldest first (parents before children): git starts now (or
    started at ``start_topo_order``), and the order is read when the returned function is first called."""
    return _EARLY_ORDERS.pop((root, tuple(revs)), None) or _started_order(root, revs)


def _started_order(root: Path, revs: Sequence[str]) -> Callable[[], dict[str, int]]:
    """The commits as stored; where a graft file gives a commit parents it does not store, those are
    read too (after the stored ones): a graft can neither hide a parent nor bring one unseen."""
    argv = ["git", *TRUE_OBJECTS, "-C", str(root), "rev-list", "--topo-order", "--reverse", *revs]
    stored = proc.started(argv, error=GitError, what="git rev-list", env=TRUE_PARENTS)
    grafted = proc.started(argv, error=GitError, what="git rev-list") if _has_grafts(root) else None

    @functools.cache
    def order() -> dict[str, int]:
        commits = {commit.decode(): None for commit in stored().split()}
        if grafted is not None:
            commits.update((commit.decode(), None) for commit in grafted().split())
        return {commit: place for place, commit in enumerate(commits)}

    return order


def _has_grafts(root: Path) -> bool:
    return parent_files(root)[1].exists()


def shallow_boundary(root: Path) -> list[str]:
    """The commits a shallow clone was cut at (their parents are not in it); [] for a whole clone."""
    shallow = parent_files(root)[0]
    try:
        return shallow.read_text().split()
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:  # which history was left out cannot be said: no report
        raise GitError(f"the shallow clone's boundary ({shallow.name}) cannot be read: {type(exc).__name__}",
                       command=("read", str(shallow)), returncode=None) from None


@functools.cache
def parent_files(root: Path) -> tuple[Path, Path]:
    """Where git keeps the shallow boundary and the graft file of ``root`` (either may not exist):
    what, beside refs/replace/, decides which parents git walks."""
    out = git(root, "rev-parse", "--path-format=absolute", "--git-path", "shallow", "--git-path", "info/grafts")
    paths = out.stdout.decode("utf-8", "surrogateescape").splitlines()
    if len(paths) != 2:  # (a newline in the repository's path)
        raise GitError("git rev-parse --git-path gave output it does not give", command=out.args, returncode=None)
    return Path(paths[0]), Path(paths[1])


def introductions_of(root: Path, commits: Sequence[str], parts: int, paths: Sequence[str] = ()
                     ) -> Iterator[tuple[str, str, str, str | None]]:
    """(commit, blob oid, path, the blob it replaced there or None) for each blob the commits add or
    change (against every parent; a root commit adds all it holds) at ``paths`` (all if none), in no
    set order: ``parts`` `git diff-tree` processes read a share of the commits each, at once, and
    their output is read as it comes."""
    argv = ["git", *TRUE_OBJECTS, "-C", str(root), "diff-tree", "--stdin", "-r", "-m", "--root", "--raw", "-z",
            "--no-abbrev", "--no-renames", *(["--", *literal(paths)] if paths else [])]
    size = max(1, -(-len(commits) // max(1, parts)))
    shares = [commits[at:at + size] for at in range(0, len(commits), size)]
    tails = [b""] * len(shares)
    commits_of = [""] * len(shares)
    for which, data in proc.streams([(argv, "".join(c + "\n" for c in share).encode()) for share in shares],
                                    error=GitError, what="git diff-tree", env=TRUE_PARENTS):
        text, end, commit = tails[which] + data, 0, commits_of[which]
        for match in _raw().finditer(text):
            if match.start() != end:
                raise GitError("git diff-tree gave output it does not give", command=argv, returncode=None)
            end = match.end()
            if match.group("commit"):
                commit = match.group("commit").decode()
            elif match.group("status") != b"D" and match.group("mode").startswith(b"100"):
                base = match.group("old") if match.group("oldmode").startswith(b"100") else b""
                yield (commit, match.group("oid").decode(), match.group("path").decode("utf-8", "surrogateescape"),
                       base.decode() if base.strip(b"0") else None)
        tails[which], commits_of[which] = text[end:], commit
    if any(tails):
        raise GitError("git diff-tree output ended inside a record", command=argv, returncode=None)


# `git diff-tree --stdin -r --raw -z`: a commit's name, then one record per changed path:
# ":<old mode> <new mode> <old oid> <new oid> <status>[score]\0<path>\0". Read in C, by one regex.
@functools.cache
def _raw() -> re.Pattern[bytes]:
    return re.compile(_RAW)


_RAW = (rb"(?P<commit>[0-9a-f]{40}(?:[0-9a-f]{24})?)\0|:(?P<oldmode>[0-7]{6}) (?P<mode>[0-7]{6}) (?P<old>[0-9a-f]+) "
        rb"(?P<oid>[0-9a-f]+) (?P<status>[A-Z])[0-9]*\0(?P<path>[^\0]*)\0")
