"""`check --history` on the real histories in ../shared/histories/: a first run (--no-cache) on a
fresh clone, alternating with `betterleaks git` and `kingfisher scan --git-history full`, with
medians of wall and CPU time, peak memory, and the findings compared with a full read of every blob.

The full read is the same checker with every version checked whole (no version left to the one it
replaced, check/delta.py); any difference is named, path and rule, never the value."""

from __future__ import annotations

import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench import bench_recall

BIN = Path(sys.executable).parent
HISTORIES = Path(__file__).resolve().parents[2] / "shared" / "histories"
RUNS = int(os.environ.get("BENCH_HISTORY_RUNS", "5"))
# Peak memory of one command and its children, as the kernel counts it (RUSAGE_CHILDREN maxrss).
_MEASURE = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
            "w = time.perf_counter() - t; u = resource.getrusage(resource.RUSAGE_CHILDREN); "
            "print(p.returncode, w, u.ru_utime + u.ru_stime, u.ru_maxrss)")


def kingfisher() -> str:
    found = BIN / "kingfisher"
    if not found.exists():
        raise SystemExit("kingfisher is not installed: pip install -e '.[bench]' (kingfisher-bin)")
    return str(found)


def _measure(argv: list[str], cwd: Path) -> tuple[float, float, int]:
    """(wall s, user+sys s, peak RSS KiB) of ``argv`` and every process it started."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, *argv], cwd=cwd, capture_output=True, text=True,
                         check=True).stdout.split()
    code, wall, cpu, rss = int(out[0]), float(out[1]), float(out[2]), int(out[3])
    if code not in (0, 1, 200):  # 1: findings (secretops, betterleaks); 200: findings (kingfisher)
        raise SystemExit(f"{argv[0]} exited {code} in {cwd.name}")
    return wall, cpu, rss


def clone(bundle: Path, into: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(bundle), str(into)], check=True)
    return into


def commands(root: Path) -> dict[str, list[str]]:
    return {"secretops": [str(BIN / "secretops"), "check", "--history", "--no-cache", "-q"],
            "betterleaks": [bench_recall.betterleaks(), "git", str(root), "--no-banner", "-l", "error"],
            "kingfisher": [kingfisher(), "scan", str(root), "--git-history", "full", "-n", "--no-update-check"]}


def timed(root: Path, runs: int = RUNS) -> dict[str, tuple[float, float, int]]:
    """Median wall and CPU and the largest peak memory of each command, run in turn ``runs`` times."""
    samples: dict[str, list[tuple[float, float, int]]] = {}
    for _ in range(runs):
        for name, argv in commands(root).items():
            samples.setdefault(name, []).append(_measure(argv, root))
    return {name: (statistics.median(s[0] for s in got), statistics.median(s[1] for s in got),
                   max(s[2] for s in got)) for name, got in samples.items()}


# The product's own pipeline with its rule work taken out by the bench (never by the product): git
# listing and reading every version, the workers, the parent. "git and reading": a version is
# passed over unread by any rule; "+ selector": each version with a previous one still takes the
# selector's one pass (the quiet test), and nothing else. What a goal needs is below both.
_FLOOR = ("import sys; from secretops.check import delta, workers; "
          "workers.check_blobs = lambda blobs, s, i: workers.Tally([], sum(1 for b in blobs), 0); "
          "delta.same_findings = lambda old, new, path: True; "
          "sys.argv[1:] == ['bare'] and setattr(workers, '_quiet', lambda blob, settings: True); "
          "sys.argv = ['secretops', 'check', '--history', '--no-cache', '-q']; "
          "from secretops.cli.main import main; main()")


def floor(root: Path, runs: int = 3) -> dict[str, float]:
    """Median wall time of the pipeline with no rule work ("git and reading") and with only the
    selector's pass over each version ("+ selector")."""
    out: dict[str, list[float]] = {}
    for _ in range(runs):
        for name, mode in (("git and reading", "bare"), ("+ selector", "selector")):
            out.setdefault(name, []).append(_measure([sys.executable, "-c", _FLOOR, mode], root)[0])
    return {name: statistics.median(walls) for name, walls in out.items()}


def full_read(root: Path) -> list[tuple[object, ...]]:
    """The findings of the same checker running every rule on every blob of history whole: no
    version left to its previous one (delta), and no blob passed over as quiet (the bench, not the
    product, turns that skip off, and the selector's skip of sops's ciphertext: the judge must not share
    the shortcut it judges)."""
    import re

    from secretops.check import tokens, workers

    reach, workers._reach = workers._reach, lambda text: "all"
    ciphertext, tokens._CIPHERTEXT = tokens._CIPHERTEXT, re.compile(rb"(?!)")  # the selector reads sops's too
    tokens._KEPT.clear()  # (no pass kept from a read that skipped it)
    tokens._select.cache_clear()
    try:
        return _full_read(root)
    finally:
        workers._reach, tokens._CIPHERTEXT = reach, ciphertext


def _full_read(root: Path) -> list[tuple[object, ...]]:
    from secretops.check import engine, sources, workers
    from secretops.check.model import Settings
    from secretops.repo import config as config_mod

    config = config_mod.load(root)
    history = sources.History(root)
    source = history.source()
    source = source._replace(refs=(ref._replace(base=None) for ref in source.refs))
    settings = Settings(config.encrypted_suffix, config.clear_suffix, True,
                        functools.partial(engine._sops_config, root, True, "HEAD"), small_scan=False,
                        read=functools.partial(engine._reader, root, True, "HEAD"))
    tally = workers.check_many(source, settings, True)
    found = sorted(set(history.attributed(tally.findings)), key=lambda f: (f.path, f.line, f.rule, f.commit or ""))
    return [_row(f.rule, f.path, f.line, f.fingerprint, f.commit, list(f.commits), f.later)
            for f in engine.once_per_secret(found, history.order)] + [("scanned", tally.scanned, tally.suppressed)]


