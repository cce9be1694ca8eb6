"""Findings, the file view rules read, and the rule interface with its explicit registry."""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from secretops.repo.config import SOPS_SUFFIXES, clear_leftover_regex, clear_suffixes  # light, loaded anyway
from secretops.util import redact

if TYPE_CHECKING:
    from secretops.sops import document
    from secretops.sops.creation_rules import SopsConfigs



class Finding(NamedTuple):  # value types on the hook path are NamedTuples: immutable, and cheap to define
    path: str
    line: int
    rule: str
    severity: str
    message: str
    fingerprint: str  # a hash of the secret, never the secret
    preview: str = ""  # redacted: ``ghp_…abcd``
    commit: str | None = None  # history and ranges: the commit that brought the secret to this path
    later: int = 0  # how many later versions of the file still hold the same secret
    commits: tuple[str, ...] = ()  # every commit whose version holds it, oldest first


class Blob(NamedTuple):
    path: str
    data: bytes
    oid: str | None = None
    commit: str | None = None
    size: int = -1  # the whole blob's size; larger than ``data`` when this is one chunk of a big blob
    offset: int = 0  # where ``data`` starts in the blob
    first_line: int = 1  # the line ``data`` starts on

    @property
    def chunked(self) -> bool:
        return self.size > len(self.data)

    def __repr__(self) -> str:  # the bytes may be a plaintext secret
        return f"Blob({self.path!r}, {len(self.data)} bytes)"


class Settings:
    """What rules need to know about the repository; `.sops.yaml` is read only if a rule asks."""

    def __init__(self, encrypted_suffix: str = ".enc.yaml", clear_suffix: str = ".clear.yaml",
                 history: bool = False, sops_config: Callable[[], SopsConfigs | None] | None = None,
                 small_scan: bool = False, read: Callable[[str, str | None], bytes | None] | None = None,
                 staged: bool = False) -> None:
        self.staged = staged  # the index is checked: a file there is staged, not (yet) committed
        self.read = read  # (path, commit) -> that file's bytes in what is checked (secretGenerator inputs)
        self.encrypted_suffix = encrypted_suffix
        self.clear_suffix = clear_suffix
        self.history = history
        self._load = sops_config
        self.small_scan = small_scan  # a commit's worth of blobs: cheap set-up beats per-blob speed
        self._clear: dict[str, bool] = {}
        self._encrypted: dict[str, bool] = {}

    @functools.cached_property
    def clear_suffixes(self) -> tuple[str, ...]:
        return clear_suffixes(self.clear_suffix)

    @functools.cached_property
    def encrypted_suffixes(self) -> tuple[str, ...]:
        """``.enc.yaml`` also covers ``.enc.json``, ``.enc.env`` and ``.enc.ini``: every store sops
        picks by name (a file named so that is not really encrypted is a finding)."""
        stem = self.encrypted_suffix.rsplit(".", 1)[0] if self.encrypted_suffix.count(".") > 1 else ""
        return tuple(dict.fromkeys([self.encrypted_suffix, *(stem + ext for ext in (*SOPS_SUFFIXES, ".ini") if stem)]))

    @functools.cached_property
    def clear_leftover(self) -> re.Pattern[str]:
        return re.compile(clear_leftover_regex(self.clear_suffix))

    @functools.cached_property
    def sops_config(self) -> SopsConfigs | None:
        return self._load() if self._load else None

    def is_clear_file(self, path: str) -> bool:
        """A clear copy, and the leftovers editors and merge tools make of one (`db.clear.yaml~`,
        `.orig`, `.bak`, `.swp`, `db.clear_BACKUP_123.yaml`). Remembered per path: a history holds
        many versions of each file."""
        known = self._clear.get(path)
        if known is None:
            known = self._clear[path] = path.endswith(self.clear_suffixes) or \
                self.clear_leftover.search(path) is not None
        return known

    def named_encrypted(self, path: str) -> bool:
        """Named with the encrypted suffix, or claimed by its creation rule (remembered per path)."""
        known = self._encrypted.get(path)
        if known is None:
            name = path.rsplit("/", 1)[-1]
            cfg = self.sops_config
            known = self._encrypted[path] = name != ".sops.yaml" and (path.endswith(self.encrypted_suffixes) or (
                cfg is not None and path.endswith(SOPS_SUFFIXES) and cfg.claims(path)))
        return known


