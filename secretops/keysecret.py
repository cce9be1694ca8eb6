"""Key Secrets: encrypted Kubernetes Secrets whose data keys end in ``.agekey`` (what Flux reads)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from secretops.sopsfile import ParsedFile

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
