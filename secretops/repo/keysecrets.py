"""Key Secrets: encrypted Kubernetes Secrets whose data keys end in ``.agekey`` (what Flux reads).

Finding them in parsed files, reading their keys in memory, and adding or removing entries.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secretops.errors import InputError
from secretops.sops import agekeys, datakey, document
from secretops.sops.agekeys import Identity
from secretops.sops.binary import Sops
from secretops.sops.document import ParsedFile
from secretops.util.fsutil import atomic_write, private_tempdir

FIELDS = ("stringData", "data")


@dataclass(frozen=True)
class KeySecret:
    rel: str
    name: str
    namespace: str
    entries: tuple[tuple[str, str], ...]  # (field, data key) for every *.agekey entry
    recipients: tuple[str, ...]  # age recipients the file is encrypted for


def agekey_entries(doc: Any) -> list[tuple[str, str]]:
    if not isinstance(doc, Mapping) or doc.get("kind") != "Secret":
        return []
    found = []
    for fld in FIELDS:
        block = doc.get(fld)
        if isinstance(block, Mapping):
            found += [(fld, str(k)) for k in block if str(k).endswith(".agekey")]
    return found


def from_parsed(parsed: ParsedFile, default_namespace: str = "flux-system") -> KeySecret | None:
    """The file's key Secret, if it is an encrypted Secret with ``*.agekey`` entries."""
    if not parsed.encrypted:
        return None
    for doc, meta in zip(parsed.documents, parsed.metas):
        entries = agekey_entries(doc)
        if entries and meta is not None:
            metadata = doc.get("metadata") or {}
            return KeySecret(parsed.rel, str(metadata.get("name", "")),
                             str(metadata.get("namespace") or default_namespace), tuple(entries),
                             meta.recipients.age)
    return None


@dataclass(frozen=True)
class Entry:
    field: str  # stringData or data
    name: str  # e.g. age.agekey
    content: str  # decrypted key file text; never shown

    def __repr__(self) -> str:
        return f"Entry({self.field}.{self.name})"


def read_entries(root: Path, rel: str, identities: Iterable[Identity]) -> list[Entry]:
    """Decrypt every ``*.agekey`` entry of a key Secret in memory."""
    parsed = document.parse(rel, (root / rel).read_bytes())
    meta = parsed.meta
    if meta is None:
        raise InputError(f"{rel} is not a sops-encrypted file", hint="restore it from git")
    key = datakey.unwrap(meta, identities, rel)
    out = []
    for doc in parsed.documents:
        for fld, name in agekey_entries(doc):
            raw = datakey.decrypt_value(key, str(doc[fld][name]), [fld, name])
            text = base64.b64decode(raw).decode("utf-8") if fld == "data" else raw
            out.append(Entry(fld, name, text))
    return out


def identities_of(entries: Sequence[Entry], rel: str) -> list[Identity]:
    found: list[Identity] = []
    for entry in entries:
        found += agekeys.parse(entry.content, f"{rel} ({entry.name})")
    return found


def key_text(identities: Iterable[Identity]) -> str:
    return "".join(f"# public key: {i.public}\n{i.secret}\n" for i in identities)


def without(content: str, publics: set[str], rel: str) -> str:
    """The key file text minus the given keys and their ``# public key`` comments."""
    keep: list[str] = []
    for line in content.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("# public key:") and stripped.split(":", 1)[1].strip() in publics:
            continue
        if stripped.startswith("AGE-SECRET-KEY-") and agekeys.parse(stripped, rel)[0].public in publics:
            continue
        keep.append(line)
    return "".join(keep)


def _index(fld: str, name: str) -> str:
    return f'["{fld}"]["{name}"]'


def _edit(sops: Sops, root: Path, rel: str, action: str, fld: str, name: str, content: str = "",
          identities: Iterable[Identity] = ()) -> None:
    """In-process when the file's MAC can be reproduced; else sops set/unset on a private temp copy.
    Either way the real file is replaced by one atomic rename."""
    from secretops.sops import valueedit
    from secretops.sops.rewrap import Unsupported

    ids = list(identities)
    if ids:
        try:
            text = (root / rel).read_text(encoding="utf-8")
            atomic_write(root / rel, valueedit.edit(text, rel, ids, {(fld, name): content if action == "set"
                                                                     else None}).encode())
            return
        except Unsupported:
            pass
    with private_tempdir() as tmp:
        copy = tmp / Path(rel).name
        copy.write_bytes((root / rel).read_bytes())
        if action == "set":
            value = base64.b64encode(content.encode()).decode() if fld == "data" else content
            sops.set_value(str(copy), _index(fld, name), value, label=rel)
        else:
            sops.unset(str(copy), _index(fld, name), label=rel)
        atomic_write(root / rel, copy.read_bytes())


def set_entry(sops: Sops, root: Path, rel: str, fld: str, name: str, content: str,
              identities: Iterable[Identity] = ()) -> None:
    _edit(sops, root, rel, "set", fld, name, content, identities)


def unset_entry(sops: Sops, root: Path, rel: str, fld: str, name: str, identities: Iterable[Identity] = ()) -> None:
    _edit(sops, root, rel, "unset", fld, name, "", identities)
