"""Rotation against a serial `sops updatekeys -y` loop, and `rotate status` across 1,000 clusters."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import fleet
from secretops.sops import agekeys

BIN = Path(sys.executable).parent
SAMPLE = int(os.environ.get("BENCH_SOPS_SAMPLE", "150"))  # files per updatekeys pass; 0 = all of them


def _cli(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run([str(BIN / "secretops"), *args], cwd=cwd, env=env, capture_output=True)
    if proc.returncode != 0:
        raise SystemExit(f"secretops {' '.join(args)} failed: {proc.stderr.decode()[-400:]}")
    return time.perf_counter() - start


def build_fleet(root: Path, home: Path, clusters: int = 100, per_cluster: int = 20) -> list[str]:
    e = fleet.env(home)
    root.mkdir(parents=True)
    for c in range(clusters):
        (root / "clusters" / f"c{c:03d}" / "flux-system").mkdir(parents=True)
        (root / "clusters" / f"c{c:03d}" / "flux-system" / "kustomization.yaml").write_text("resources: []\n")
    fleet.git(root, "init", "-q", "-b", "main", e=e)
    fleet.git(root, "add", "-A", e=e)
    fleet.git(root, "commit", "-qm", "fleet", e=e)
    subprocess.run([str(BIN / "secretops"), "init"], cwd=root, env=e, check=True, capture_output=True)
    (root / ".git/hooks/pre-commit").unlink()  # init installs the hook; figures stay those of earlier rounds
    jobs = [(f"clusters/c{c:03d}/apps/s{n:02d}.enc.yaml", fleet.SECRET.format(n=n, t=c, pw=fleet.rand(20)))
            for c in range(clusters) for n in range(per_cluster)]
    fleet.encrypt_all(root, jobs, e)
    fleet.git(root, "add", "-A", e=e)
    fleet.git(root, "commit", "-qm", "secrets", e=e)
    return [j[0] for j in jobs] + [f"clusters/c{c:03d}/flux-system/sops-age.enc.yaml" for c in range(clusters)]


def _updatekeys_loop(root: Path, files: list[str], e: dict[str, str]) -> float:
    """What users script today: `sops updatekeys -y` through the wheel's `sops` command, one file at a time."""
    wrapper = str(BIN / "sops")
    start = time.perf_counter()
    for rel in files:
        subprocess.run([wrapper, "updatekeys", "-y", rel], cwd=root, env=e, check=True, capture_output=True)
    return time.perf_counter() - start


def _fleet_in_tmp(prefix: str) -> tuple[Path, Path, Path, list[str], dict[str, str]]:
    """(work folder, home, the 2,100-file fleet, its encrypted files, the environment)."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    home = work / "home"
    home.mkdir()
    root = work / "fleet"
    files = build_fleet(root, home)
    return work, home, root, files, fleet.env(home)


def run_rotation() -> list[str]:
    work, home, root, files, e = _fleet_in_tmp("secretops-bench-rot-")
    twin = work / "twin"
    shutil.copytree(root, twin, symlinks=True)
    keys_before = home / ".config/sops/age/keys.txt"
    saved_keys = keys_before.read_text()
    t_start = _cli(["rotate", "start", "--all"], root, e)
    t_finish = _cli(["rotate", "finish", "--unverified"], root, e)
    ours = t_start + t_finish
    # The same rotation by hand on the twin: both keys in .sops.yaml, updatekeys everything; then new only.
    keys_before.write_text(saved_keys + keys_before.read_text().split(saved_keys, 1)[-1])
    old_rules = (twin / ".sops.yaml").read_text()
    new_rules = (root / ".sops.yaml").read_text()
    mapping = _key_mapping(old_rules, new_rules)
    both = old_rules
    for old, new in mapping.items():
        both = both.replace(old, f"{old},{new}")
    sample = files if SAMPLE <= 0 else files[:: max(1, len(files) // SAMPLE)][:SAMPLE]
    (twin / ".sops.yaml").write_text(both)
    t_add = _updatekeys_loop(twin, sample, e)
    (twin / ".sops.yaml").write_text(new_rules)
    t_remove = _updatekeys_loop(twin, sample, e)
    per_file = (t_add + t_remove) / (2 * len(sample))
    theirs = per_file * 2 * len(files)
    how = "measured" if len(sample) == len(files) else f"{len(sample)} files per pass, scaled to {len(files)}"
    shutil.rmtree(work, ignore_errors=True)
    return [f"rotation of {len(files)} files (100 clusters x 20 Secrets + key Secrets): secretops rotate start "
            f"{t_start:.1f} s + finish {t_finish:.1f} s = {ours:.1f} s; serial `sops updatekeys -y` add+remove "
            f"passes {theirs:.0f} s ({per_file * 1000:.0f} ms/file/pass, {how}) -> {theirs / ours:.0f}x faster "
            f"(goal >= 30x)"]


def _key_mapping(old_rules: str, new_rules: str) -> dict[str, str]:
    import re

    old = re.findall(r"^  - path_regex: \^clusters/(c\d+)/.*\n.*\n    age: (\S+)$", old_rules, re.M)
    new = dict(re.findall(r"^  - path_regex: \^clusters/(c\d+)/.*\n.*\n    age: (\S+)$", new_rules, re.M))
    return {key: new[c] for c, key in old}


def run_updatekeys() -> list[str]:
    """2,100 files drifted from their rules (an operator key added to every rule): `secretops
    updatekeys` against the same serial `sops updatekeys -y` loop."""
    work, _home, root, files, e = _fleet_in_tmp("secretops-bench-upd-")
    operator = agekeys.generate().public
    from secretops.util import yamlio

    yaml = yamlio.roundtrip()
    data = yaml.load((root / ".sops.yaml").read_text())
    for rule in data["creation_rules"]:
        rule["age"] = f"{rule['age']},{operator}"
    (root / ".sops.yaml").write_text(yamlio.dump(yaml, data))
    fleet.git(root, "commit", "-qam", "operator key", e=e)
    twin = work / "twin"
    shutil.copytree(root, twin, symlinks=True)
    ours = _cli(["updatekeys"], root, e)
    sample = files if SAMPLE <= 0 else files[:: max(1, len(files) // SAMPLE)][:SAMPLE]
    per_file = _updatekeys_loop(twin, sample, e) / len(sample)
    theirs = per_file * len(files)
    left = subprocess.run([str(BIN / "secretops"), "updatekeys", "--dry-run"], cwd=root, env=e, capture_output=True,
                          text=True).stdout.strip().splitlines()[-1]
    how = "measured" if len(sample) == len(files) else f"{len(sample)} files, scaled to {len(files)}"
    shutil.rmtree(work, ignore_errors=True)
    return [f"updatekeys over {len(files)} drifted files: secretops updatekeys {ours:.1f} s; serial `sops updatekeys "
            f"-y` {theirs:.0f} s ({per_file * 1000:.0f} ms/file, {how}) -> {theirs / ours:.0f}x faster (goal >= 30x); "
            f"afterwards: {left}"]
