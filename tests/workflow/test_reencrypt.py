"""encrypt after a value changed: only that value gets new ciphertext (checked by the real sops)."""

from __future__ import annotations

from pathlib import Path

from secretops.workflow import reencrypt
from tests import helpers


def test_value_changes() -> None:
    old = [{"kind": "Secret", "stringData": {"a": "1", "b": "2"}}]
    assert reencrypt.value_changes(old, [{"kind": "Secret", "stringData": {"a": "1", "b": "3"}}]) == \
        {("stringData", "b"): "3"}
    assert reencrypt.value_changes(old, [{"kind": "Secret", "stringData": {"a": "1"}}]) is None  # structure
    assert reencrypt.value_changes(old, old) is None


def test_only_the_changed_value_line_changes(fleet: Path) -> None:
    rel = "clusters/dev/apps/app0.enc.yaml"
    before = (fleet / rel).read_text().splitlines()
    assert helpers.run_cli(["decrypt", rel], fleet).code == 0
    clear = fleet / "clusters/dev/apps/app0.clear.yaml"
    new = helpers.plant("rotated-Hk3")
    text = clear.read_text()
    old = next(line for line in text.splitlines() if line.strip().startswith("password:"))
    clear.write_text(text.replace(old, f"  password: {new}"))
    res = helpers.run_cli(["encrypt", str(clear)], fleet)
    assert res.code == 0, res.text
    after = (fleet / rel).read_text().splitlines()
    changed = [a for a, b in zip(before, after) if a != b]
    assert len(before) == len(after) and changed
    assert all(line.strip().startswith(("password:", "lastmodified:", "mac:")) for line in changed), changed
    res = helpers.sops(fleet, "--config", str(fleet / ".sops.yaml"), "decrypt", rel)
    helpers.OUTPUTS.pop()
    assert res.code == 0 and f"password: {new}" in res.out
