"""Replace the ``"age"`` array of a JSON (or binary-format) sops file in place: every other byte
of the file is kept, the kept stanzas too; new stanzas copy an existing one's layout."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence

_DECODER = json.JSONDecoder()
_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_WS = " \t\r\n"


class Unspliceable(Exception):
    """Not in the shape sops writes (no age array, or an empty one): sops must rewrite the file."""


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WS:
        pos += 1
    return pos


def _value_end(text: str, pos: int) -> int:
    try:
        return _DECODER.raw_decode(text, pos)[1]
    except ValueError:
        raise Unspliceable("invalid JSON") from None


def members(text: str, start: int) -> dict[str, tuple[int, int]]:
    """Each member of the object that opens at ``text[start]``: key -> (value start, value end)."""
    if text[start:start + 1] != "{":
        raise Unspliceable("not an object")
    out: dict[str, tuple[int, int]] = {}
    pos = _skip(text, start + 1)
    while pos < len(text) and text[pos] != "}":
        if text[pos] != '"':
            raise Unspliceable("invalid JSON")
        try:
            key, pos = _scanstring(text, pos + 1)
        except ValueError:
            raise Unspliceable("invalid JSON") from None
        pos = _skip(text, pos)
        if text[pos:pos + 1] != ":":
            raise Unspliceable("invalid JSON")
        begin = _skip(text, pos + 1)
        end = _value_end(text, begin)
        out[key] = (begin, end)
        pos = _skip(text, end)
        if text[pos:pos + 1] == ",":
            pos = _skip(text, pos + 1)
    return out


def _elements(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The spans of the items of the array ``text[start:end]``."""
    out = []
    pos = _skip(text, start + 1)
    while pos < end - 1:
        item_end = _value_end(text, pos)
        out.append((pos, item_end))
        pos = _skip(text, item_end)
        if text[pos:pos + 1] == ",":
            pos = _skip(text, pos + 1)
    return out


def with_age(text: str, wanted: Sequence[str], armors: Mapping[str, str]) -> str:
    """``text`` whose ``sops.age`` lists ``wanted``: kept stanzas byte for byte, new ones (from
    ``armors``) in the layout of the first kept or existing one."""
    top = members(text, _skip(text, 1 if text.startswith("\ufeff") else 0))
    if "sops" not in top:
        raise Unspliceable("no sops metadata")
    sops = members(text, top["sops"][0])
    if "age" not in sops or text[sops["age"][0]] != "[" or not wanted:
        raise Unspliceable("no age array")
    start, end = sops["age"]
    items = _elements(text, start, end)
    if not items:
        raise Unspliceable("an empty age array")
    by_recipient: dict[str, str] = {}
    for a, b in items:
        entry = json.loads(text[a:b])
        if not isinstance(entry, dict) or not isinstance(entry.get("recipient"), str):
            raise Unspliceable("an age stanza without a recipient")
        by_recipient[entry["recipient"]] = text[a:b]
    template = text[items[0][0]:items[0][1]]
    lead, between = text[start + 1:items[0][0]], text[items[0][1]:items[1][0]] if len(items) > 1 else None
    tail = text[items[-1][1]:end - 1]
    if between is None:  # one stanza: the separator is a comma and the lead's line break
        between = "," + lead
    body = [by_recipient[r] if r in by_recipient else _render(template, r, armors[r]) for r in wanted]
    return text[:start + 1] + lead + between.join(body) + tail + text[end - 1:]


def _render(template: str, recipient: str, armor: str) -> str:
    fields = members(template, 0)
    if "recipient" not in fields or "enc" not in fields:
        raise Unspliceable("an age stanza without recipient and enc")
    spans = sorted([(fields["recipient"], json.dumps(recipient)),
                    (fields["enc"], json.dumps(armor.strip() + "\n"))], reverse=True)
    out = template
    for (a, b), value in spans:
        out = out[:a] + value + out[b:]
    return out
