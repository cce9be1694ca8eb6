"""Suppressions: inline `secretops:allow` comments and a baseline file keyed on hashes, not lines."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from secretops import __version__
from secretops.check.model import Finding
from secretops.errors import ConfigError

BASELINE_VERSION = 1
DEFAULT_BASELINE = ".secretops-baseline.json"
_ALLOW = re.compile(r"secretops:allow(?:[ \t]+(?P<rules>[a-z][a-z\-]*(?:[ \t]*,[ \t]*[a-z][a-z\-]*)*))?")
FILE_LEVEL = {"clear-file", "clear-file-in-history", "not-encrypted", "recipients-mismatch"}


def _allows(line: str, rule: str) -> bool:
    for match in _ALLOW.finditer(line):
        rules = match.group("rules")
        if not rules or rule in {r.strip() for r in rules.split(",")}:
            return True
    return False


def inline_allowed(finding: Finding, lines: Sequence[str]) -> bool:
    """Allowed by a comment on the finding's line or the line above (anywhere, for file-level rules)."""
    if not any("secretops:allow" in ln for ln in lines):
        return False
    if finding.rule in FILE_LEVEL:
        return any(_allows(ln, finding.rule) for ln in lines)
    near = lines[max(finding.line - 2, 0):finding.line]
    return any(_allows(ln, finding.rule) for ln in near)


class Baseline(NamedTuple):
    entries: frozenset[tuple[str, str, str]]  # (rule, path, fingerprint)

    def suppresses(self, f: Finding) -> bool:
        return (f.rule, f.path, f.fingerprint) in self.entries


def load_baseline(path: Path) -> Baseline:
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"baseline {path} does not exist", hint="write one with --write-baseline") from None
    except ValueError:
        raise ConfigError(f"baseline {path} is not valid JSON", hint="write it again with --write-baseline") from None
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION:
        raise ConfigError(f"baseline {path} has an unknown schema version", hint="write it again with --write-baseline")
    entries = data.get("findings", [])
    if not isinstance(entries, list) or not all(
            isinstance(e, dict) and all(isinstance(e.get(k), str) for k in ("rule", "path", "fingerprint"))
            for e in entries):
        raise ConfigError(f"baseline {path} is malformed (each finding needs rule, path and fingerprint)",
                          hint="write it again with --write-baseline")
    return Baseline(frozenset((e["rule"], e["path"], e["fingerprint"]) for e in entries))


def write_baseline(path: Path, findings: Iterable[Finding]) -> int:
    import json

    from secretops.util.fsutil import atomic_write

    entries = sorted({(f.path, f.rule, f.fingerprint) for f in findings})
    body = {"version": BASELINE_VERSION, "generated_by": f"secretops {__version__}",
            "findings": [{"path": p, "rule": r, "fingerprint": fp} for p, r, fp in entries]}
    atomic_write(path, (json.dumps(body, indent=2, sort_keys=True) + "\n").encode(), 0o644)
    return len(entries)
