"""Checking blobs: in this process, or, for large scans, in forked workers on every core.

pyrage and the rules are CPU-bound and hold the GIL, so threads would not help; forked processes
inherit the compiled rules and the parsed `.sops.yaml`. References go to the workers in bounded
batches and each worker reads its own blobs, so memory stays flat however large the scan, and
no content passes through this process.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from secretops.check import allow, registry, rules_content, sources, tokens
from secretops.check.model import Blob, FileView, Finding, Settings
from secretops.check.sources import Ref, Source
from secretops.git import blobs
from secretops.util.budget import Recent

PARALLEL_MIN = 256  # blobs: fewer are checked in this process (a commit's worth never forks)
BATCH = 128
REDO_BATCH = 32  # versions checked again in full: fewer, each a full check, shared evenly over the cores


class Tally(NamedTuple):
    findings: list[Finding]
    scanned: int
    suppressed: int


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """One report per value: a value already reported as plaintext in a sops file is not also a
    plaintext Secret value, and neither is also a `credential`."""
    partial = {f.line for f in findings if f.rule == "partially-encrypted"}
    taken = {f.line for f in findings if f.rule in ("partially-encrypted", "plaintext-secret")}
    return [f for f in findings if not (f.rule == "credential" and f.line in taken)
            and not (f.rule == "plaintext-secret" and f.line in partial)]


def check_blobs(blobs: Iterable[Blob], settings: Settings, inline_allow: bool) -> Tally:
    """Every rule on every blob. A blob whose path says nothing (not a clear copy, not named or
    configured as encrypted) and whose text holds nothing any content rule looks for (tokens.quiet,
    one RE2 pass) is done without running them: most of a long history's versions are such. One that
    holds only keys that name secrets runs only the rule that reads them (_reach)."""
    found: list[Finding] = []
    scanned = suppressed = 0
    for blob in blobs:
        scanned += blob.offset == 0
        view = None
        reach = "all"
        if _by_content(blob, settings):
            if _own_text(blob.data):  # its bytes are its text: no decoding
                reach = _reach(blob.data)
            else:
                view = FileView(blob, settings)
                reach = "all" if view.binary else _reach(view.text)
            if not reach:
                continue
        view = view or FileView(blob, settings)
        rules = registry.CHUNK_RULES if blob.chunked else registry.KEYED_RULES if reach == "keyed" else registry.RULES
        for finding in _dedupe([f for rule in rules for f in rule.check(view)]):
            if inline_allow and allow.inline_allowed(finding, view.lines):
                suppressed += 1
            else:
                found.append(finding)
    return Tally(found, scanned, suppressed)


class Left(NamedTuple):
    """A version left to the findings of the blob it replaced at its path."""

    ref: Ref
    base: str
    copied: bool  # its findings may be copied from that blob's: the same path, and no allow comment in either


class Part(NamedTuple):
    """What a batch of references came to: its tally, the blobs (oid, path) checked in full and, for
    those with a finding or a suppressed one, what they had; and each version left to its previous
    one's findings."""

    tally: Tally
    checked: set[tuple[str, str]]
    flagged: dict[tuple[str, str], Tally]
    inherited: list[Left]


