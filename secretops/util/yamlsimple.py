"""Plain block YAML, read without loading a YAML library: the hook's common case.

Manifests, Secrets and `.sops.yaml` files are mostly block mappings and sequences of one-line
keys and scalars. This reads exactly that subset and returns the documents as ruamel's safe load
(YAML 1.2) returns them, or None for anything else, which the caller then reads with ruamel:
flow style, block scalars, anchors, aliases, tags, directives, quoted keys, multi-line scalars,
escapes, duplicate keys, tabs, CR, non-ASCII or control characters, and any plain scalar that
could be other than a string, a decimal integer, a boolean or null. Loading ruamel costs a hook
run ~20 ms. tests/util/test_yamlsimple.py compares both readers on every YAML file of the corpus
and on generated documents.
"""

from __future__ import annotations

import re
from typing import Any

_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_./-]*):(?:[ ]+(.*))?", re.S)  # re.S: a block scalar's lines
_SINGLE = re.compile(r"'((?:[^']|'')*)'(?:[ ]+#.*)?")
_DOUBLE = re.compile(r'"([^"\\]*)"(?:[ ]+#.*)?')
_NOT_PLAIN_START = set("-?:,[]{}#&*!|>'\"%@`")
_TYPED = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False,
          "null": None, "Null": None, "NULL": None, "~": None}
_SEPARATOR = re.compile(r"---(?:[ ]+(?:#.*)?)?")
_UNSAFE = re.compile(r"[^\n\x20-\x7e]")  # anything but printable ASCII and newlines


class _Outside(Exception):
    """Not in the subset: the caller reads the text with ruamel."""


def load_all(text: str) -> list[Any] | None:
    """The documents of ``text`` as ruamel's safe load reads them, or None outside the subset."""
    if _UNSAFE.search(text):
        return None
    try:
        return [_document(lines) for lines in _documents(text)]
    except (_Outside, RecursionError):
        return None


def _documents(text: str) -> list[list[tuple[int, str]]]:
    """Each document's content lines (indent, text): `---` starts one; the first one is implicit
    when content comes before any `---`. A literal block scalar (`key: |`) is read whole here and
    stands on its key's line as _BLOCK and its value."""
    docs: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] | None = None
    raw = text.split("\n")
    at = 0
    while at < len(raw):
        line = raw[at]
        at += 1
        if line.endswith(("|", "|-")) and (block := _LITERAL.fullmatch(line)) is not None:
            value, at = _literal(raw, at, block)
            if current is None:
                current = []
                docs.append(current)
            current.append((len(block.group(1)), f"{block.group(2)}: {_BLOCK}{value}"))
            continue
        if line.startswith("---"):
            if not _SEPARATOR.fullmatch(line):
                raise _Outside
            current = []
            docs.append(current)
            continue
        if line.startswith(("%", "...")):
            raise _Outside
        body = line.lstrip(" ")
        if not body or body.startswith("#"):
            continue
        if current is None:
            current = []
            docs.append(current)
        current.append((len(line) - len(body), body.rstrip(" ")))
    return docs


# `key: |` or `key: |-` (or `- key: |`), a literal block scalar: clip (one final newline) or strip
# (none). Its lines follow, more indented than its key.
_LITERAL = re.compile(r"( *)((?:- )?[A-Za-z_][A-Za-z0-9_./-]*):[ ]+\|(-?)")
_BLOCK = "\x00"  # never in the text (_UNSAFE): a block scalar's value follows it
_SPACES = re.compile(r" *")


def _literal(raw: list[str], at: int, header: re.Match[str]) -> tuple[str, int]:
    """The value of the literal block scalar whose header is ``header`` and whose lines start at
    raw[at], and where the lines after it start. Outside the subset: blank lines before its end, a
    first line not more indented than its key, a line between the key's indent and the block's,
    no final newline."""
    key_column = len(header.group(1)) + (2 if header.group(2).startswith("- ") else 0)
    if at >= len(raw) or not raw[at].strip(" "):
        raise _Outside  # an empty block, or leading blank lines (their indent rules)
    indent = len(_SPACES.match(raw[at]).group())  # type: ignore[union-attr]
    if indent <= key_column:
        raise _Outside
    lines = []
    while at < len(raw) and raw[at].strip(" ") and len(raw[at]) - len(raw[at].lstrip(" ")) >= indent:
        lines.append(raw[at][indent:])
        at += 1
    if at >= len(raw):
        raise _Outside  # no newline after the last line: ruamel keeps none
    after = at
    while after < len(raw) and not raw[after].strip(" "):
        if raw[after]:
            raise _Outside  # a line of spaces after the block: YAML may keep them in its value
        after += 1
    rest = raw[after] if after < len(raw) else None
    if rest is not None and len(rest) - len(rest.lstrip(" ")) > key_column:
        raise _Outside  # a blank line inside the block, or a line indented between the key and the block
    return "\n".join(lines) + ("" if header.group(3) else "\n"), at


