"""Rewrite a single-document sops YAML file in-process so that it decrypts to another tree, as sops
would write it, and move whole recipient stanzas of any kind between two versions of one file.

Values: only the lines of the values that differ change. A new value is encrypted with the file's
own data key where the file's own rule says so (``encrypted_regex`` and the rest), and left as it
is where not, or when it is null or empty (sops leaves those); then ``lastmodified`` and ``mac``
are recomputed. Stanzas: a PGP, KMS, GCP KMS, Azure Key Vault or Vault stanza wraps the data key
for a service this machine cannot reach, so it is copied whole from a version with the same data
key, or removed; never made. Anything outside what this reproduces raises ``Unsupported``; callers
verify the result with the real sops.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from secretops.errors import InputError
from secretops.sops import cipher, value_policy, valueedit
from secretops.sops.agekeys import Identity
from secretops.sops.metadata import KINDS, Encryption
from secretops.sops.rewrap import Unsupported

MISSING = object()
_SPECIAL = re.compile(r"(?i)^(y|n|yes|no|on|off|true|false|null|~|[-+.]?[0-9].*|\.inf|\.nan)$")
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-/]*")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _skip(line: str) -> bool:
    return not line.strip() or line.lstrip().startswith("#")


def _spellings(key: str) -> list[str]:
    out = [json.dumps(key, ensure_ascii=False), "'" + key.replace("'", "''") + "'"]
    return [key, *out] if _PLAIN_KEY.fullmatch(key) else out


def _key(key: str) -> str:
    return key if _PLAIN_KEY.fullmatch(key) and not _SPECIAL.match(key) else json.dumps(key, ensure_ascii=False)


def _value_end(lines: list[str], row: int, end: int) -> int:
    """The first line after the value of the key on ``row`` (its nested block, block scalar or list)."""
    own = _indent(lines[row])
    j = row + 1
    while j < end and (_skip(lines[j]) or _indent(lines[j]) > own or
                       (_indent(lines[j]) == own and lines[j].lstrip().startswith(("- ", "-\n")))):
        j += 1
    while j > row + 1 and _skip(lines[j - 1]):
        j -= 1
    return j


def _find(lines: list[str], start: int, end: int, key: str) -> tuple[int, str] | None:
    """(row, what follows the colon) of ``key`` among the mapping keys in lines[start:end], which
    sit at the first line's indent."""
    child = next((_indent(lines[i]) for i in range(start, end) if not _skip(lines[i])), None)
    if child is None:
        return None
    heads = tuple(f"{s}:" for s in _spellings(key))
    for i in range(start, end):
        line = lines[i]
        if not _skip(line) and _indent(line) == child:
            rest = line[child:]
            for head in heads:
                if rest.startswith(head) and rest[len(head):len(head) + 1] in ("", " ", "\n", "\r"):
                    return i, rest[len(head):].strip()
    return None


def _top_end(lines: list[str]) -> int:
    rows = [i for i, ln in enumerate(lines) if re.match(r"^sops:[ \t]*(#.*)?$", ln)]
    if len(rows) != 1:
        raise Unsupported("not one top-level sops block")
    return rows[0]


def _locate(lines: list[str], path: list[str]) -> tuple[int, int, int, str]:
    """(row, start, end, inline): the key line of ``path`` (-1 for the document), its children's
    lines, and what follows its colon."""
    row, start, end, inline = -1, 0, _top_end(lines), ""
    for key in path:
        found = _find(lines, start, end, key)
        if found is None:
            raise KeyError(key)
        row, inline = found
        start, end = row + 1, _value_end(lines, row, end)
        if inline and not inline.startswith("#") and inline != "{}":
            raise Unsupported("a mapping written inline")
    return row, start, end, inline


class _Writer:
    """New values in the file's style: its indent step, encrypted as its rule says."""

    def __init__(self, key: bytes, enc: Encryption, step: int) -> None:
        self.key, self.enc, self.step = key, enc, step

    def leaf(self, value: Any, path: list[str]) -> str:
        if value is None:
            return "null"
        if isinstance(value, float) or not isinstance(value, str | int):
            raise Unsupported("a value that is not a string or an integer")
        if value == "" or not value_policy.should_encrypt(path, self.enc):
            return json.dumps(value, ensure_ascii=False) if not isinstance(value, bool) else str(value).lower()
        if isinstance(value, bool):
            raise Unsupported("an encrypted boolean")
        kind = "int" if isinstance(value, int) else "str"
        return cipher.seal(self.key, str(value).encode(), cipher.aad(path), kind)

    def entry(self, key: str, value: Any, path: list[str], indent: int) -> list[str]:
        pad, name = " " * indent, _key(key)
        if isinstance(value, Mapping):
            if not value:
                return [f"{pad}{name}: {{}}\n"]
            return [f"{pad}{name}:\n"] + [ln for k, v in value.items()
                                          for ln in self.entry(str(k), v, [*path, str(k)], indent + self.step)]
        if isinstance(value, list):
            if not value:
                return [f"{pad}{name}: []\n"]
            return [f"{pad}{name}:\n"] + [ln for v in value for ln in self.item(v, path, indent + self.step)]
        return [f"{pad}{name}: {self.leaf(value, path)}\n"]

    def item(self, value: Any, path: list[str], indent: int) -> list[str]:
        pad = " " * indent
        if isinstance(value, Mapping) and value:
            out = [ln for k, v in value.items() for ln in self.entry(str(k), v, [*path, str(k)], indent + 2)]
            return [pad + "- " + out[0][indent + 2:], *out[1:]]
        if isinstance(value, Mapping | list):
            raise Unsupported("an empty or nested list item")
        return [f"{pad}- {self.leaf(value, path)}\n"]


