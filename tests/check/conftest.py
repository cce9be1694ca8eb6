from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import helpers


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repo that ignores clear files, with one commit."""
    root = tmp_path / "repo"
    root.mkdir()
    helpers.git(root, "init", "-q", "-b", "main")
    helpers.write(root / ".gitignore", "*.clear.yaml\n")
    helpers.git(root, "add", "-A")
    helpers.git(root, "commit", "-qm", "init")
    return root


def check(root: Path, *args: str) -> tuple[int, list[dict[str, object]], str]:
    res = helpers.run_cli(["check", "--format", "json", "-q", *args], root)
    assert res.code in (0, 1), res.text
    return res.code, json.loads(res.out)["findings"], res.text


def rules_of(findings: list[dict[str, object]]) -> set[object]:
    return {f["rule"] for f in findings}
