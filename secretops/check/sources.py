"""Where blobs come from: the index, a commit range, the tracked tree, or every blob in history."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from secretops.check import rules_files
from secretops.check.model import Blob
from secretops.git import blobs
from secretops.git import command as git
from secretops.util.progress import Observer

MAX_PARSE = rules_files.MAX_PARSE  # larger blobs come in chunks (bounded memory), never skipped


class Source(NamedTuple):
    """How many blobs there are, and a stream of them that starts reading only when iterated."""

    size: int
    blobs: Iterator[Blob]
    paths: tuple[str, ...] = ()
    order: dict[str, int] | None = None  # commit -> its place in history, oldest first (history, ranges)


def _blobs(root: Path, entries: Sequence[tuple[str, str]], commits: dict[tuple[str, str], str] | None = None,
           observer: Observer | None = None) -> Source:
    """``commits`` names the commit that first put each (blob, path) pair in history."""
    paths: dict[str, list[str]] = {}
    for path, oid in entries:
        paths.setdefault(oid, []).append(path)
    return Source(len(entries), _stream(root, paths, commits, observer), tuple(p for p, _o in entries))


def _stream(root: Path, paths: dict[str, list[str]], commits: dict[tuple[str, str], str] | None,
            observer: Observer | None) -> Iterator[Blob]:
    if observer:
        observer.begin("checking", len(paths))
    for piece in blobs.stream_blobs(root, list(paths), MAX_PARSE):
        if observer and piece.offset <= 0:
            observer.step()
        for path in paths[piece.oid]:
            yield Blob(path, piece.data, piece.oid, (commits or {}).get((piece.oid, path)), piece.size,
                       piece.offset, piece.first_line)
    if observer:
        observer.end()


def staged(root: Path, paths: Sequence[str] = (), observer: Observer | None = None) -> Source:
    """What is about to be committed: blobs from the index, not the working tree. Without paths, the
    staged changes; with paths (as pre-commit passes them, `run --all-files` included), the index
    content of exactly those paths, changed or not."""
    entries = git.index_entries(root, paths) if paths else git.staged_entries(root)
    return _blobs(root, entries, observer=observer)


def tracked(root: Path, paths: Sequence[str] = (), observer: Observer | None = None) -> Source:
    return _blobs(root, git.index_entries(root, paths), observer=observer)


def commit_range(root: Path, spec: str, paths: Sequence[str] = (), observer: Observer | None = None) -> Source:
    """Every blob any commit in BASE..HEAD adds or changes (a secret added and removed again counts)."""
    intro = blobs.introductions(root, [spec], paths)
    first: dict[tuple[str, str], str] = {}
    for commit, oid, path in intro:
        first.setdefault((oid, path), commit)
    return _blobs(root, sorted({(p, o) for _c, o, p in intro}), first, observer)._replace(order=_order(intro))


def blobs_of(root: Path, entries: Sequence[tuple[str, str]], first: dict[tuple[str, str], str],
             observer: Observer | None = None) -> Source:
    """(path, blob) entries, each finding naming the commit in ``first``."""
    return _blobs(root, entries, first, observer)


def order_of(intro: list[tuple[str, str, str]]) -> dict[str, int]:
    return _order(intro)


def _order(intro: list[tuple[str, str, str]]) -> dict[str, int]:
    order: dict[str, int] = {}
    for commit, _oid, _path in intro:
        order.setdefault(commit, len(order))
    return order


def history(root: Path, observer: Observer | None = None) -> tuple[Source, dict[tuple[str, str], str],
                                                                 list[tuple[str, str, str]]]:
    """Every unique blob reachable from any ref, read once; plus the commit that first put each blob at
    each of its paths (a finding at a path names the commit that brought it there)."""
    first: dict[tuple[str, str], str] = {}
    paths: dict[str, set[str]] = {}
    intro = blobs.introductions(root)
    for commit, oid, path in intro:
        first.setdefault((oid, path), commit)
        paths.setdefault(oid, set()).add(path)
    if blobs.refs_beyond_commits(root):  # a tag of a tree or a blob: its objects are in no commit's diff
        for oid, path in blobs.all_blobs(root):
            paths.setdefault(oid, set()).add(path)
    entries = [(p, oid) for oid, ps in paths.items() for p in sorted(ps)]
    return _blobs(root, entries, first, observer)._replace(order=_order(intro)), first, intro


def worktree(root: Path, files: Sequence[str], observer: Observer | None = None) -> Source:
    """Outside git (a plain folder): read files from disk."""
    return Source(len(files), _files(root, files, observer))


def _files(root: Path, files: Sequence[str], observer: Observer | None) -> Iterator[Blob]:
    if observer:
        observer.begin("checking", len(files))
    for rel in files:
        if observer:
            observer.step()
        path = root / rel
        if path.is_symlink() or not path.is_file():
            continue
        size = path.stat().st_size
        if size <= MAX_PARSE:
            yield Blob(rel, path.read_bytes(), size=size)
            continue
        with path.open("rb") as fh:
            for piece in blobs.chunks(fh.read, "", size):
                yield Blob(rel, piece.data, None, None, size, piece.offset, piece.first_line)
    if observer:
        observer.end()
