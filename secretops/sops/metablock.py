"""A fast reader for `sops:` blocks in the shape sops writes them (YAML parse otherwise)."""

from __future__ import annotations

import re
from typing import Any

from secretops.sops.metadata import OPTIONS, SopsMeta, from_mapping

_LINE = re.compile(r"^(?P<ind>[ \t]*)(?:(?P<dash>- )[ \t]*)?(?P<key>[a-z_]+):[ \t]*(?P<val>.*?)[ \t]*$")
_SIMPLE = {"lastmodified", "mac", "version", "mac_only_encrypted", *OPTIONS}
_EMPTY_LISTS = {"kms", "gcp_kms", "azure_kv", "hc_vault", "pgp", "hckms", "age"}


def _scalar(raw: str) -> str | None:
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        return raw[1:-1].replace("''", "'")
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        return None if "\\" in raw else raw[1:-1]
    return None if raw[:1] in "[{&*!|>%@`" or " #" in raw else raw


def from_block_text(block: str) -> SopsMeta | None:
    """The metadata of a ``sops:`` block as sops writes it, read line by line (fast path).

    Any line outside the known shapes (key groups, PGP/KMS entries, escapes, flow style…)
    returns None, and the caller parses the block as YAML instead.
    """
    lines = block.splitlines()
    if not lines or not lines[0].startswith("sops:"):
        return None
    simple: dict[str, Any] = {}
    stanzas: list[tuple[str, str]] = []
    i = 1
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip():
            continue
        m = _LINE.match(line)
        if not m:
            return None
        key, val = m.group("key"), m.group("val")
        if (key in _EMPTY_LISTS and val == "[]") or (key == "age" and val == ""):
            continue
        if key == "recipient" and m.group("dash"):
            if i >= len(lines) or lines[i].strip() != "enc: |":
                return None
            armor: list[str] = []
            i += 1
            while i < len(lines) and lines[i].strip() and not _LINE.match(lines[i]):
                armor.append(lines[i].strip())
                i += 1
            if not armor or armor[0] != "-----BEGIN AGE ENCRYPTED FILE-----":
                return None
            stanzas.append((val, "\n".join(armor) + "\n"))
            continue
        if key not in _SIMPLE:
            return None
        value = _scalar(val)
        if value is None:
            return None
        simple[key] = {"true": True, "false": False}.get(value, value) if key == "mac_only_encrypted" else value
    if "mac" not in simple and "version" not in simple:
        return None
    data = dict(simple)
    data["age"] = [{"recipient": r, "enc": e} for r, e in stanzas]
    return from_mapping(data)
