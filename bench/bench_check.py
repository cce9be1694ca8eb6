"""The checker against detect-secrets 1.5.0, side by side on the same synthetic repo."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import fleet, timing

BIN = Path(sys.executable).parent


def run() -> list[str]:
    work = Path(tempfile.mkdtemp(prefix="secretops-bench-"))
    home = work / "home"
    home.mkdir()
    root = work / "repo"
    kinds = fleet.build_check_repo(root, home)
    env = fleet.env(home)
    lines = []

    # 1. The pre-commit hook on 10 staged files.
    staged = kinds["encrypted"][:4] + kinds["plaintext-secret"][:1] + kinds["credential"][:1] + kinds["plain"][:4]
    for rel in staged:
        with (root / rel).open("a") as fh:
            fh.write("# touched\n" if not rel.endswith(".enc.yaml") else "")
    subprocess.run(["git", "add", *staged], cwd=root, env=env, check=True)
    ours, theirs = timing.paired_median_ms([str(BIN / "secretops"), "check", "--staged", "-q"],
                                           [str(BIN / "detect-secrets-hook"), *staged], root, env)
    lines.append(f"pre-commit hook, 10 staged files: secretops {ours:.0f} ms, detect-secrets-hook {theirs:.0f} ms "
                 f"(medians of 21 alternating runs) -> {theirs / ours:.1f}x faster (goal >= 2x)")

    # 2. The whole tree.
    t_ours, out = timing.once_s([str(BIN / "secretops"), "check", "--all", "--format", "json", "-q"], root, env)
    found = json.loads(out)["findings"]
    t_theirs, out_ds = timing.once_s([str(BIN / "detect-secrets"), "scan", "--all-files"], root, env)
    ds = json.loads(out_ds)["results"]
    n = 2000
    ours_fp = sum(1 for f in found if f["path"].endswith(".enc.yaml"))
    ds_fp = sum(1 for p in ds if p.endswith(".enc.yaml"))
    caught = {f["path"] for f in found}
    missed = [p for k in ("plaintext-secret", "credential") for p in kinds[k] if p not in caught]
    lines.append(f"--all over {n} files: secretops {t_ours:.2f} s ({n / t_ours:.0f} files/s), detect-secrets scan "
                 f"{t_theirs:.2f} s ({n / t_theirs:.0f} files/s) -> {t_theirs / t_ours:.1f}x the files per second "
                 f"(goal >= 10x)")
    lines.append(f"false positives on the 400 SOPS files: secretops {ours_fp}, detect-secrets {ds_fp} files flagged; "
                 f"secretops missed {len(missed)} of the 40 planted plaintext Secrets and credentials")

    # 3. History: cost must follow unique blobs, not commits x files.
    hist, flat, blobs = fleet.build_history_repos(work / "hist", home)
    ms_hist, ms_flat = timing.paired_median_ms([str(BIN / "secretops"), "check", "--history", "-q"],
                                               [str(BIN / "secretops"), "check", "--all", "-q"], hist, env,
                                               runs=9, cwd_b=flat)
    naive = ms_flat / 1000 / blobs * 200 * 50
    lines.append(f"--history, 200 commits x 50 files ({blobs} unique blobs): {ms_hist / 1000:.2f} s; scanning "
                 f"those blobs once with --all: {ms_flat / 1000:.2f} s (medians of 9 alternating runs) -> "
                 f"{ms_hist / ms_flat:.2f}x (goal ~1x); commits x files would be ~{naive:.1f} s")
    return lines
