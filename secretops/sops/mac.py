"""sops's MAC: SHA-512 over every leaf in document order (plaintext of encrypted leaves, the raw
value of clear ones; only encrypted leaves with ``mac_only_encrypted``), uppercase hex."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from secretops.sops import cipher
from secretops.sops.metadata import SopsMeta
from secretops.sops.rewrap import Unsupported


def _raw(key: bytes, enc: str, path: list[str]) -> bytes:
    return cipher.open_value(key, enc, cipher.aad(path))  # NotCiphertext: tampered or not sops's


def _leaf_bytes(value: Any) -> bytes:
    """sops's ToBytes for values it left in plaintext."""
    if isinstance(value, bool):
        return b"True" if value else b"False"
    if isinstance(value, int | str):
        return str(value).encode()
    raise Unsupported(f"a plaintext {type(value).__name__} value")


def _walk(node: Any, path: list[str], key: bytes, only_encrypted: bool) -> Iterator[bytes]:
    """The leaves in document order, walked with a stack of iterators: a document nested 10,000
    levels deep (YAML allows it; sops encrypts it) is no recursion."""
    stack: list[tuple[Iterator[tuple[Any, Any]], list[str]]] = [(iter([(None, node)]), path)]
    while stack:
        items, where = stack[-1]
        step = next(items, None)
        if step is None:
            stack.pop()
            continue
        name, value = step
        here = where if name is None else [*where, name]
        if isinstance(value, Mapping):
            pairs = [(str(k), v) for k, v in value.items() if here or k != "sops"]
            stack.append((iter(pairs), here))
        elif isinstance(value, list):
            stack.append((iter([(None, item) for item in value]), here))
        elif cipher.is_value(value):
            yield _raw(key, value, here)
        elif value is None or value == "":
            continue
        elif not only_encrypted:
            yield _leaf_bytes(value)


def compute(docs: Iterable[Any], key: bytes, meta: SopsMeta) -> str:
    digest = hashlib.sha512()
    for doc in docs:
        for chunk in _walk(doc, [], key, meta.encryption.mac_only_encrypted):
            digest.update(chunk)
    return digest.hexdigest().upper()