class FileView:
    """One blob, with the derived views rules share (parsed once, on first use)."""

    def __init__(self, blob: Blob, settings: Settings) -> None:
        self.blob = blob
        self.path = blob.path
        self.settings = settings

    @functools.cached_property
    def _decoded(self) -> str | None:
        from secretops.util.text import decode

        return decode(self.blob.data)

    @property
    def text(self) -> str:
        """The blob as text: UTF-8, or UTF-16/32 with or without a BOM; empty for binary data."""
        return self._decoded or ""

    @property
    def binary(self) -> bool:
        return self._decoded is None

    @functools.cached_property
    def parsed(self) -> document.ParsedFile:
        from secretops.sops import document

        return document.parse(self.path, self.blob.data)

    @functools.cached_property
    def lenient_documents(self) -> list[Any] | None:
        """The documents read despite duplicate keys and unknown tags (None if even that fails)."""
        from secretops.util import yamlio

        if self.path.endswith(".json") and not self.parsed.error:
            return list(self.parsed.documents)
        return yamlio.load_all_lenient(self.text)

    @property
    def is_helm_template(self) -> bool:
        """A chart template (`templates/*.yaml`, `*.tpl`): `{{ }}` makes it invalid YAML until Helm
        renders it, so it is read with its template actions set aside, never called unscannable."""
        lowered = self.path.lower()
        return lowered.endswith(".tpl") or ("/templates/" in f"/{lowered}" and lowered.endswith((".yaml", ".yml")))

    @functools.cached_property
    def template_elsewhere(self) -> bool:
        """A YAML file outside `templates/` that does not parse because of its `{{ }}` actions and
        parses without them (a template kept beside the manifests): read like a chart template.
        Asked only once a strict parse has failed."""
        text = self.text
        if "{{" not in text or "}}" not in text or not self.path.lower().endswith((".yaml", ".yml")) or \
                not self.parsed.error:
            return False
        from secretops.util import yamlio

        return yamlio.load_all_lenient(untemplated(text)) is not None

    @functools.cached_property
    def has_duplicates(self) -> bool:
        return "duplicate key" in (self.parsed.error or "")

    @functools.cached_property
    def applied_documents(self) -> list[Any]:
        """The documents as Flux and kubectl would apply them. A file that sops and the strict reader
        refuse (duplicate keys, unknown tags), or one not named like YAML (`s.YAML`, `db.yaml~`, a
        `.txt` a kustomization lists), is read leniently: once with the last duplicate winning, as
        kubectl applies it, and once with the first, so that no version of a value hides."""
        from secretops.util import yamlio

        if self.is_helm_template:
            return list(yamlio.load_all_lenient(untemplated(self.text)) or [])
        if self.path.lower().endswith((".yaml", ".yml", ".json")) and not self.parsed.error:
            return list(self.parsed.documents)
        if self.template_elsewhere:
            return list(yamlio.load_all_lenient(untemplated(self.text)) or [])
        docs = list(yamlio.load_all_lenient(self.text, last_wins=True) or [])
        if self.has_duplicates or not self.path.lower().endswith((".yaml", ".yml", ".json")):
            docs += list(self.lenient_documents or [])
        return docs

    def documents_of(self, text: str) -> list[Any]:
        """One document's text read as the whole file would be: strictly, else leniently (last and
        first duplicate)."""
        from secretops.errors import InputError
        from secretops.util import yamlio

        try:
            return yamlio.load_all(text, self.path)
        except InputError:  # read leniently, both ways, like applied_documents
            return [*(yamlio.load_all_lenient(text, last_wins=True) or []), *(yamlio.load_all_lenient(text) or [])]

    @functools.cached_property
    def line_starts(self) -> list[int]:
        text, starts = self.text, [0]
        at = text.find("\n")
        while at >= 0:  # str.find in C: a Python step a line, not a character
            starts.append(at + 1)
            at = text.find("\n", at + 1)
        return starts

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset) + self.blob.first_line - 1

    @functools.cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @property
    def is_clear_file(self) -> bool:
        return self.settings.is_clear_file(self.path)

    @property
    def named_encrypted(self) -> bool:
        return self.settings.named_encrypted(self.path)

    def finding(self, rule: Rule, line: int, message: str, secret: str, preview: str | None = None) -> Finding:
        shown = redact.preview(secret) if preview is None else preview
        return Finding(self.path, line, rule.id, rule.severity, " ".join(message.split()),  # one line, always
                       redact.fingerprint(f"{rule.id}\0{secret}"), " ".join(shown.split()), self.blob.commit)


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


def rule(id: str, severity: str, summary: str, fix: str) -> Callable[[CheckFn], Rule]:
    """Make a check function a Rule; it runs only once check/registry.py lists it."""
    def wrap(fn: CheckFn) -> Rule:
        return Rule(id, severity, summary, fix, fn)
    return wrap


# Rules that look at the repository, not at one file; they are registered for output and docs.
REPO_RULES = {
    "gitignore": ("error", "The repository does not ignore clear files",
                  "run `secretops init` (it adds the ignore lines for clear copies and their leftovers), or add "
                  "`*.clear.yaml` (your clear suffix) to .gitignore"),
}


_ACTION_LINE = re.compile(r"^[ \t]*\{\{-?.*?-?\}\}[ \t]*$", re.M)
_ACTION = re.compile(r"\{\{.*?\}\}", re.S)


def untemplated(text: str) -> str:
    """A Helm template with its actions set aside: lines that are only an action (`{{- if … }}`,
    `{{- end }}`) go, and an action inside a line becomes `${TEMPLATE}`, a reference. What is
    literal in the template stays, and is judged like any value."""
    return _ACTION.sub("${TEMPLATE}", _ACTION_LINE.sub("", text))