def product(root: Path) -> list[tuple[object, ...]]:
    """The findings of `secretops check --history --no-cache` as a user runs it."""
    out = subprocess.run([str(BIN / "secretops"), "check", "--history", "--no-cache", "-q", "--format", "json"],
                         cwd=root, capture_output=True, check=False)
    if out.returncode not in (0, 1):
        raise SystemExit(f"secretops exited {out.returncode} in {root.name}: {out.stderr.decode()[-300:]}")
    doc = json.loads(out.stdout)
    return [_row(f["rule"], f["path"], f["line"], f["fingerprint"], f.get("commit"), f.get("commits", []),
                 f.get("later_versions", 0)) for f in doc["findings"]] + [("scanned", doc["scanned"],
                                                                           doc["suppressed"])]


def _row(rule: str, path: str, line: int, fingerprint: str, commit: str | None, commits: list[str],
         later: int) -> tuple[object, ...]:
    return (rule, path, line, fingerprint, commit, tuple(commits), later)


def differences(root: Path) -> tuple[list[tuple[object, ...]], list[str]]:
    """secretops's findings (and its scanned/suppressed row), and how they differ from the full read's."""
    fast, full = product(root), full_read(root)
    only = [f"{'secretops' if row in fast else 'full read'} only: {row[0]} {row[1]}:{row[2]}"
            for row in sorted(set(fast) ^ set(full), key=str)]
    return fast, only


def theirs_only(root: Path, ours: set[str], work: Path) -> list[str]:
    """What betterleaks and Kingfisher report at paths where secretops reports nothing: tool, rule and
    path, and how many (path, secret) pairs, for a person to read (docs/history.md, "Finds what they
    find"). Never the value."""
    bl_out, kf_out = work / f"{root.name}.betterleaks.json", work / f"{root.name}.kingfisher.json"
    subprocess.run([*commands(root)["betterleaks"], "-o", str(bl_out)], capture_output=True, check=False)
    subprocess.run([*commands(root)["kingfisher"], "-f", "json", "-o", str(kf_out)], capture_output=True, check=False)
    found: dict[tuple[str, str, str], str] = {}  # (tool, path, value) -> rule
    for item in json.loads(bl_out.read_text())["findings"]:
        found.setdefault(("betterleaks", item["location"]["path"], item["match"]["value"]), item["rule_id"])
    for item in json.loads(kf_out.read_text())["findings"]:
        finding = item["finding"]
        path = finding.get("path") or finding["git_metadata"]["file"]["path"]
        found.setdefault(("kingfisher", path, finding["snippet"]), item["rule"]["name"])
    counted = Counter((tool, rule, path) for (tool, path, _value), rule in found.items() if path not in ours)
    return [f"{tool} only: {rule} {path}" + (f" ({n} secrets)" if n > 1 else "")
            for (tool, rule, path), n in sorted(counted.items())]


def run() -> list[str]:
    bundles = sorted(HISTORIES.glob("*.bundle"))
    if not bundles:
        return [f"no histories in {HISTORIES}"]
    work = Path(tempfile.mkdtemp(prefix="secretops-history-"))
    lines = [f"first run (--no-cache) on a fresh clone, medians of {RUNS} alternating runs (secretops, "
             f"betterleaks git, kingfisher); the machine is shared, so CPU (user+sys) is given beside wall time"]
    for bundle in bundles:
        name = bundle.name.removesuffix(".bundle")
        root = clone(bundle, work / name)
        started = time.perf_counter()
        fast, diff = differences(root)
        took = time.perf_counter() - started
        count = len(fast) - 1
        theirs = theirs_only(root, {str(row[1]) for row in fast if row[0] != "scanned"}, work)
        got = timed(root)
        ours, bl, kf = got["secretops"], got["betterleaks"], got["kingfisher"]
        ok = "goal met" if min(bl[0], kf[0]) / ours[0] >= 1.5 else "goal NOT met"
        lines.append(f"{name}: secretops {ours[0]:.2f} s ({ours[1]:.2f} s CPU, peak {ours[2] / 1024:.0f} MB), "
                     f"betterleaks git {bl[0]:.2f} s ({bl[1]:.2f} s CPU) -> {bl[0] / ours[0]:.2f}x, "
                     f"kingfisher {kf[0]:.2f} s ({kf[1]:.2f} s CPU) -> {kf[0] / ours[0]:.2f}x; CPU ratios "
                     f"{bl[1] / ours[1]:.2f}x / {kf[1] / ours[1]:.2f}x ({ok}: >= 1.5x both, peak <= 1 GB)")
        bare = floor(root)
        goal = min(bl[0], kf[0]) / 1.5
        lines.append(f"  the pipeline with no rule work: git and reading {bare['git and reading']:.2f} s, and with "
                     f"only the selector's pass over each version {bare['+ selector']:.2f} s; the goal needs "
                     f"<= {goal:.2f} s in all")
        lines.append(f"  {count} finding(s); the same as a full read of every blob: "
                     f"{'yes' if not diff else 'NO'} (compared in {took:.0f} s)")
        lines += [f"    {d}" for d in diff[:20]]
        lines.append(f"  reported by betterleaks or kingfisher at a path where secretops reports nothing: "
                     f"{len(theirs)} (tool, rule, path), each read by hand in docs/history.md")
        lines += [f"    {t}" for t in theirs[:60]]
    return lines


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    for line in run():
        print(line)
