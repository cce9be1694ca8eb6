"""`make demo` as a user runs it: every step printed as a command, its stand-in for Flux a small
program under demo/ (never test code), and its folder kept on request."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_demo_imports_no_test_code_and_fakeflux_no_secretops() -> None:
    for path in (ROOT / "demo").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(?m)^\s*(from|import) tests\b", text), path.name
    assert not re.search(r"(?m)^\s*(from|import) secretops\b", (ROOT / "demo/fakeflux.py").read_text())


def test_the_demo_runs_prints_commands_and_keeps_its_folder(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(SECRETOPS_DEMO_KEEP="1", TMPDIR=str(tmp_path))
    res = subprocess.run([sys.executable, str(ROOT / "demo/demo.py")], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    steps = [line for line in res.stdout.splitlines() if line.startswith("$ ")]
    assert steps and all(line.split()[1] in ("secretops", "git", "python") or
                         line.startswith("$ FLUX=") for line in steps), steps
    assert "$ secretops rotate finish" in res.stdout and "python demo/fakeflux.py apply" in res.stdout
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("secretops-demo-")]
    assert len(kept) == 1 and (kept[0] / "fleet/.git").is_dir() and "To go on by hand" in res.stdout
    shutil.rmtree(kept[0])
