"""Which values a sops file's own metadata says must be encrypted, exactly as sops decides."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from secretops.sops import regex
from secretops.sops.cipher import PREFIX as ENC_PREFIX

if TYPE_CHECKING:
    from secretops.sops.metadata import Encryption


def should_encrypt(path: list[str], enc: Encryption) -> bool:
    """sops's rule, applied to the map keys on the way to a value (list indices do not count)."""
    option, value = enc.option, enc.value or ""
    if option == "encrypted_regex":
        return any(regex.search(value, k) for k in path)
    if option == "unencrypted_regex":
        return not any(regex.search(value, k) for k in path)
    if option == "encrypted_suffix":
        return any(k.endswith(value) for k in path)
    suffix = value if option == "unencrypted_suffix" else "_unencrypted"
    if option in ("encrypted_comment_regex", "unencrypted_comment_regex"):
        return option == "unencrypted_comment_regex"  # comments decide; handled in plaintext_lines
    return not any(k.endswith(suffix) for k in path)


def would_encrypt(doc: Any, text: str, enc: Encryption) -> bool:
    """sops, given this plaintext document and these options, would encrypt at least one value: a
    value its key path selects (`encrypted_regex`, `unencrypted_regex`, the suffixes), or one after a
    matching comment (`encrypted_comment_regex`). With `unencrypted_comment_regex`, any value but
    those after a matching comment: read as any value (fail closed)."""
    if enc.option == "encrypted_comment_regex":
        return next(commented_plaintext(text, enc), None) is not None
    if enc.option == "unencrypted_comment_regex":
        enc = enc._replace(option=None, value=None)
    return next(_walk(doc, [], enc, top=True), None) is not None


def plaintext_values(doc: Any, enc: Encryption) -> Iterator[tuple[list[str], str]]:
    """(key path, value) for every value that should be ciphertext but is not."""
    if enc.option in ("encrypted_comment_regex", "unencrypted_comment_regex"):
        return  # decided by comments, see commented_plaintext
    yield from _walk(doc, [], enc, top=True)


def _walk(node: Any, path: list[str], enc: Encryption, top: bool = False) -> Iterator[tuple[list[str], str]]:
    """Every scalar with its key path, in document order; iterative, so that no nesting depth (a
    hostile file of 10,000 levels) can exhaust Python's stack."""
    stack: list[tuple[Any, list[str], bool]] = [(node, path, top)]
    while stack:
        item, at, first = stack.pop()
        if isinstance(item, Mapping):
            stack.extend((value, [*at, str(key)], False) for key, value in reversed(list(item.items()))
                         if not (first and key == "sops"))
        elif isinstance(item, list):
            stack.extend((value, at, False) for value in reversed(item))
        elif item is None or item == "":
            continue  # sops leaves nulls and empty strings as they are
        elif should_encrypt(at, enc) and not (isinstance(item, str) and item.startswith(ENC_PREFIX)):
            yield at, str(item)


_KEY_LINE = re.compile(r"^\s*(?:-\s+)?[\"']?[^:#\"']+[\"']?:\s*(?P<value>.*?)\s*$")


def commented_plaintext(text: str, enc: Encryption) -> Iterator[tuple[int, str]]:
    """With ``encrypted_comment_regex``, the value after a matching comment must be encrypted."""
    if enc.option != "encrypted_comment_regex" or not enc.value:
        return
    lines = text.splitlines()
    for n, line in enumerate(lines[:-1]):
        stripped = line.strip()
        if stripped.startswith("#") and regex.search(enc.value, stripped[1:].strip()):
            match = _KEY_LINE.match(lines[n + 1])
            value = match.group("value") if match else ""
            if value and not value.startswith(ENC_PREFIX) and value not in ("|", ">", "null", "~", '""', "''"):
                yield n + 2, value
