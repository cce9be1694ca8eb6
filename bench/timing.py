"""Wall-clock timing of whole commands, median of several runs."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path


def median_ms(argv: Sequence[str], cwd: Path, env: dict[str, str], runs: int = 11,
              ok: Sequence[int] = (0, 1)) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(list(argv), cwd=cwd, env=env, capture_output=True)
        times.append((time.perf_counter() - start) * 1000)
        if proc.returncode not in ok:
            raise SystemExit(f"{argv[0]} exited {proc.returncode}: {proc.stderr.decode()[-300:]}")
    return statistics.median(times)


def once_s(argv: Sequence[str], cwd: Path, env: dict[str, str], ok: Sequence[int] = (0, 1)) -> tuple[float, bytes]:
    start = time.perf_counter()
    proc = subprocess.run(list(argv), cwd=cwd, env=env, capture_output=True)
    if proc.returncode not in ok:
        raise SystemExit(f"{argv[0]} exited {proc.returncode}: {proc.stderr.decode()[-300:]}")
    return time.perf_counter() - start, proc.stdout


def paired_median_ms(a: Sequence[str], b: Sequence[str], cwd: Path, env: dict[str, str], runs: int = 21,
                     ok: Sequence[int] = (0, 1), cwd_b: Path | None = None) -> tuple[float, float]:
    """Both commands, alternately, so that a busy machine slows both alike; medians in ms."""
    ta: list[float] = []
    tb: list[float] = []
    for _ in range(runs):
        for argv, where, sink in ((a, cwd, ta), (b, cwd_b or cwd, tb)):
            start = time.perf_counter()
            proc = subprocess.run(list(argv), cwd=where, env=env, capture_output=True)
            sink.append((time.perf_counter() - start) * 1000)
            if proc.returncode not in ok:
                raise SystemExit(f"{argv[0]} exited {proc.returncode}: {proc.stderr.decode()[-300:]}")
    return statistics.median(ta), statistics.median(tb)
