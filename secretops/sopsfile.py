"""One file, parsed once: its documents and each document's sops metadata."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from secretops import sopsmeta, yamlio
from secretops.errors import InputError
from secretops.sopsmeta import SopsMeta

SOPS_SUFFIXES = (".yaml", ".yml", ".json", ".env")


@dataclass(frozen=True)
class ParsedFile:
    rel: str
    format: str  # yaml, json, dotenv, binary, other
    text: str
    documents: tuple[Any, ...] = ()
    metas: tuple[SopsMeta | None, ...] = ()
    error: str | None = None

    @property
    def meta(self) -> SopsMeta | None:
        return next((m for m in self.metas if m is not None), None)

    @property
    def encrypted(self) -> bool:
        """Every non-empty document carries sops metadata."""
        pairs = [(d, m) for d, m in zip(self.documents, self.metas) if d is not None]
        return bool(pairs) and all(m is not None for _, m in pairs)

    def plaintext_documents(self) -> list[int]:
        return [i for i, (d, m) in enumerate(zip(self.documents, self.metas)) if d is not None and m is None]


def kind_of(rel: str) -> str:
    name = rel.lower()
    if name.endswith((".yaml", ".yml")):
        return "yaml"
    if name.endswith(".json"):
        return "json"
    if name.endswith(".env"):
        return "dotenv"
    return "other"


def parse(rel: str, data: bytes) -> ParsedFile:
    if b"\0" in data[:8192]:
        return ParsedFile(rel, "binary", "", error="binary file")
    text = data.decode("utf-8", "replace")
    kind = kind_of(rel)
    if kind == "yaml":
        try:
            docs = yamlio.load_all(text, rel)
        except InputError as exc:
            return ParsedFile(rel, kind, text, error=exc.message)
        return ParsedFile(rel, kind, text, tuple(docs), tuple(sopsmeta.from_documents(docs)))
    if kind == "json":
        import json

        try:
            doc = json.loads(text)
        except ValueError as exc:
            return ParsedFile(rel, kind, text, error=f"{rel}: invalid JSON at line {getattr(exc, 'lineno', '?')}")
        meta = sopsmeta.from_mapping(doc.get("sops")) if isinstance(doc, Mapping) else None
        return ParsedFile(rel, kind, text, (doc,), (meta,))
    if kind == "dotenv":
        return ParsedFile(rel, kind, text, (text,), (sopsmeta.from_dotenv(text),))
    return ParsedFile(rel, kind, text)


def might_be_sops(data: bytes) -> bool:
    """A cheap test before parsing: sops writes one of these markers into every file."""
    return b"sops:" in data or b'"sops"' in data or b"sops_version=" in data or b"sops_mac=" in data
