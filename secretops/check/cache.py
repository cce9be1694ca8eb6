"""`check --history` remembers what it read: commits never change, so a later run reads only the
commits added since (git log <tips> --not <known tips>) and checks only the blobs they bring.

The cache lives in `.git/secretops/history-cache.json` (mode 0600, never committed, schema
``version``), holds findings as they are reported (paths, rules, fingerprints and redacted previews;
never a value), and is used only when everything it was made from is unchanged: secretops' rule
code, the settings, every `.sops.yaml` at HEAD, and every commit it knows is still reachable (a
force-push or a deleted branch starts over). `--no-cache` ignores it. A damaged cache is rebuilt.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from secretops.check.model import Finding
from secretops.git import command as git
from secretops.util.fsutil import atomic_write

SCHEMA = 1
NAME = "history-cache.json"


class HistoryCache(NamedTuple):
    key: str
    tips: tuple[str, ...]
    intro: list[tuple[str, str, str]]  # (commit, blob, path), oldest first
    findings: list[Finding]
    scanned: int
    suppressed: int


def path(root: Path) -> Path:
    return git.git_dir(root) / "secretops" / NAME


def tips(root: Path) -> tuple[str, ...]:
    out = git.out(root, "for-each-ref", "--format=%(objectname) %(objecttype) %(*objectname)")
    found = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            found.add(parts[2] if parts[1] == "tag" and len(parts) > 2 else parts[0])
    head = git.head(root)
    if head:
        found.add(head)
    return tuple(sorted(found))


def key_of(root: Path, settings_words: str) -> str:
    """Everything a cached finding depends on: the rule code, the settings, the configs at HEAD."""
    import hashlib  # OpenSSL's: ~5 ms to load, for runs that use the cache only

    digest = hashlib.sha256(settings_words.encode())
    here = Path(__file__).resolve().parents[1]
    for sub in ("check", "sops", "util"):
        for py in sorted((here / sub).glob("*.py")):
            digest.update(py.name.encode() + py.read_bytes())
    listing = git.git(root, "ls-tree", "-r", "-z", "HEAD", ok_codes=(0, 128)).stdout
    for entry in listing.split(b"\0"):
        if entry.endswith((b"/.sops.yaml", b"\t.sops.yaml")):
            digest.update(entry)
    return digest.hexdigest()


def load(root: Path, key: str) -> HistoryCache | None:
    target = path(root)
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
        if data.get("version") != SCHEMA or data.get("key") != key:
            return None
        known = tuple(str(t) for t in data["tips"])
        cache = HistoryCache(key, known, [(str(c), str(o), str(p)) for c, o, p in data["intro"]],
                             [Finding(**{**f, "commits": tuple(f.get("commits") or ())}) for f in data["findings"]],
                             int(data["scanned"]), int(data["suppressed"]))
    except (OSError, ValueError, TypeError, KeyError):
        return None  # none yet, or damaged: start over
    if known and git.git(root, "rev-list", "-n", "1", *known, "--not", "--all", ok_codes=(0, 128)).stdout.strip():
        return None  # a known commit is no longer reachable (history was rewritten): start over
    return cache


def save(root: Path, cache: HistoryCache) -> None:
    body = {"version": SCHEMA, "key": cache.key, "tips": list(cache.tips), "intro": [list(e) for e in cache.intro],
            "findings": [_finding_dict(f) for f in cache.findings], "scanned": cache.scanned,
            "suppressed": cache.suppressed}
    target = path(root)
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write(target, json.dumps(body, separators=(",", ":")).encode(), 0o600)
    except OSError:
        pass  # a cache that cannot be written only costs the next run time


def _finding_dict(f: Finding) -> dict[str, Any]:
    out = f._asdict()
    out["commits"] = list(f.commits)
    return out
