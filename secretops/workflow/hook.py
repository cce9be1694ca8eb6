"""Install the plain git pre-commit hook, without clobbering someone else's."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from secretops.errors import StateError
from secretops.git import command as git
from secretops.util.fsutil import atomic_write

MARKER = "secretops pre-commit hook"


@dataclass(frozen=True)
class Installed:
    path: Path
    backup: Path | None


def script(python: str | None = None) -> str:
    """The hook, pointed at this installation: its console script, else its interpreter."""
    text = resources.files("secretops").joinpath("data/pre-commit").read_text(encoding="utf-8")
    python = python or sys.executable
    console = Path(python).parent / "secretops"
    text = text.replace('SECRETOPS_PYTHON=""', f'SECRETOPS_PYTHON="{python}"', 1)
    if console.is_file():
        text = text.replace('SECRETOPS_BIN=""', f'SECRETOPS_BIN="{console}"', 1)
    return text


def install(root: Path, force: bool = False) -> Installed:
    hooks = Path(git.out(root, "rev-parse", "--git-path", "hooks").strip())
    hooks = hooks if hooks.is_absolute() else root / hooks
    target = hooks / "pre-commit"
    backup = None
    if target.exists():
        current = target.read_text(encoding="utf-8", errors="replace")
        if MARKER not in current:
            if not force:
                raise StateError(f"{target} already exists and is not secretops's",
                                 hint="pass --force to replace it (it is kept as pre-commit.bak)")
            backup = target.with_name("pre-commit.bak")
            atomic_write(backup, target.read_bytes(), 0o755)
    hooks.mkdir(parents=True, exist_ok=True)
    atomic_write(target, script().encode(), 0o755)
    return Installed(target, backup)
