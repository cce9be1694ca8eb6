"""`check --history` remembers what it read: commits never change, so a later run reads only the
commits added since (git log <tips> --not <known tips>) and checks only the blobs they bring.

The cache lives in `.git/secretops/history-cache.json` (mode 0600, never committed, schema
``version``), holds findings as they are reported (paths, rules, fingerprints and redacted previews;
never a value), and is a pure speed-up: it is used only when everything that decides the answer is
unchanged. That is secretops' rule code, the settings, every `.sops.yaml` at HEAD, the shallow
boundary (a `--deepen` or `--unshallow` brings older commits under the known ones), and every commit
it knows, still present and reachable (a force-push or a deleted branch starts over). Where git's
view of the parents is bent (grafts, replace refs) it is neither read nor written. `--no-cache`
ignores it. A damaged or foreign cache (one naming commits this clone lacks) is discarded with a
note; it is written only when no other secretops command writes, and only if the references did
not move while history was read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from secretops.check.model import Finding
from secretops.errors import GitError, SecretopsError
from secretops.git import blobs
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


def graph_words(root: Path) -> str | None:
    """What else decides which commits and parents git walks: the shallow boundary's bytes; or None
    when grafts or replace refs bend git's view of the parents (no cache, read it all)."""
    try:
        shallow, grafts = blobs.parent_files(root)
    except GitError:
        return None
    if grafts.exists() or git.out(root, "for-each-ref", "--count=1", "--format=%(refname)", "refs/replace/").strip():
        return None
    try:
        return shallow.read_bytes().hex()
    except FileNotFoundError:
        return ""
    except OSError:
        return None


def key_of(root: Path, settings_words: str) -> str:
    """Everything a cached finding depends on: the rule code, the settings, the configs at HEAD, the
    shallow boundary (graph_words)."""
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


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("not a number")
    return value


def _finding(data: object) -> Finding:
    if not isinstance(data, dict) or set(data) - set(Finding._fields):
        raise TypeError("not a finding")
    commits = data.get("commits") or []
    if not isinstance(commits, list):
        raise TypeError("not a list")
    commit = data.get("commit")
    return Finding(_str(data["path"]), _int(data["line"]), _str(data["rule"]), _str(data["severity"]),
                   _str(data["message"]), _str(data["fingerprint"]), _str(data.get("preview", "")),
                   None if commit is None else _str(commit), _int(data.get("later", 0)),
                   tuple(_str(c) for c in commits))


def _parse(data: object, key: str) -> HistoryCache | None:
    """The cache, None if made from something else, or TypeError/KeyError if it is malformed."""
    fields = {"version", "key", "tips", "intro", "findings", "scanned", "suppressed"}
    if not isinstance(data, dict) or data.get("version") != SCHEMA or set(data) != fields:
        raise TypeError("not a history cache of this version")
    if data.get("key") != key:
        return None
    entries = data["intro"]
    if not isinstance(data["tips"], list) or not isinstance(entries, list) or not isinstance(data["findings"], list):
        raise TypeError("not lists")
    intro = []
    for entry in entries:
        if not isinstance(entry, list) or len(entry) != 3:
            raise TypeError("not an entry")
        intro.append((_str(entry[0]), _str(entry[1]), _str(entry[2])))
    return HistoryCache(key, tuple(_str(t) for t in data["tips"]), intro, [_finding(f) for f in data["findings"]],
                        _int(data["scanned"]), _int(data["suppressed"]))


def _missing(root: Path, commits: tuple[str, ...]) -> bool:
    """Some of ``commits`` are not commits of this clone (pruned, or another clone's)."""
    if not commits:
        return False
    if not all(len(c) in (40, 64) and all(ch in "0123456789abcdef" for ch in c) for c in commits):
        return True
    listing = "".join(c + "\n" for c in commits).encode()
    out = git.git(root, "cat-file", "--batch-check=%(objecttype)", input=listing).stdout.decode().split()
    return out != ["commit"] * len(commits)


def load(root: Path, key: str, note: Callable[[str], None]) -> HistoryCache | None:
    """The cache if it was made from what decides the answer now; None means a full read. A cache
    that cannot be read as one, or that names commits this clone lacks, is reported through ``note``."""
    target = path(root)
    try:
        raw = target.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        note(f"note: the history cache {target} cannot be read ({exc.strerror}); reading all of history")
        return None
    try:
        cache = _parse(json.loads(raw.decode("utf-8")), key)
    except (ValueError, TypeError, KeyError):
        note(f"note: the history cache {target} is damaged; it is discarded and all of history is read")
        return None
    if cache is None:
        return None
    if _missing(root, cache.tips):
        note(f"note: the history cache {target} names commits this clone does not have (copied from another "
             "clone, or pruned); it is discarded and all of history is read")
        return None
    if cache.tips and git.git(root, "rev-list", "-n", "1", *cache.tips, "--not", "--all").stdout.strip():
        return None  # a known commit is no longer reachable (history was rewritten): start over
    return cache


def save(root: Path, cache: HistoryCache) -> None:
    """Written only if no other secretops command holds the lock now, and only if the references are
    those the run read (a fetch or a push during the run: the next run reads again)."""
    from secretops.util import lock

    folder = git.common_dir(root)
    if folder is None or tips(root) != cache.tips:
        return
    body = {"version": SCHEMA, "key": cache.key, "tips": list(cache.tips), "intro": [list(e) for e in cache.intro],
            "findings": [_finding_dict(f) for f in cache.findings], "scanned": cache.scanned,
            "suppressed": cache.suppressed}
    target = path(root)
    with lock.attempt(folder, "secretops check --history") as held:
        if not held:
            return  # another command writes: this run's answer stands; the next run writes the cache
        try:
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            atomic_write(target, json.dumps(body, separators=(",", ":")).encode(), 0o600)
        except (OSError, SecretopsError):
            pass  # a cache that cannot be written only costs the next run time


def _finding_dict(f: Finding) -> dict[str, Any]:
    out = f._asdict()
    out["commits"] = list(f.commits)
    return out