def _document(lines: list[tuple[int, str]]) -> Any:
    if not lines:
        return None
    value, end = _block(lines, 0, lines[0][0])
    if end != len(lines):
        raise _Outside
    return value


def _block(lines: list[tuple[int, str]], i: int, indent: int) -> tuple[Any, int]:
    if _dash(lines[i][1]):
        return _sequence(lines, i, indent)
    return _mapping(lines, i, indent)


def _dash(body: str) -> bool:
    return body == "-" or body.startswith("- ")


def _mapping(lines: list[tuple[int, str]], i: int, indent: int) -> tuple[dict[str, Any], int]:
    out: dict[str, Any] = {}
    while i < len(lines) and lines[i][0] == indent and not _dash(lines[i][1]):
        match = _KEY_LINE.fullmatch(lines[i][1])
        if match is None or match.group(1) in out or match.group(1) in _TYPED:
            raise _Outside
        key, rest = match.group(1), match.group(2)
        i += 1
        if rest is not None and not rest.startswith("#"):
            out[key] = _scalar(rest)  # a deeper line after it (a continued scalar) ends the loop: outside
            continue
        if i < len(lines) and (lines[i][0] > indent or (lines[i][0] == indent and _dash(lines[i][1]))):
            out[key], i = _block(lines, i, lines[i][0])
        else:
            out[key] = None
    if i < len(lines) and lines[i][0] > indent:
        raise _Outside  # a scalar continued on the next line, or a stray indent
    return out, i


def _sequence(lines: list[tuple[int, str]], i: int, indent: int) -> tuple[list[Any], int]:
    out: list[Any] = []
    while i < len(lines) and lines[i][0] == indent and _dash(lines[i][1]):
        item = lines[i][1][2:]
        if not item or item.startswith((" ", "-", "#")):
            raise _Outside  # an empty item, a nested `- -`, or spaces that set another indent
        if _KEY_LINE.fullmatch(item):  # `- key: value`: a mapping whose keys stand where `key` does
            lines[i] = (indent + 2, item)
            value, i = _mapping(lines, i, indent + 2)
            out.append(value)
            continue
        out.append(_scalar(item))  # a deeper line after it ends the loop; the caller finds it outside
        i += 1
    return out, i


def _scalar(text: str) -> Any:
    """A one-line scalar after `key: ` or `- `: quoted (no escapes), or plain and typed as ruamel's
    YAML 1.2 resolver types it (floats and timestamps are left to ruamel); or a literal block scalar
    read by _documents."""
    first = text[0]
    if first == _BLOCK:
        return text[1:]
    if first == "'":
        single = _SINGLE.fullmatch(text)
        if single is None:
            raise _Outside
        return single.group(1).replace("''", "'")
    if first == '"':
        double = _DOUBLE.fullmatch(text)
        if double is None:
            raise _Outside
        return double.group(1)
    if first in _NOT_PLAIN_START and not (first == "-" and len(text) > 1 and text[1] != " "):
        raise _Outside
    value = text.split(" #", 1)[0].rstrip(" ")
    if ": " in value or value.endswith(":"):
        raise _Outside
    if value in _TYPED:
        return _TYPED[value]
    if value in ("<<", "="):
        raise _Outside
    if first in "-+.0123456789":
        if _FLOAT.fullmatch(value) or _TIMESTAMP.fullmatch(value):
            raise _Outside
        if _INTEGER.fullmatch(value):
            return _integer(value)
    return value


def _integer(value: str) -> int:
    """ruamel's construct_yaml_int for YAML 1.2: underscores dropped, a sign, 0b/0o/0x, else decimal
    (a leading zero is not octal in 1.2)."""
    digits = value.replace("_", "")
    sign = -1 if digits[:1] == "-" else 1
    digits = digits[1:] if digits[:1] in ("-", "+") else digits
    try:
        for prefix, base in (("0b", 2), ("0x", 16), ("0o", 8)):
            if digits.startswith(prefix):
                return sign * int(digits[2:], base)
        return sign * int(digits)
    except ValueError:
        raise _Outside from None  # ruamel fails on it too, and says so


# ruamel's YAML 1.2 implicit resolvers for numbers and times (ruamel/yaml/resolver.py), verbatim.
_FLOAT = re.compile(r"""(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))""", re.X)
_INTEGER = re.compile(r"""(?:[-+]?0b[0-1_]+
        |[-+]?0o?[0-7_]+
        |[-+]?[0-9_]+
        |[-+]?0x[0-9a-fA-F_]+)""", re.X)
_TIMESTAMP = re.compile(r"""(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
        |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
        (?:[Tt]|[ \t]+)[0-9][0-9]?
        :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
        (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)""", re.X)