def changes(before: Any, after: Any, path: list[str] | None = None) -> Iterator[tuple[list[str], Any]]:
    """(path, new value or MISSING) for each key whose value differs: removals first at each level,
    then changes and additions in the new order; mappings on both sides are compared key by key."""
    path = path or []
    for key in before:
        if key not in after:
            yield [*path, str(key)], MISSING
    for key, value in after.items():
        old = before.get(key, MISSING)
        if isinstance(old, Mapping) and isinstance(value, Mapping) and old and value:
            yield from changes(old, value, [*path, str(key)])
        elif old is MISSING or old != value or type(old) is not type(value):
            yield [*path, str(key)], value


def edit_tree(text: str, rel: str, identities: Iterable[Identity], before: Any, after: Any) -> str:
    """``text`` (which decrypts to ``before``) rewritten to decrypt to ``after``."""
    if not isinstance(before, Mapping) or not isinstance(after, Mapping):
        raise Unsupported("not a mapping")
    todo = list(changes(before, after))
    if not todo:
        return text
    key, meta = valueedit.opened(text, rel, identities)
    if meta.encryption.option in ("encrypted_comment_regex", "unencrypted_comment_regex"):
        raise Unsupported("comments decide what is encrypted")
    lines = text.splitlines(keepends=True)
    if not lines or not lines[-1].endswith("\n"):
        raise Unsupported("no final newline")
    from secretops.util import yamlio

    writer = _Writer(key, meta.encryption, yamlio.detect_indent(text)[0])
    for path, value in todo:
        try:
            row, start, end, inline = _locate(lines, path[:-1])
        except KeyError:
            raise Unsupported("a parent key is not where the tree says") from None
        found = _find(lines, start, end, path[-1])
        if found is not None:
            at, gone, indent = found[0], _value_end(lines, found[0], end), _indent(lines[found[0]])
        elif value is MISSING:
            continue
        else:  # a new key: after its parent's last line, at its siblings' indent
            if inline == "{}":
                lines[row] = lines[row].rstrip()[:-2].rstrip() + "\n"
            at = gone = max((i for i in range(start, end) if not _skip(lines[i])), default=start - 1) + 1
            siblings = [_indent(lines[i]) for i in range(start, end) if not _skip(lines[i])]
            indent = siblings[0] if siblings else (_indent(lines[row]) + writer.step if row >= 0 else 0)
        lines[at:gone] = [] if value is MISSING else writer.entry(path[-1], value, path, indent)
    return valueedit.restamp("".join(lines), rel, key, meta)


# Recipient stanzas of the flat sops block (files without key groups).

def _stanza_id(kind: str, lines: list[str]) -> str | None:
    from secretops.sops import metadata
    from secretops.util import yamlio

    pad = _indent(lines[0])
    body = "".join(ln[pad:] if ln.strip() else ln for ln in lines)
    try:
        entries = yamlio.load_one(body, "stanza")
    except InputError:  # an unreadable stanza has no id; the caller refuses
        return None
    ids = metadata.from_mapping({"version": "x", kind: entries}).recipients.get(kind)  # type: ignore[union-attr]
    return ids[0] if len(ids) == 1 else None


def _kind_block(lines: list[str], kind: str) -> tuple[int, int, int] | None:
    """(header row, end, child indent of the sops block) of ``kind:`` in the sops block."""
    top = _top_end(lines)
    end = _value_end(lines, top, len(lines))
    found = _find(lines, top + 1, end, kind)
    if found is None:
        return None
    return found[0], _value_end(lines, found[0], end), _indent(lines[found[0]])


def stanzas(text: str, kind: str) -> dict[str, list[str]]:
    """Each stanza of ``kind`` in the flat sops block: its id (as metadata reads it) -> its lines."""
    lines = text.splitlines(keepends=True)
    found = _kind_block(lines, kind)
    if found is None:
        return {}
    row, end, _pad = found
    starts = [i for i in range(row + 1, end) if lines[i].lstrip().startswith("- ")]
    if lines[row].split(":", 1)[1].strip() not in ("", "[]") or (row + 1 < end and not starts):
        raise Unsupported(f"a {kind} list that is not a block list")
    out: dict[str, list[str]] = {}
    for n, s in enumerate(starts):
        chunk = lines[s:starts[n + 1] if n + 1 < len(starts) else end]
        ident = _stanza_id(kind, chunk)
        if ident is None or ident in out:
            raise Unsupported(f"an unreadable {kind} stanza")
        out[ident] = chunk
    return out


def set_stanzas(text: str, kind: str, wanted: Mapping[str, list[str]]) -> str:
    """``text`` whose ``kind`` stanzas are exactly ``wanted`` (id -> lines, from any version of the
    file: re-indented to this one's style); kept ones keep their bytes."""
    if kind == "age" or kind not in KINDS:
        raise Unsupported(f"{kind}: not a stanza this copies")
    have = stanzas(text, kind)
    if list(have) == list(wanted):
        return text
    lines = text.splitlines(keepends=True)
    found = _kind_block(lines, kind)
    top = _top_end(lines)
    child = _indent(next(lines[i] for i in range(top + 1, len(lines)) if not _skip(lines[i])))
    if found is None:
        row, end = top + 1, top + 1
    else:
        row, end = found[0], found[1]
    item = _indent(have[next(iter(have))][0]) if have else child + 4
    body: list[str] = []
    for ident, chunk in wanted.items():
        if ident in have:
            body += have[ident]
            continue
        shift = item - _indent(chunk[0])
        body += [(" " * shift + ln if shift >= 0 else ln[-shift:]) if ln.strip() else ln for ln in chunk]
    lines[row:end] = [" " * child + f"{kind}:\n", *body] if body else []
    return "".join(lines)
