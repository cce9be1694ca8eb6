"""The core never imports click; the import-linter contract must name every core module."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _core_modules() -> set[str]:
    out = set()
    for path in (ROOT / "secretops").rglob("*.py"):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        if "cli" not in parts and len(parts) > 1:
            out.add(".".join(parts[:2]))
    return out - {"secretops.__main__"}


def test_contract_names_every_core_module() -> None:
    listed = {line.strip() for line in (ROOT / ".importlinter").read_text().splitlines()
              if line.startswith("    secretops.")}
    assert _core_modules() <= listed, sorted(_core_modules() - listed)


def test_no_core_module_imports_click() -> None:
    for path in (ROOT / "secretops").rglob("*.py"):
        if "cli" in path.relative_to(ROOT).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n == "click" or n.startswith("click.") for n in names), path
