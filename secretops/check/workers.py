"""Checking blobs: in this process, or, for large scans, in forked workers on every core.

pyrage and the rules are CPU-bound and hold the GIL, so threads would not help; forked processes
inherit the compiled rules and the parsed `.sops.yaml`. Blobs go to the workers in bounded
batches, so memory stays flat however large the scan.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from secretops.check import allow, registry
from secretops.check.model import Blob, FileView, Finding, Settings
from secretops.check.sources import Source

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
    found: list[Finding] = []
    scanned = suppressed = 0
    for blob in blobs:
        scanned += blob.offset == 0
        view = FileView(blob, settings)
        rules = registry.CHUNK_RULES if blob.chunked else registry.RULES
        for finding in _dedupe([f for rule in rules for f in rule.check(view)]):
            if inline_allow and allow.inline_allowed(finding, view.lines):
                suppressed += 1
            else:
                found.append(finding)
    return Tally(found, scanned, suppressed)


_SETTINGS: Settings | None = None  # set before the fork; the workers inherit it
_INLINE = True


def _work(batch: list[Blob]) -> Tally:
    assert _SETTINGS is not None
    return check_blobs(batch, _SETTINGS, _INLINE)


def _batches(blobs: Iterable[Blob]) -> Iterator[list[Blob]]:
    batch: list[Blob] = []
    for blob in blobs:
        batch.append(blob)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def check_many(source: Source, settings: Settings, inline_allow: bool) -> Tally:
    """Like check_blobs; a scan of PARALLEL_MIN blobs or more is spread over workers forked before the
    blob stream starts (so no git pipe leaks into them), with at most two batches each in flight."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if source.size < PARALLEL_MIN or cores < 2 or not hasattr(os, "fork"):
        return check_blobs(source.blobs, settings, inline_allow)
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

    global _SETTINGS, _INLINE
    _SETTINGS, _INLINE = settings, inline_allow
    _ = settings.sops_config  # parsed once, here, and inherited: a broken one fails before any fork
    parts: list[Tally] = []
    pending: set[Future[Tally]] = set()
    with ProcessPoolExecutor(max_workers=cores, mp_context=multiprocessing.get_context("fork")) as pool:
        pool.submit(_work, []).result()  # every worker is forked now, before the stream opens a pipe
        for batch in _batches(source.blobs):
            if len(pending) >= 2 * cores:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                parts += [f.result() for f in done]
            pending.add(pool.submit(_work, batch))
        parts += [f.result() for f in wait(pending)[0]]
    return Tally([f for p in parts for f in p.findings], sum(p.scanned for p in parts),
                 sum(p.suppressed for p in parts))
