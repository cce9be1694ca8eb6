"""One file, parsed once: its documents and each document's sops metadata."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from secretops.errors import InputError
from secretops.sops import metadata
from secretops.sops.metadata import SopsMeta
from secretops.util import yamlio
from secretops.util.text import decode


class ParsedFile(NamedTuple):
    rel: str
    format: str  # yaml, json, dotenv, binary, other
    text: str
    documents: tuple[Any, ...] = ()
    metas: tuple[SopsMeta | None, ...] = ()
    error: str | None = None

    def __repr__(self) -> str:  # text and documents may hold plaintext secrets
        return f"ParsedFile({self.rel!r}, {self.format}, {len(self.documents)} document(s))"

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
    text = decode(data)
    if text is None:
        return ParsedFile(rel, "binary", "", error="binary file")
    kind = kind_of(rel)
    if kind == "yaml":
        try:
            docs = yamlio.load_all(text, rel)
        except InputError as exc:
            return ParsedFile(rel, kind, text, error=exc.message)
        return ParsedFile(rel, kind, text, tuple(docs), tuple(metadata.from_documents(docs)))
    if kind == "json":
        import json

        try:
            doc = json.loads(text)
        except RecursionError:
            return ParsedFile(rel, kind, text, error=f"{rel}: JSON nested too deeply to read")
        except ValueError as exc:
            return ParsedFile(rel, kind, text, error=f"{rel}: invalid JSON at line {getattr(exc, 'lineno', '?')}")
        meta = metadata.from_mapping(doc.get("sops")) if isinstance(doc, Mapping) else None
        return ParsedFile(rel, kind, text, (doc,), (meta,))
    if kind == "dotenv":
        return ParsedFile(rel, kind, text, (text,), (metadata.from_dotenv(text),))
    return ParsedFile(rel, kind, text)


_SOPS_KEY = re.compile(r"^sops:[ \t]*(?:#.*)?$", re.M)


def parse_light(rel: str, data: bytes) -> ParsedFile:
    """Only each document's ``sops:`` block is parsed: enough for recipients and state, and fast.

    Documents are ``{}`` placeholders (None when empty). Files that may be key Secrets, CRLF files,
    and anything that is not YAML, get a full parse.
    """
    if kind_of(rel) != "yaml" or b".agekey" in data or b"\0" in data[:8192] or data[:3] == b"\xef\xbb\xbf" \
            or b"\r" in data:  # a CRLF file (the block scan reads LF lines)
        return parse(rel, data)
    text = data.decode("utf-8", "replace")
    docs: list[Any] = []
    metas: list[SopsMeta | None] = []
    for _line, chunk in yamlio.split_documents(text):
        body = [ln for ln in chunk.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        if not body or body == ["..."]:
            docs.append(None)
            metas.append(None)
            continue
        match = _SOPS_KEY.search(chunk)
        meta = None
        if match:
            block = chunk[match.start():]
            end = re.search(r"^(?![ \t]|$)", block[match.end() - match.start():], re.M)
            block = block[: (match.end() - match.start()) + end.start()] if end else block
            from secretops.sops import metablock  # sops files only

            meta = metablock.from_block_text(block)
            if meta is None:
                try:
                    meta = metadata.from_mapping(yamlio.load_one(block, rel).get("sops"))
                except InputError as exc:
                    return ParsedFile(rel, "yaml", text, error=exc.message)
        docs.append({})
        metas.append(meta)
    return ParsedFile(rel, "yaml", text, tuple(docs), tuple(metas))


def might_be_sops(data: bytes) -> bool:
    """A cheap test before parsing: sops writes one of these markers into every file."""
    return b"sops:" in data or b'"sops"' in data or b"sops_version=" in data or b"sops_mac=" in data
