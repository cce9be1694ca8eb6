"""Set or remove single values of a sops YAML file in-process, as `sops set`/`unset` would.

The edit is only made after recomputing the file's MAC from its own values reproduces the MAC
stored in it: that proves the hashing rules match this file. Otherwise ``Unsupported`` is raised
and the caller runs the real sops. Only the edited lines, ``lastmodified`` and ``mac`` change.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from secretops import datakey, sopsfile
from secretops.agekeys import Identity
from secretops.rewrap import Unsupported
from secretops.sopsmeta import SopsMeta

_ENC = "ENC[AES256_GCM,"


def _seal(key: bytes, plaintext: bytes, aad: bytes, kind: str = "str") -> str:
    """sops's value format: AES-256-GCM with a 32-byte IV, each part base64."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    iv = os.urandom(32)
    sealed = AESGCM(key).encrypt(iv, plaintext, aad)
    parts = (base64.b64encode(p).decode() for p in (sealed[:-16], iv, sealed[-16:]))
    return "ENC[AES256_GCM,data:{},iv:{},tag:{},type:".format(*parts) + kind + "]"


def encrypt_value(key: bytes, plaintext: bytes, path: list[str], kind: str = "str") -> str:
    return _seal(key, plaintext, "".join(f"{p}:" for p in path).encode(), kind)


def _raw(key: bytes, enc: str, path: list[str]) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    match = datakey._ENC.match(enc)
    if not match:
        raise Unsupported("not sops ciphertext")
    data, iv, tag = (base64.b64decode(g) for g in match.groups()[:3])
    return AESGCM(key).decrypt(iv, data + tag, "".join(f"{p}:" for p in path).encode())


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
    elif isinstance(node, str) and node.startswith(_ENC):
        yield _raw(key, node, path)
    elif node is None or node == "":
        return
    elif not only_encrypted:
        yield _leaf_bytes(node)


def compute_mac(docs: Iterable[Any], key: bytes, meta: SopsMeta) -> str:
    digest = hashlib.sha512()
    for doc in docs:
        for chunk in _walk(doc, [], key, meta.encryption.mac_only_encrypted):
            digest.update(chunk)
    return digest.hexdigest().upper()


def _stored_mac(meta: SopsMeta, key: bytes) -> str:
    if not meta.mac or not meta.lastmodified:
        raise Unsupported("no MAC")
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    match = datakey._ENC.match(meta.mac)
    if not match:
        raise Unsupported("unreadable MAC")
    data, iv, tag = (base64.b64decode(g) for g in match.groups()[:3])
    return AESGCM(key).decrypt(iv, data + tag, meta.lastmodified.encode()).decode()


def _field_lines(lines: list[str], fld: str) -> tuple[int, int, str]:
    """(first child line, end, child indent) of a top-level mapping like ``stringData:``."""
    start = next((i for i, ln in enumerate(lines) if re.match(rf"^{re.escape(fld)}:\s*$", ln)), None)
    if start is None:
        raise Unsupported(f"no top-level {fld}")
    end = start + 1
    while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
        end += 1
    indent = next((ln[: len(ln) - len(ln.lstrip())] for ln in lines[start + 1:end] if ln.strip()), "    ")
    return start + 1, end, indent


def edit(text: str, rel: str, identities: Iterable[Identity], changes: Mapping[tuple[str, str], str | None],
         encode_data: bool = True) -> str:
    """Apply {(field, name): plaintext or None to remove} to a single-document sops YAML file.

    With ``encode_data``, values for ``data`` are base64-encoded first (a key file's text); without,
    they are stored as given (they are base64 already, as in a clear Secret)."""
    parsed = sopsfile.parse(rel, text.encode())
    meta = parsed.meta
    docs = [d for d in parsed.documents if d is not None]
    if meta is None or len(docs) != 1 or meta.uses_key_groups:
        raise Unsupported("only single-document files without key groups")
    key = datakey.unwrap(meta, identities, rel)
    if compute_mac(docs, key, meta) != _stored_mac(meta, key):
        raise Unsupported("the MAC rules of this file are not reproduced in-process")
    lines = text.splitlines(keepends=True)
    for (fld, name), value in changes.items():
        first, end, indent = _field_lines(lines, fld)
        row = next((i for i in range(first, end) if re.match(rf"^{indent}[\"']?{re.escape(name)}[\"']?:", lines[i])),
                   None)
        if value is None:
            if row is not None:
                del lines[row]
            continue
        raw = base64.b64encode(value.encode()) if fld == "data" and encode_data else value.encode()
        new = f"{indent}{name}: {encrypt_value(key, raw, [fld, name])}\n"
        if row is None:
            last = max((i for i in range(first, end) if lines[i].strip()), default=first - 1)
            lines.insert(last + 1, new)
        else:
            lines[row] = new
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = "".join(lines)
    reparsed = sopsfile.parse(rel, body.encode())
    mac_hex = compute_mac([d for d in reparsed.documents if d is not None], key, meta)
    mac = _seal(key, mac_hex.encode(), stamp.encode())
    body, n1 = re.subn(r"^(\s+lastmodified:\s*).*$", lambda m: f'{m.group(1)}"{stamp}"', body, count=1, flags=re.M)
    body, n2 = re.subn(r"^(\s+mac:\s*).*$", lambda m: m.group(1) + mac, body, count=1, flags=re.M)
    if n1 != 1 or n2 != 1:
        raise Unsupported("no lastmodified/mac lines")
    return body
