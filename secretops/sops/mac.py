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
    if isinstance(node, Mapping):
        for k, v in node.items():
            if not path and k == "sops":
                continue
            yield from _walk(v, [*path, str(k)], key, only_encrypted)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, path, key, only_encrypted)
    elif cipher.is_value(node):
        yield _raw(key, node, path)
    elif node is None or node == "":
        return
    elif not only_encrypted:
        yield _leaf_bytes(node)


def compute(docs: Iterable[Any], key: bytes, meta: SopsMeta) -> str:
    digest = hashlib.sha512()
    for doc in docs:
        for chunk in _walk(doc, [], key, meta.encryption.mac_only_encrypted):
            digest.update(chunk)
    return digest.hexdigest().upper()
