"""Per-file work across two processes on large batches (pyrage holds the GIL; files are independent)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from secretops.errors import SecretopsError, StateError
from secretops.util.fsutil import batch
from secretops.util.progress import Observer, Silent

PARALLEL_MIN = int(os.environ.get("SECRETOPS_PARALLEL_MIN", "200"))


def _threads(files: Sequence[str], work: Callable[[str], Any], observer: Observer) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with batch(), ThreadPoolExecutor(max_workers=4) as pool:  # overlaps the fsync waits
        for rel, result in pool.map(lambda r: (r, work(r)), files):
            out[rel] = result
            observer.step(rel)
    return out


def _die_with_parent(parent: int) -> None:
    """The worker must never outlive a killed command (a re-run would race with it)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


def run(files: Sequence[str], work: Callable[[str], Any], observer: Observer, label: str) -> dict[str, Any]:
    """``work(rel)`` for every file; results must be JSON values. Errors surface in the parent."""
    observer.begin(label, len(files))
    try:
        if len(files) < PARALLEL_MIN or not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
            return _threads(files, work, observer)
        mine, theirs = list(files[: len(files) // 2]), list(files[len(files) // 2:])
        read_end, write_end = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the worker: do its half, report, exit without running the parent's cleanup
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to report; it ends us
            os.close(read_end)
            code = 0
            payload: dict[str, Any]
            try:
                _die_with_parent(parent)
                payload = {"ok": _threads(theirs, work, Silent())}
            except SecretopsError as exc:
                payload, code = {"error": exc.user_message}, 2
            except BaseException as exc:  # reported to the parent, never swallowed
                payload, code = {"error": f"{type(exc).__name__} in a worker"}, 2
            with os.fdopen(write_end, "w") as fh:
                fh.write(json.dumps(payload))
            os._exit(code)
        os.close(write_end)
        results = _threads(mine, work, observer)
        with os.fdopen(read_end) as fh:
            raw = fh.read()
        _pid, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status):
            raise StateError("a worker process died", hint="run the command again to resume")
        payload = json.loads(raw or "{}")
        if "error" in payload:
            raise StateError(payload["error"], hint="run the command again after fixing the cause")
        for rel in theirs:
            observer.step(rel)
        results.update(payload["ok"])
        return results
    finally:
        observer.end()
