"""Bytes to text the way editors and kubectl write files: UTF-8 (with or without a BOM), UTF-16 and
UTF-32 (with a BOM, or recognisable by their zero bytes). Anything else is binary."""

from __future__ import annotations

import codecs
from typing import Any

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def decode(data: bytes) -> str | None:
    """The text of ``data``, or None for binary data. Invalid UTF-8 bytes become U+FFFD."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(codec, "replace")
    head = data[:8192]
    if b"\0" not in head:
        return data.decode("utf-8", "replace")
    if len(head) >= 4:  # no BOM: ASCII-heavy UTF-16/32 puts its zero bytes in fixed columns
        for codec, width, column in (("utf-32-le", 4, (1, 2, 3)), ("utf-32-be", 4, (0, 1, 2)),
                                     ("utf-16-le", 2, (1,)), ("utf-16-be", 2, (0,))):
            sample = head[: len(head) - len(head) % width]
            zeros = [sample[c::width] for c in column]
            if all(z.count(0) >= 0.9 * len(z) for z in zeros) and sample[(column[-1] + 1) % width::width].count(0) \
                    < 0.1 * len(sample) / width:
                return data[: len(data) - len(data) % width].decode(codec, "replace")
    return None


def jsonc(text: str) -> Any:
    """JSON with comments and trailing commas (`.vscode/settings.json`, `.devcontainer.json`,
    `renovate.json5`-style files) parsed, or None. Comments are removed outside strings only."""
    import json
    import re

    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        pass
    out, i, n = [], 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            i = text.find("\n", i) if text.find("\n", i) >= 0 else n
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        else:
            out.append(ch)
            i += 1
    cleaned = re.sub(r",(\s*[}\]])", r"\1", "".join(out))
    try:
        return json.loads(cleaned)
    except (ValueError, RecursionError):
        return None
