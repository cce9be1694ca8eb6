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


def plan(root: Path, force: bool = False) -> tuple[Path, Path | None]:
    """(the hook's path, where the current one is kept or None), or StateError before any write."""
    hooks = Path(git.out(root, "rev-parse", "--git-path", "hooks").strip())
    hooks = hooks if hooks.is_absolute() else root / hooks
    target = hooks / "pre-commit"
    backup = None
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise StateError(f"{target} is a symlink or not a regular file", hint="replace it with nothing or a file, "
                         "or add `secretops check --staged` to the hook it points to")
    if target.exists():
        current = target.read_text(encoding="utf-8", errors="replace")
        if MARKER not in current:
            if not force:
                raise StateError(f"{target} already exists and is not secretops's",
                                 hint="pass --force to replace it (it is kept as pre-commit.bak)")
            backup = target.with_name("pre-commit.bak")
    return target, backup


def install(target: Path, backup: Path | None) -> Installed:
    if backup is not None:
        atomic_write(backup, target.read_bytes(), 0o755)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, script().encode(), 0o755)
    return Installed(target, backup)
