"""Token recall and false positives on the labelled corpus, side by side with detect-secrets and
betterleaks: each row is one file in one repository, and a row counts as found when a tool reports
anything in its file."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench import labelled

BIN = Path(sys.executable).parent


def betterleaks() -> str:
    import betterleaks as pkg

    return str(Path(pkg.__file__).parent / "bin" / "betterleaks")


def _build(root: Path) -> dict[str, tuple[str, str]]:
    """path -> (row id, label)"""
    (root / "rows").mkdir(parents=True)
    out = {}
    for n, (row, label, name, text) in enumerate(labelled.rows()):
        rel = f"rows/{n:03d}-{name}"
        (root / rel).write_text(text)
        out[rel] = (row, label)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["-c", "user.name=b", "-c", "user.email=b@b",
                                                               "commit", "-qm", "rows"]):
        subprocess.run(["git", *args], cwd=root, check=True)
    return out


def _secretops(root: Path) -> set[str]:
    res = subprocess.run([str(BIN / "secretops"), "check", "--all", "--format", "json", "-q"], cwd=root,
                         capture_output=True)
    return {f["path"] for f in json.loads(res.stdout)["findings"]}


def _detect_secrets(root: Path) -> set[str]:
    res = subprocess.run([str(BIN / "detect-secrets"), "scan", "--all-files"], cwd=root, capture_output=True)
    return set(json.loads(res.stdout)["results"])


def _betterleaks(root: Path) -> set[str]:
    report = root.parent / "bl.json"
    subprocess.run([betterleaks(), "fs", "rows", "--no-banner", "-l", "error", "-o", str(report)], cwd=root,
                   capture_output=True)
    data = json.loads(report.read_text())
    return {f["location"]["path"] for f in data["findings"]}


def run() -> list[str]:
    root = Path(tempfile.mkdtemp(prefix="secretops-recall-")) / "repo"
    truth = _build(root)
    positives = [p for p, (_r, label) in truth.items() if label == "secret"]
    negatives = [p for p, (_r, label) in truth.items() if label == "clean"]
    tools: dict[str, Callable[[Path], set[str]]] = {"secretops": _secretops, "detect-secrets 1.5": _detect_secrets,
                                                    "betterleaks 2.0": _betterleaks}
    lines = [f"labelled corpus: {len(positives)} secrets ({len(labelled.token_formats())} token formats in YAML, "
             f".env and JSON, {len(labelled.keyed_formats())} keyed formats, {len(labelled.gitops_cases())} GitOps "
             f"cases), {len(negatives)} placeholders and look-alikes"]
    missed_by_us: list[str] = []
    for name, tool in tools.items():
        flagged = tool(root)
        found = [p for p in positives if p in flagged]
        wrong = [p for p in negatives if p in flagged]
        lines.append(f"{name:<20} recall {len(found) / len(positives):.2f} ({len(found)}/{len(positives)}), false "
                     f"positives {len(wrong) / len(negatives):.0%} ({len(wrong)}/{len(negatives)})")
        if name == "secretops":
            missed_by_us = [truth[p][0] for p in positives if p not in flagged]
            missed_by_us += [f"FP {truth[p][0]}" for p in wrong]
    if missed_by_us:
        lines.append("secretops misses: " + ", ".join(missed_by_us[:20]))
    return lines
