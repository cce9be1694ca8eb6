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

STORES = ("yaml", "json", "dotenv", "ini", "binary")  # sops's --input-type names


class ParsedFile(NamedTuple):
    rel: str
    format: str  # a sops store (STORES; "binary" is sops's JSON envelope), "bytes" (not text) or "other"
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

    @property
    def store(self) -> str | None:
        """The sops store its content is in (what sops needs as --input-type), if it is a sops file."""
        return self.format if self.meta is not None and self.format in STORES else None

    def plaintext_documents(self) -> list[int]:
        return [i for i, (d, m) in enumerate(zip(self.documents, self.metas)) if d is not None and m is None]


def kind_of(rel: str) -> str:
    """The store sops picks by file name (what it uses without --input-type)."""
    name = rel.lower()
    if name.endswith((".yaml", ".yml")):
        return "yaml"
    if name.endswith(".json"):
        return "json"
    if name.endswith(".env"):
        return "dotenv"
    if name.endswith(".ini"):
        return "ini"
    return "other"


_YAML_SOPS = re.compile(r"^sops:[ \t]*(?:#.*)?$", re.M)
_DOTENV_SOPS = re.compile(r"^sops_mac=", re.M)
_INI_SOPS = re.compile(r"^[ \t]*\[sops\][ \t]*$", re.M)


def sniff(text: str) -> str | None:
    """The store a sops file's content is in, whatever its name: sops's JSON (a ``"sops"`` key;
    its binary store is JSON too), YAML (a top-level ``sops:`` key), dotenv (``sops_mac=``) or INI
    (a ``[sops]`` section). None when no sops marker is there (the name decides)."""
    if text.lstrip("\ufeff \t\r\n")[:1] == "{" and '"sops"' in text:
        return "json"
    if _YAML_SOPS.search(text):
        return "yaml"
    if _DOTENV_SOPS.search(text):
        return "dotenv"
    if _INI_SOPS.search(text):
        return "ini"
    return None


def store_of(data: bytes) -> str | None:
    """The store of a sops file's content (no YAML parse): what sops needs as --input-type."""
    text = decode(data)
    kind = sniff(text) if text is not None else None
    if kind == "json":
        return _json("", text or "").store
    return kind


def parse(rel: str, data: bytes) -> ParsedFile:
    """The file read in the store its content is in (a sops marker), else the one its name says."""
    text = decode(data)
    if text is None:
        return ParsedFile(rel, "bytes", "", error="binary file")
    sniffed, named = sniff(text), kind_of(rel)
    if sniffed is not None and sniffed != named:
        parsed = _parse_as(sniffed, rel, text)
        if parsed.meta is not None:
            return parsed
    return _parse_as(named, rel, text)  # a marker without sops metadata: the name decides


def _parse_as(kind: str, rel: str, text: str) -> ParsedFile:
    if kind == "json":
        return _json(rel, text)
    if kind == "yaml":
        try:
            docs = yamlio.load_all(text, rel)
        except InputError as exc:
            return ParsedFile(rel, kind, text, error=exc.message)
        return ParsedFile(rel, kind, text, tuple(docs), tuple(metadata.from_documents(docs)))
    if kind == "dotenv":
        return ParsedFile(rel, kind, text, (_dotenv_values(text),), (metadata.from_dotenv(text),))
    if kind == "ini":
        sections = metadata.ini_sections(text)
        meta = metadata.from_ini(text)
        body = {k: v for k, v in sections.items() if k != "sops"} if meta is not None else sections
        return ParsedFile(rel, kind, text, (body,), (meta,))
    return ParsedFile(rel, kind, text)


def _json(rel: str, text: str) -> ParsedFile:
    import json

    try:
        doc = json.loads(text)
    except RecursionError:
        return ParsedFile(rel, "json", text, error=f"{rel}: JSON nested too deeply to read")
    except ValueError as exc:
        return ParsedFile(rel, "json", text, error=f"{rel}: invalid JSON at line {getattr(exc, 'lineno', '?')}")
    meta = metadata.from_mapping(doc.get("sops")) if isinstance(doc, Mapping) else None
    envelope = meta is not None and set(doc) == {"data", "sops"} and isinstance(doc["data"], str)
    return ParsedFile(rel, "binary" if envelope else "json", text, (doc,), (meta,))


def _dotenv_values(text: str) -> dict[str, str]:
    """KEY=value lines, in order; comments and sops's own ``sops_*`` lines left out."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, eq, value = line.partition("=")
        if eq and key and not key.startswith(("#", "sops_")):
            out[key] = value
    return out


def parse_light(rel: str, data: bytes) -> ParsedFile:
    """Only each document's ``sops:`` block is parsed: enough for recipients and state, and fast.

    Documents are ``{}`` placeholders (None when empty). Files that may be key Secrets, CRLF files,
    and anything that is not YAML, get a full parse.
    """
    if kind_of(rel) != "yaml" or b".agekey" in data or b"\0" in data[:8192] or data[:3] == b"\xef\xbb\xbf" \
            or b"\r" in data \
            or data.lstrip()[:1] == b"{" or b"sops_mac=" in data or b"[sops]" in data:
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
        match = _YAML_SOPS.search(chunk)
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
    return b"sops:" in data or b'"sops"' in data or b"sops_version=" in data or b"sops_mac=" in data \
        or b"[sops]" in data
