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
from typing import Any

from bench import heldout2, heldout3, heldout4, heldout5, heldout6, heldout7, heldout8, labelled

BIN = Path(sys.executable).parent


def betterleaks() -> str:
    import betterleaks as pkg

    return str(Path(pkg.__file__).parent / "bin" / "betterleaks")


SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _real_sops_files() -> list[tuple[str, str, str, str]]:
    """Every sops file of the real corpus repositories (read in place, written to the tmp repository)."""
    return [(f"sops:{p.relative_to(SHARED)}", "clean", p.name, p.read_text()) for p in sorted(SHARED.rglob("*"))
            if p.is_file() and p.suffix in (".yaml", ".yml", ".json", ".env") and "\nsops:" in p.read_text()
            and "mac:" in p.read_text()] if SHARED.is_dir() else []


def _build(root: Path, rows: list[tuple[str, str, str, str]], nested: bool = False) -> dict[str, tuple[str, str]]:
    """path -> (row id, label). ``nested``: each row in a directory of its own, under its own name
    (`.npmrc`, `kustomization.yaml`, `chart/templates/secret.yaml`)."""
    (root / "rows").mkdir(parents=True)
    out = {}
    for n, (row, label, name, text) in enumerate(rows):
        rel = f"rows/{n:03d}/{name}" if nested else f"rows/{n:03d}-{name}"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
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


def _score(name: str, flagged: set[str], truth: dict[str, tuple[str, str]]) -> tuple[str, list[str]]:
    positives = [p for p, (_r, label) in truth.items() if label == "secret"]
    negatives = [p for p, (_r, label) in truth.items() if label == "clean"]
    found = [p for p in positives if p in flagged]
    wrong = [p for p in negatives if p in flagged]
    recall = f"recall {len(found) / len(positives):.2f} ({len(found)}/{len(positives)}), " if positives else ""
    line = (f"{name:<20} {recall}false positives {len(wrong) / max(len(negatives), 1):.0%} "
            f"({len(wrong)}/{len(negatives)})")
    return line, [truth[p][0] for p in positives if p not in flagged] + [f"FP {truth[p][0]}" for p in wrong]


TOOLS: dict[str, Callable[[Path], set[str]]] = {"secretops": _secretops, "detect-secrets 1.5": _detect_secrets,
                                                "betterleaks 2.0": _betterleaks}


def _corpus(title: str, rows: list[tuple[str, str, str, str]], nested: bool = False) -> list[str]:
    root = Path(tempfile.mkdtemp(prefix="secretops-recall-")) / "repo"
    truth = _build(root, rows, nested)
    lines = [title]
    for name, tool in TOOLS.items():
        flagged = tool(root)
        line, missed = _score(name, flagged, truth)
        lines.append(line)
        if name == "secretops" and missed:
            lines.append("secretops misses: " + ", ".join(missed[:40]))
        made = [p for p, (row, _label) in truth.items() if row.startswith("sops:")]
        if made and nested:
            lines.append(f"{'':<20} of which real sops files with findings: {len(set(made) & flagged)}/{len(made)}")
    return lines


def run() -> list[str]:
    tuned = labelled.rows()
    held = labelled.heldout_rows()
    sops = _real_sops_files()
    count = len([r for r in tuned if r[1] == "secret"])
    lines = _corpus(f"labelled corpus: {count} secrets ({len(labelled.token_formats())} token formats in YAML, "
                    f".env and JSON, {len(labelled.keyed_formats())} keyed formats, {len(labelled.gitops_cases())} "
                    f"GitOps cases), {len(tuned) - count} placeholders and look-alikes", tuned)
    count = len([r for r in held if r[1] == "secret"])
    lines += _corpus(f"held-out corpus (issue 22, written before its rules): {count} secrets "
                     f"({len(labelled.heldout_tokens())} token formats in YAML and .env, "
                     f"{len(labelled.heldout_gitops())} GitOps cases), {len(held) - count} look-alikes", held)
    second = heldout2.rows()
    count = len([r for r in second if r[1] == "secret"])
    made = len([r for r in second if r[0].startswith("sops:")])
    lines += _corpus(f"held-out set 2 (issue 22, round 2, written before its rules): {count} secrets "
                     f"({len(heldout2.tokens())} token formats, {len(heldout2.gitops())} GitOps cases), "
                     f"{len(second) - count - made} look-alikes, {made} real sops files", second, nested=True)
    lines += run_heldout3()
    lines += _corpus(f"real sops files (../shared/corpus): {len(sops)} files, each must give 0 findings", sops)
    return lines


def _held_out(module: Any, number: int, seed: int | None = None,
              note: str = "written before its rules") -> list[str]:
    """A held-out set of bench/heldout<number>.py alone (`bench/run.py heldout<number>`), at its own
    seed unless ``seed`` is given."""
    rows = module.rows() if seed is None else module.rows(seed)
    count = len([r for r in rows if r[1] == "secret"])
    made = len([r for r in rows if r[0].startswith("sops:")])
    return _corpus(f"held-out set {number} (issue 22, round {number}, {note}): {count} secrets "
                   f"({len(module.tokens())} token formats, {len(module.gitops())} GitOps cases), "
                   f"{len(rows) - count - made} look-alikes, {made} real sops files", rows, nested=True)


def run_heldout3() -> list[str]:
    return _held_out(heldout3, 3)


def run_heldout4() -> list[str]:
    return _held_out(heldout4, 4)


def run_heldout5() -> list[str]:
    return _held_out(heldout5, 5)


def run_heldout6() -> list[str]:
    return _held_out(heldout6, 6)


def run_heldout7() -> list[str]:
    """Set 7 is never used to tune a rule: it measures how the final rules generalise."""
    return _held_out(heldout7, 7, note="never used to tune a rule")


def run_heldout8() -> list[str]:
    """Set 8 is never used to tune a rule either: a second measurement, from the apps' own documentation."""
    return _held_out(heldout8, 8, note="never used to tune a rule")
