"""Add or remove age recipients in-process, touching only the ``sops.age`` blocks (YAML here; the
JSON and binary formats' ``"age"`` array in sops.jsonsplice).

The data key is re-wrapped for each new recipient; values, ``lastmodified`` and ``mac`` keep
their bytes, so the real sops still decrypts the file and ``updatekeys`` finds it up to date.
Files this cannot handle raise ``Unsupported`` and the caller falls back to ``sops updatekeys``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from secretops.errors import InputError
from secretops.sops import datakey, document
from secretops.sops.agekeys import Identity


class Unsupported(Exception):
    """Key groups, the dotenv and INI stores or an unusual layout: use sops instead."""


SPLICED = ("yaml", "json", "binary")  # stores whose age block is spliced in place (the binary format is JSON)


_RECIPIENT = re.compile(r"(recipient:\s*[\"']?)(age1[0-9a-z]+)")  # age1pq1…: about 1,960 characters


@dataclass(frozen=True)
class _AgeBlock:
    start: int  # line index of "age:"
    end: int  # first line after the block
    indent: int  # indentation of the sops block's keys
    items: tuple[tuple[int, int, str], ...]  # (start, end, recipient) for each stanza


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def find_blocks(lines: list[str]) -> list[tuple[int, int]]:
    """(sops: line, first line after the block) for every top-level ``sops:`` key."""
    blocks = []
    i = 0
    while i < len(lines):
        if re.match(r"^sops:\s*(#.*)?$", lines[i]):
            j = i + 1
            while j < len(lines) and (not lines[j].strip() or lines[j][0] == " "):
                j += 1
            blocks.append((i, j))
            i = j
        else:
            i += 1
    return blocks


def _age_block(lines: list[str], start: int, end: int) -> _AgeBlock | int:
    """The age list inside a sops block, or the child indent when there is none."""
    child = next((_indent(lines[k]) for k in range(start + 1, end) if lines[k].strip()), 4)
    for k in range(start + 1, end):
        if _indent(lines[k]) == child and re.match(r"^\s*age:\s*(\[\s*\])?\s*$", lines[k]):
            j = k + 1
            item_prefix = " " * child + "- "
            while j < end and lines[j].strip() and (_indent(lines[j]) > child or lines[j].startswith(item_prefix)):
                j += 1
            starts = [m for m in range(k + 1, j) if lines[m].lstrip().startswith("- ") and
                      _indent(lines[m]) == _indent(lines[k + 1])]
            items = []
            for n, s in enumerate(starts):
                e = starts[n + 1] if n + 1 < len(starts) else j
                match = _RECIPIENT.search("".join(lines[s:e]))
                if not match:
                    raise Unsupported("age stanza without a recipient")
                items.append((s, e, match.group(2)))
            return _AgeBlock(k, j, child, tuple(items))
    return child


def _render(template: list[str] | None, indent: int, recipient: str, armor: str) -> list[str]:
    """A new stanza in the file's own style, copied from an existing one when there is one."""
    armor_lines = armor.strip().splitlines()
    if template is None:
        seq = " " * (2 * indent)
        return [f"{seq}- recipient: {recipient}\n", f"{seq}  enc: |\n"] + [f"{seq}    {a}\n" for a in armor_lines]
    out: list[str] = []
    in_armor = False
    for line in template:
        if "-----BEGIN AGE ENCRYPTED FILE-----" in line:
            pad = line[: _indent(line)]
            out += [f"{pad}{a}\n" for a in armor_lines]
            in_armor = True
        elif in_armor:
            in_armor = "-----END AGE ENCRYPTED FILE-----" not in line
        else:
            out.append(_RECIPIENT.sub(lambda m: m.group(1) + recipient, line))
    if not any("BEGIN AGE" in line for line in out):
        raise Unsupported("age stanza is not an armored literal block")
    return out


def rewrap_text(text: str, rel: str, identities: Iterable[Identity], add: Sequence[str] = (),
                remove: Collection[str] = (), parsed: document.ParsedFile | None = None) -> str:
    """Return ``text`` with age recipients added and removed; raises Unsupported or AgeKeyError.
    ``parsed``: ``text`` parsed already (document.parse_light)."""
    if parsed is None or parsed.text != text:
        parsed = document.parse_light(rel, text.encode())
    meta = parsed.meta
    if parsed.error or meta is None:
        raise InputError(f"{rel} is not a sops-encrypted file", hint=f"encrypt it with `secretops encrypt {rel}`")
    if parsed.store not in SPLICED:
        raise Unsupported(f"the {parsed.store} store")
    if meta.uses_key_groups:
        raise Unsupported("key groups")
    current = list(meta.recipients.age)
    wanted = [r for r in current if r not in remove] + [r for r in add if r not in current and r not in remove]
    if wanted == current:
        return text
    if not wanted and not [k for k, _ in meta.recipients.by_kind if k != "age"]:
        raise InputError(f"{rel}: removing every age recipient would leave it undecryptable")
    if [r for r in wanted if r not in current] and not meta.age_stanzas:
        raise Unsupported("no age stanza to open the data key with (PGP, KMS…): sops can")
    key = datakey.unwrap(meta, identities, rel) if [r for r in wanted if r not in current] else b""
    armors = {r: datakey.wrap(key, r) for r in wanted if r not in current}
    if parsed.store != "yaml":
        from secretops.sops import jsonsplice

        try:
            return jsonsplice.with_age(text, wanted, armors)
        except jsonsplice.Unspliceable as exc:
            raise Unsupported(str(exc)) from None
    lines = _lines(text)
    for start, end in reversed(find_blocks(lines)):
        block = _age_block(lines, start, end)
        if isinstance(block, int):
            new = [" " * block + "age:\n"] + [ln for r in wanted for ln in _render(None, block, r, armors[r])]
            lines[start + 1:start + 1] = new if wanted else []
            continue
        kept = {rcpt: lines[s:e] for s, e, rcpt in block.items}
        template = next(iter(kept.values()), None)
        body: list[str] = []
        for rcpt in wanted:
            body += kept[rcpt] if rcpt in kept else _render(template, block.indent, rcpt, armors[rcpt])
        head = [" " * block.indent + "age:\n"] if wanted else []
        lines[block.start:block.end] = head + body
    return _joined(lines, text)


def rewrap_all(text: str, armors: Mapping[str, str]) -> str:
    """Every stanza of a recipient in ``armors`` gets that armor (a new data key); nothing else changes."""
    lines = _lines(text)
    for start, end in reversed(find_blocks(lines)):
        block = _age_block(lines, start, end)
        if isinstance(block, int):
            continue
        for s, e, rcpt in reversed(block.items):
            if rcpt in armors:
                lines[s:e] = _render(lines[s:e], block.indent, rcpt, armors[rcpt])
    return _joined(lines, text)


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return lines


def _joined(lines: list[str], text: str) -> str:
    """The lines back as text, ending as ``text`` ended."""
    result = "".join(lines)
    return result if text.endswith("\n") else result.rstrip("\n")
