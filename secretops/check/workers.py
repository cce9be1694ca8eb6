"""Checking blobs: in this process, or, for large scans, in forked workers on every core.

pyrage and the rules are CPU-bound and hold the GIL, so threads would not help; forked processes
inherit the compiled rules and the parsed `.sops.yaml`. References go to the workers in bounded
batches and each worker reads its own blobs, so memory stays flat however large the scan, and
no content passes through this process.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from secretops.check import allow, registry, sources, tokens
from secretops.check.model import Blob, FileView, Finding, Settings
from secretops.check.sources import Ref, Source

PARALLEL_MIN = 256  # blobs: fewer are checked in this process (a commit's worth never forks)
BATCH = 128


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
    one RE2 pass) is done without running them: most of a long history's versions are such."""
    found: list[Finding] = []
    scanned = suppressed = 0
    for blob in blobs:
        scanned += blob.offset == 0
        view = FileView(blob, settings)
        if not settings.small_scan and not blob.chunked and not view.binary and not view.is_clear_file \
                and not view.named_encrypted and tokens.quiet(view.text):
            continue
        rules = registry.CHUNK_RULES if blob.chunked else registry.RULES
        for finding in _dedupe([f for rule in rules for f in rule.check(view)]):
            if inline_allow and allow.inline_allowed(finding, view.lines):
                suppressed += 1
            else:
                found.append(finding)
    return Tally(found, scanned, suppressed)


_SETTINGS: Settings | None = None  # set before the fork; the workers inherit it
_INLINE = True
_FINALIZER: object | None = None  # a worker's: closes its own `git cat-file` when it exits


def _work(root: Path, batch: list[Ref]) -> Tally:
    assert _SETTINGS is not None
    global _FINALIZER
    if _FINALIZER is None:
        import multiprocessing.util

        _FINALIZER = multiprocessing.util.Finalize(None, sources.close_readers, exitpriority=10)
    return check_blobs(sources.fetch(root, batch), _SETTINGS, _INLINE)


def _batches(refs: Iterable[Ref]) -> Iterator[list[Ref]]:
    batch: list[Ref] = []
    for ref in refs:
        batch.append(ref)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def small(source: Source) -> bool:
    """Fewer than PARALLEL_MIN blobs: checked in this process, with the small scan's cheap set-up."""
    return source.size is not None and source.size < PARALLEL_MIN


def check_many(source: Source, settings: Settings, inline_allow: bool) -> Tally:
    """Like check_blobs; a scan of PARALLEL_MIN blobs (or history commits) or more is spread over
    workers forked before the source starts any git process (so no pipe leaks into them), each
    reading its own blobs, with at most two batches a worker in flight."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if small(source) or cores < 2 or not hasattr(os, "fork"):
        try:
            return _sum([check_blobs(sources.fetch(source.root, batch), settings, inline_allow)
                         for batch in _batches(source.refs)])
        finally:
            sources.close_readers()
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

    global _SETTINGS, _INLINE
    _SETTINGS, _INLINE = settings, inline_allow
    _ = settings.sops_config  # parsed once, here, and inherited: a broken one fails before any fork
    sources.close_readers()  # none of this process's pipes may reach a worker
    parts: list[Tally] = []
    pending: set[Future[Tally]] = set()
    with ProcessPoolExecutor(max_workers=cores, mp_context=multiprocessing.get_context("fork")) as pool:
        pool.submit(_work, source.root, []).result()  # fork: every worker starts on the first submit
        for batch in _batches(source.refs):
            if len(pending) >= 2 * cores:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                parts += [f.result() for f in done]
            pending.add(pool.submit(_work, source.root, batch))
        parts += [f.result() for f in wait(pending)[0]]
    return _sum(parts)


def _sum(parts: list[Tally]) -> Tally:
    return Tally([f for p in parts for f in p.findings], sum(p.scanned for p in parts),
                 sum(p.suppressed for p in parts))
