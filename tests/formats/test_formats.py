"""Every format renders from one interface; JSON and SARIF are checked as data, not as strings."""

from __future__ import annotations

import json

from secretops.check.engine import Report
from secretops.check.model import Finding
from secretops.formats import findings, inventory
from secretops.workflow.inventory import FileStatus, Inventory

REPORT = Report((Finding("a\x1b[2J.yaml", 3, "credential", "error", "GitHub token", "0123456789abcdef",
                         "ghp_…abcd"),), 1, 0, "all")


def test_findings_formats() -> None:
    assert findings.FORMATS.names == ("json", "sarif", "text")
    body = json.loads(findings.FORMATS.render("json", REPORT))
    assert body["findings"][0] == {"rule": "credential", "severity": "error", "path": "a\x1b[2J.yaml", "line": 3,
                                   "message": "GitHub token", "fingerprint": "0123456789abcdef",
                                   "preview": "ghp_…abcd"}
    sarif = json.loads(findings.FORMATS.render("sarif", REPORT))
    result = sarif["runs"][0]["results"][0]
    assert sarif["version"] == "2.1.0" and result["ruleId"] == "credential"
    assert result["partialFingerprints"] == {"secretops/v1": "0123456789abcdef"}
    rules = [r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]]
    assert rules[result["ruleIndex"]] == "credential" and "unscannable" in rules
    assert "\x1b" not in findings.FORMATS.render("text", REPORT)


def test_inventory_formats() -> None:
    inv = Inventory("/r", (FileStatus("a.enc.yaml", "encrypted", "dev", "ok", {"age": ["age1xyz"]}),))
    assert json.loads(inventory.FORMATS.render("json", inv))["files"][0]["state"] == "ok"
    assert "a.enc.yaml" in inventory.FORMATS.render("text", inv)
