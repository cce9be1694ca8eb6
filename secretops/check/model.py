"""Findings, the file view rules read, and the rule interface with its explicit registry."""

from __future__ import annotations

import bisect
import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, NamedTuple

from secretops.repo.config import SOPS_SUFFIXES  # light, and loaded on every run anyway
from secretops.util import redact

if TYPE_CHECKING:
    from secretops.sops import document
    from secretops.sops.creation_rules import SopsConfig



class Finding(NamedTuple):  # value types on the hook path are NamedTuples: immutable, and cheap to define
    path: str
    line: int
    rule: str
    severity: str
    message: str
    fingerprint: str  # a hash of the secret, never the secret
    preview: str = ""  # redacted: ``ghp_…abcd``
    commit: str | None = None


class Blob(NamedTuple):
    path: str
    data: bytes
    oid: str | None = None
    commit: str | None = None

    def __repr__(self) -> str:  # the bytes may be a plaintext secret
        return f"Blob({self.path!r}, {len(self.data)} bytes)"


class Settings:
    """What rules need to know about the repository; `.sops.yaml` is read only if a rule asks."""

    def __init__(self, encrypted_suffix: str = ".enc.yaml", clear_suffix: str = ".clear.yaml",
                 history: bool = False, sops_config: Callable[[], SopsConfig | None] | None = None) -> None:
        self.encrypted_suffix = encrypted_suffix
        self.clear_suffix = clear_suffix
        self.history = history
        self._load = sops_config

    @functools.cached_property
    def sops_config(self) -> SopsConfig | None:
        return self._load() if self._load else None


class FileView:
    """One blob, with the derived views rules share (parsed once, on first use)."""

    def __init__(self, blob: Blob, settings: Settings) -> None:
        self.blob = blob
        self.path = blob.path
        self.settings = settings

    @functools.cached_property
    def text(self) -> str:
        return self.blob.data.decode("utf-8", "replace")

    @functools.cached_property
    def binary(self) -> bool:
        return b"\0" in self.blob.data[:8192]

    @functools.cached_property
    def parsed(self) -> document.ParsedFile:
        from secretops.sops import document

        return document.parse(self.path, self.blob.data)

    @functools.cached_property
    def line_starts(self) -> list[int]:
        starts = [0]
        starts += [i + 1 for i, ch in enumerate(self.text) if ch == "\n"]
        return starts

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset)

    @functools.cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @property
    def named_encrypted(self) -> bool:
        if self.path.endswith(self.settings.encrypted_suffix):
            return True
        cfg = self.settings.sops_config
        return (cfg is not None and self.path != ".sops.yaml" and self.path.endswith(SOPS_SUFFIXES)
                and cfg.has_specific_match(self.path))

    def finding(self, rule: Rule, line: int, message: str, secret: str, preview: str | None = None) -> Finding:
        return Finding(self.path, line, rule.id, rule.severity, message, redact.fingerprint(f"{rule.id}\0{secret}"),
                       redact.preview(secret) if preview is None else preview, self.blob.commit)


CheckFn = Callable[[FileView], Iterable[Finding]]


class Rule(NamedTuple):
    """A check rule: a stable id, a severity, a summary, a one-line fix, and its check function."""

    id: str
    severity: str
    summary: str
    fix: str
    check_fn: CheckFn

    def check(self, view: FileView) -> Iterable[Finding]:
        return self.check_fn(view)


REGISTRY: dict[str, Rule] = {}


def rule(id: str, severity: str, summary: str, fix: str) -> Callable[[CheckFn], Rule]:
    """Register a file rule under a stable id."""
    def wrap(fn: CheckFn) -> Rule:
        info = Rule(id, severity, summary, fix, fn)
        REGISTRY[id] = info
        return info
    return wrap


# Rules that look at the repository, not at one file; they are registered for output and docs.
REPO_RULES = {
    "gitignore": ("error", "The repository does not ignore clear files",
                  "add `*.clear.yaml` (your clear suffix) to .gitignore, or run `secretops init`"),
}