def check_refs(root: Path, refs: list[Ref], settings: Settings, inline_allow: bool) -> Part:
    """check_blobs on the blobs of ``refs``, but a version whose change from the blob it replaced
    can change no finding (check/delta.py) is not checked: its findings are that blob's. A quiet
    blob (check_blobs passes over it in one RE2 pass) is done first: cheaper than any diff."""
    delta = _delta() if any(r.base for r in refs) else None  # only a history's references have a base
    inherited: list[Left] = []
    if delta:  # the same blob at another path of the same name: nothing to read
        copies = [r for r in refs if r.base_path and delta.path_eligible(r.path, settings)
                  and delta.path_eligible(r.base_path, settings)]
        inherited += [Left(r, r.base or "", False) for r in copies]
        refs = [r for r in refs if r not in set(copies)] if copies else refs
    scanned = len(inherited)
    by_key = {(r.oid, r.path): r for r in refs}
    found: list[Finding] = []
    suppressed = 0
    checked: set[tuple[str, str]] = set()
    flagged: dict[tuple[str, str], Tally] = {}
    pending: list[tuple[Blob, Ref]] = []  # not quiet, and a blob they replaced: their diff decides

    def full(blob: Blob) -> None:
        nonlocal scanned, suppressed
        tally = check_blobs((blob,), settings, inline_allow)
        key = (blob.oid or "", blob.path)
        checked.add(key)
        if tally.findings or tally.suppressed:
            flagged[key] = tally
        found.extend(tally.findings)
        scanned += tally.scanned
        suppressed += tally.suppressed

    for blob in sources.fetch(root, refs):
        ref = by_key.get((blob.oid or "", blob.path))
        eligible = bool(delta and blob.oid and not blob.chunked and delta.path_eligible(blob.path, settings))
        if eligible and blob.oid:
            _RECENT.put(blob.oid, blob.data)
        if eligible and ref is not None and ref.base:
            if _quiet(blob, settings):  # what check_blobs finds in it: nothing
                checked.add((blob.oid or "", blob.path))
                scanned += 1
            else:
                pending.append((blob, ref))
        else:
            full(blob)
    if pending and delta:
        wanted = dict.fromkeys(ref.base for _blob, ref in pending if ref.base)
        bases = {oid: data for oid in wanted if (data := _RECENT.get(oid)) is not None}
        unread = [oid for oid in wanted if oid not in bases]
        if unread:
            for piece in blobs.reader(root).pieces(unread, sources.MAX_PARSE):
                if piece.offset == 0 and len(piece.data) == piece.size:
                    bases[piece.oid] = piece.data
        for blob, ref in pending:
            base = bases.get(ref.base or "")
            if base is not None and delta.same_findings(base, blob.data, blob.path):
                inherited.append(Left(ref, ref.base or "", _ALLOW not in base and _ALLOW not in blob.data))
                scanned += 1
            else:
                full(blob)
    return Part(Tally(found, scanned, suppressed), checked, flagged, inherited)


def _by_content(blob: Blob, settings: Settings) -> bool:
    """Which rules may fire on ``blob`` is its text's to say (_reach): a large scan's whole blob whose
    path says nothing (not a clear copy, not named or configured as encrypted, no password file)."""
    return not settings.small_scan and not blob.chunked and not settings.is_clear_file(blob.path) and \
        not settings.named_encrypted(blob.path) and not tokens.password_file(blob.path)


def _own_text(data: bytes) -> bool:
    return data.isascii() and b"\0" not in data


def _quiet(blob: Blob, settings: Settings) -> bool:
    """check_blobs passes over it (without decoding it): no rule may fire on it."""
    return _by_content(blob, settings) and _own_text(blob.data) and not _reach(blob.data)


def _reach(text: str | bytes) -> str:
    """Which rules may fire on ``text`` (a blob whose path says nothing), by the selector's one pass
    (tokens.stillness): "" none; "keyed" only the credential rule, whose reading of keys that name
    secrets is all that may fire; else "all". `kind` and `Secret` beside them make it "all" only where
    a document can be a Secret (plaintext-secret's and unscannable's own pre-test)."""
    reach, kind_secret = tokens.stillness(text)
    if reach != "all" and kind_secret and rules_content.might_hold_a_secret(
            text if isinstance(text, str) else text.decode()):
        return "all"
    return reach


def _delta() -> Any:
    from secretops.check import delta

    return delta


RECENT_MAX = 64 << 20
# Blobs this process read lately: the next version's previous one.
_RECENT: Recent[str, bytes] = Recent(RECENT_MAX, lambda _oid, data: len(data))


_SETTINGS: Settings | None = None  # set before the fork; the workers inherit it
_INLINE = True


def _work(task: tuple[Path, list[Ref]]) -> Part:
    assert _SETTINGS is not None
    root, batch = task
    return check_refs(root, batch, _SETTINGS, _INLINE)


def _batches(refs: Iterable[Ref], size: int = BATCH) -> Iterator[list[Ref]]:
    batch: list[Ref] = []
    for ref in refs:
        batch.append(ref)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def small(source: Source) -> bool:
    """Fewer than PARALLEL_MIN blobs: checked in this process, with the small scan's cheap set-up."""
    return source.size is not None and source.size < PARALLEL_MIN


