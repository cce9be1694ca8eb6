"""Where blobs come from: the index, a commit range, the tracked tree, or every blob in history.

A source lists references (path, blob, commit), never content: whoever checks a batch reads it
(`fetch`), so that forked workers read their own blobs from git and nothing large crosses a pipe
twice.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from secretops.check import rules_files
from secretops.check.model import Blob, Finding
from secretops.git import blobs
from secretops.git import command as git
from secretops.util.progress import Observer

MAX_PARSE = rules_files.MAX_PARSE  # larger blobs come in chunks (bounded memory), never skipped


class Ref(NamedTuple):
    path: str
    oid: str | None  # None: a file in a plain folder, read from disk
    commit: str | None = None  # history and ranges: the commit that brought the blob to this path
    base: str | None = None  # history: the blob it replaced at this path in that commit (check/delta.py)
    base_path: str | None = None  # …or, for a blob added here, the path of the same name that held it first


class Source(NamedTuple):
    """Where the blobs are, how many (None for a history: its blobs are found while it is read),
    and the references, produced only when iterated."""

    root: Path
    size: int | None
    refs: Iterator[Ref]
    paths: tuple[str, ...] = ()
    order: dict[str, int] | None = None  # commit -> its place in history, oldest first (history, ranges)


def fetch(root: Path, refs: Sequence[Ref]) -> Iterator[Blob]:
    """The blobs of ``refs``: from git through this process's own `git cat-file` (opened on first use,
    in each worker after the fork), or from disk for a plain folder."""
    if refs and refs[0].oid is None:
        yield from _files(root, refs)
        return
    reader = blobs.reader(root)
    paths: dict[str, list[Ref]] = {}
    for ref in refs:
        paths.setdefault(ref.oid or "", []).append(ref)
    for piece in reader.pieces(list(paths), MAX_PARSE):
        for ref in paths[piece.oid]:
            yield Blob(ref.path, piece.data, piece.oid, ref.commit, piece.size, piece.offset, piece.first_line)


def _refs(entries: Sequence[tuple[str, str | None]], commits: dict[tuple[str, str], str] | None,
          observer: Observer | None) -> Iterator[Ref]:
    if observer:
        observer.begin("checking", len(entries))
    for path, oid in entries:
        if observer:
            observer.step()
        yield Ref(path, oid, (commits or {}).get((oid, path)) if oid else None)
    if observer:
        observer.end()


def _of(root: Path, entries: Sequence[tuple[str, str]], commits: dict[tuple[str, str], str] | None = None,
        observer: Observer | None = None) -> Source:
    """(path, blob) entries; ``commits`` names the commit that first put each (blob, path) pair in history."""
    return Source(root, len(entries), _refs(entries, commits, observer), tuple(p for p, _o in entries))


def staged(root: Path, paths: Sequence[str] = (), observer: Observer | None = None) -> Source:
    """What is about to be committed: blobs from the index, not the working tree. Without paths, the
    staged changes; with paths (as pre-commit passes them, `run --all-files` included), the index
    content of exactly those paths, changed or not."""
    entries = git.index_entries(root, paths) if paths else git.staged_entries(root)
    return _of(root, entries, observer=observer)


def tracked(root: Path, paths: Sequence[str] = (), observer: Observer | None = None) -> Source:
    return _of(root, git.index_entries(root, paths), observer=observer)


def commit_range(root: Path, revs: Sequence[str], paths: Sequence[str] = (), observer: Observer | None = None
                 ) -> Source:
    """Every blob any commit of the range (``revs``, as `git log` takes them) adds or changes (a
    secret added and removed again counts)."""
    intro = blobs.introductions(root, revs, paths)
    first: dict[tuple[str, str], str] = {}
    for commit, oid, path in intro:
        first.setdefault((oid, path), commit)
    return _of(root, sorted({(p, o) for _c, o, p in intro}), first, observer)._replace(order=order_of(intro))


def blobs_of(root: Path, entries: Sequence[tuple[str, str]], first: dict[tuple[str, str], str],
             observer: Observer | None = None) -> Source:
    """(path, blob) entries, each finding naming the commit in ``first``."""
    return _of(root, entries, first, observer)


def order_of(intro: list[tuple[str, str, str]]) -> dict[str, int]:
    order: dict[str, int] = {}
    for commit, _oid, _path in intro:
        order.setdefault(commit, len(order))
    return order


class History:
    """Every (blob, path) pair reachable from any ref, each once, found while `git diff-tree` reads
    the commits (one process a core); once the references are all read, the commit that first
    brought each pair: the oldest in topological order, whichever process found it first."""

    def __init__(self, root: Path, observer: Observer | None = None, paths: Sequence[str] = ()) -> None:
        self.root = root
        self.paths = paths  # only what lies at these paths (a file, or a folder's files); all if none
        self._order = blobs.topo_order(root)  # git walks the commits while the workers start
        self.observer = observer
        self.first: dict[tuple[str, str], str] = {}
        self._named: dict[tuple[str, str], tuple[str, str]] = {}  # (path, commit a Ref names) -> (blob, path)

    @property
    def order(self) -> dict[str, int]:
        return self._order()

    def source(self) -> Source:
        """Its size is not known before the walk: a history is checked as a large scan."""
        return Source(self.root, None, self._refs())

    def _refs(self) -> Iterator[Ref]:
        order, first, seen = self.order, self.first, set()
        first_path: dict[str, str] = {}  # blob -> the first path it was found at
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        if self.observer:
            self.observer.begin("checking", len(order))  # a step a commit, as git reports them
        for commit, oid, path, base in blobs.introductions_of(self.root, list(order), cores, self.paths):
            if self.observer and commit not in seen:
                seen.add(commit)
                self.observer.step()
            key = (oid, path)
            known = first.get(key)
            if known is None:
                first[key] = commit
                self._named[(path, commit)] = key
                other = first_path.get(oid) if base is None else None
                if other is not None and _same_name(other, path):  # a file moved or copied whole
                    yield Ref(path, oid, commit, oid, other)
                    continue
                first_path.setdefault(oid, path)
                yield Ref(path, oid, commit, base)
            elif order.get(commit, 0) < order.get(known, 0):
                first[key] = commit
        if blobs.refs_beyond_commits(self.root):  # a tag of a tree or a blob: its objects are in no commit
            for oid, path in blobs.all_blobs(self.root):
                if (oid, path) not in first and _under(path, self.paths):
                    first[(oid, path)] = ""
                    yield Ref(path, oid)
        if self.observer:
            self.observer.end()

    def intro(self) -> list[tuple[str, str, str]]:
        """(commit, blob, path) for each pair, oldest commit first (for the cache)."""
        return sorted(((c, o, p) for (o, p), c in self.first.items() if c), key=lambda e: self.order.get(e[0], 0))

    def attributed(self, findings: list[Finding]) -> list[Finding]:
        """Each finding at the commit that first brought its blob to its path."""
        out = []
        for f in findings:
            key = self._named.get((f.path, f.commit or ""))
            out.append(f._replace(commit=self.first[key]) if key else f)
        return out


def _under(path: str, paths: Sequence[str]) -> bool:
    """``path`` is one of ``paths`` or in one of them (a folder), as git's literal pathspecs read them."""
    return not paths or any(p in ("", ".") or path == p.rstrip("/") or path.startswith(p.rstrip("/") + "/")
                            for p in paths)


def _same_name(a: str, b: str) -> bool:
    """Two paths whose rules read a blob alike: the same file name, both in a chart's templates or not."""
    return a.rsplit("/", 1)[-1] == b.rsplit("/", 1)[-1] and \
        ("/templates/" in f"/{a.lower()}") == ("/templates/" in f"/{b.lower()}")


def worktree(root: Path, files: Sequence[str], observer: Observer | None = None) -> Source:
    """Outside git (a plain folder): read files from disk."""
    return Source(root, len(files), _refs([(rel, None) for rel in files], None, observer))


def _files(root: Path, refs: Sequence[Ref]) -> Iterator[Blob]:
    for ref in refs:
        path = root / ref.path
        if path.is_symlink() or not path.is_file():
            continue
        size = path.stat().st_size
        if size <= MAX_PARSE:
            yield Blob(ref.path, path.read_bytes(), size=size)
            continue
        with path.open("rb") as fh:
            for piece in blobs.chunks(fh.read, "", size):
                yield Blob(ref.path, piece.data, None, None, size, piece.offset, piece.first_line)
