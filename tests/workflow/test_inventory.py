"""The file inventory as a value (the CLI's JSON is tested in tests/cli/test_status.py)."""

from __future__ import annotations

from pathlib import Path

from secretops.repo import discovery
from secretops.repo.model import open_repo
from secretops.sops import agekeys
from secretops.workflow import inventory


def test_inventory_rows(fleet: Path) -> None:
    repo = open_repo(fleet)
    rows = {r.path: r for r in inventory.inventory(repo, discovery.scan(repo), agekeys.load_identities())}
    dev = rows["clusters/dev/apps/app0.enc.yaml"]
    assert dev.state == inventory.OK and dev.cluster == "dev" and dev.decryptable is True
    assert dev.recipients == dev.rule_recipients
    none = {r.path: r for r in inventory.inventory(repo, discovery.scan(repo), [])}
    assert none["clusters/dev/apps/app0.enc.yaml"].decryptable is None