def check_many(source: Source, settings: Settings, inline_allow: bool) -> Tally:
    """Like check_blobs; a scan of PARALLEL_MIN blobs (or history commits) or more is spread over a
    worker a core (util/forkpool), each reading its own blobs, its next batch waiting in its pipe."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    _ = settings.sops_config  # read once, before any blob (and inherited by workers): a broken one fails first
    if small(source):  # the hook's path: no base to leave a version to (a history is never small)
        try:
            return _sum([check_blobs(sources.fetch(source.root, batch), settings, inline_allow)
                         for batch in _batches(source.refs)])
        finally:
            blobs.close_readers()
    if cores < 2 or not hasattr(os, "fork"):
        try:
            def here(batches: Iterable[list[Ref]]) -> list[Part]:
                return [check_refs(source.root, batch, settings, inline_allow) for batch in batches]

            return _resolved(here(_batches(source.refs)), here)
        finally:
            blobs.close_readers()
    from secretops.util.forkpool import Pool

    global _SETTINGS, _INLINE
    _SETTINGS, _INLINE = settings, inline_allow
    try:
        with Pool(cores, _work) as pool:
            def spread(batches: Iterable[list[Ref]]) -> list[Part]:
                return list(pool.run((source.root, batch) for batch in batches))

            return _resolved(spread(_batches(source.refs)), spread)
    finally:
        blobs.close_readers()


_ALLOW = b"secretops:allow"  # an allow comment: which findings it suppresses depends on lines


def _resolved(parts: list[Part], check: Callable[[Iterable[list[Ref]]], list[Part]]) -> Tally:
    """The parts summed, each version left to its previous one given that one's findings: none if it
    had none (nor a suppressed one), else the same ones (delta.same_findings) at this version's commit
    (their lines are the first version's: a report shows a secret where it first came). A version
    whose chain of previous versions reaches no blob checked in full, or reaches one with findings
    through a version that may not copy them (another path, an allow comment), is checked in full
    (by ``check``, on every core)."""
    checked = set().union(*(p.checked for p in parts))
    flagged = {key: tally for p in parts for key, tally in p.flagged.items()}
    left = {(item.ref.oid or "", item.ref.path): item for p in parts for item in p.inherited}
    tally = _sum([p.tally for p in parts])
    copied: list[Finding] = []
    suppressed = 0
    redo: list[Ref] = []
    for key, (root, copyable) in _roots(left, checked).items():
        if root is None or (root in flagged and not copyable):
            redo.append(left[key].ref._replace(base=None, base_path=None))
        elif root in flagged:
            copied += [f._replace(commit=left[key].ref.commit) for f in flagged[root].findings]
            suppressed += flagged[root].suppressed
    again = check(_batches(redo, REDO_BATCH)) if redo else []
    return Tally([*tally.findings, *copied, *(f for p in again for f in p.tally.findings)], tally.scanned,
                 tally.suppressed + suppressed + sum(p.tally.suppressed for p in again))


def _roots(left: dict[tuple[str, str], Left], checked: set[tuple[str, str]]
           ) -> dict[tuple[str, str], tuple[tuple[str, str] | None, bool]]:
    """For each version left to its previous one: the blob checked in full that its chain of previous
    versions reaches (None: one never checked, or a cycle of versions left to each other), and whether
    every link of the chain may copy findings; each chain walked once."""
    out: dict[tuple[str, str], tuple[tuple[str, str] | None, bool]] = {}
    for key in left:
        chain, on_chain, at = [], set(), key
        root: tuple[str, str] | None
        while at not in out:
            if at in checked:
                root, copyable = at, True
                break
            item = left.get(at)
            if item is None or at in on_chain:
                root, copyable = None, False
                break
            chain.append(at)
            on_chain.add(at)
            at = (item.base, item.ref.base_path or item.ref.path)
        else:
            root, copyable = out[at]
        for link in reversed(chain):  # from the root's end: a link that may not copy taints those after it
            copyable = copyable and left[link].copied
            out[link] = (root, copyable)
    return out


def _sum(parts: list[Tally]) -> Tally:
    return Tally([f for p in parts for f in p.findings], sum(p.scanned for p in parts),
                 sum(p.suppressed for p in parts))
