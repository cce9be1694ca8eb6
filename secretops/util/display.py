"""How identifiers and names are shown: shortened keys, and outside text that cannot drive a
terminal, start a line or carry markup. One escaping function per output kind:
``safe`` for text (terminals, logs, `git diff`), ``markdown`` for Markdown (pull-request comments,
the step summary), ``key_path`` for a key path inside either. JSON needs none (json.dumps)."""

from __future__ import annotations

import re

# Control characters (C0, DEL, C1), and every format, line and paragraph separator and surrogate
# code point (Unicode categories Cf, Zl, Zp, Cs): bidi overrides and isolates, zero-width
# characters, the BOM, soft hyphen, tag characters. Tested against unicodedata for every code point.
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]")
_BACKTICKS = re.compile(r"`+")
_BARE_KEY = re.compile(r"[A-Za-z0-9_./-]+")


def short(key: str) -> str:
    """A public key, fingerprint or ARN shortened for a table: ``age1qyqszq…x7k2``."""
    return key if len(key) <= 18 else f"{key[:12]}…{key[-4:]}"


def _visible(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a file name that is no UTF-8 (read with surrogateescape): the byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def safe(name: str) -> str:
    """Outside text for text output: control, bidi, zero-width and line-breaking characters made
    visible (``\\x0a``, ``\\u202e``), so it cannot start a line, reorder one or hide in one."""
    return _CONTROL.sub(lambda m: _visible(m.group(0)), name)


def markdown(name: str) -> str:
    """Outside text for Markdown, table cells included: ``safe``, then a code span (a fence longer
    than any run of backticks in it) with each ``|`` escaped, as GitHub's table cells take it. In a
    code span GitHub renders no HTML, link, autolink, emphasis or @mention; the text shows as it
    was (judged by cmark-gfm, GitHub's renderer). Used only inside table cells."""
    shown = safe(name).replace("|", "\\|")
    fence = "`" * (1 + max((len(run) for run in _BACKTICKS.findall(shown)), default=0))
    pad = " " if shown.strip() and (shown[0] in "` " or shown[-1] in "` ") else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


def key_path(parts: tuple[str | int, ...]) -> str:
    """A key path (``stringData.password``, ``items.[0].name``): a list index as ``[n]``, a key as
    it is when plain, else JSON-quoted and ``safe`` (a key holding a newline, ``: `` or a dot
    cannot forge another line or another path). A first key starting with ``sops`` is quoted, so a
    value's line never reads as a ``sops.…`` metadata line."""
    import json

    shown = []
    for n, part in enumerate(parts):
        if isinstance(part, int):
            shown.append(f"[{part}]")
        elif _BARE_KEY.fullmatch(part) and "." not in part and not (n == 0 and part.startswith("sops")):
            shown.append(part)
        else:
            shown.append(safe(json.dumps(part, ensure_ascii=False)))
    return ".".join(shown)
