"""Set or remove single values of a sops YAML file in-process, as `sops set`/`unset` would.

The edit is only made after recomputing the file's MAC from its own values reproduces the MAC
stored in it: that proves the hashing rules match this file. Otherwise ``Unsupported`` is raised
and the caller runs the real sops. Only the edited lines, ``lastmodified`` and ``mac`` change.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Iterable, Mapping

from secretops.sops import cipher, datakey, document, mac
from secretops.sops.agekeys import Identity
from secretops.sops.metadata import SopsMeta
from secretops.sops.rewrap import Unsupported


def encrypt_value(key: bytes, plaintext: bytes, path: list[str], kind: str = "str") -> str:
    return cipher.seal(key, plaintext, cipher.aad(path), kind)


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
    key, meta = opened(text, rel, identities)
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
    return restamp("".join(lines), rel, key, meta)


def opened(text: str, rel: str, identities: Iterable[Identity]) -> tuple[bytes, SopsMeta]:
    """The data key and metadata of a single-document file without key groups, once recomputing
    its MAC from its own values reproduces the stored one (the hashing rules match this file)."""
    parsed = document.parse(rel, text.encode())
    meta = parsed.meta
    docs = [d for d in parsed.documents if d is not None]
    if meta is None or len(docs) != 1 or meta.uses_key_groups:
        raise Unsupported("only single-document files without key groups")
    key = datakey.unwrap(meta, identities, rel)
    try:
        reproduced = mac.compute(docs, key, meta) == datakey.stored_mac(meta, key)
    except cipher.NotCiphertext:
        raise Unsupported("a value does not open with the data key") from None
    if not reproduced:
        raise Unsupported("the MAC rules of this file are not reproduced in-process")
    return key, meta


def restamp(body: str, rel: str, key: bytes, meta: SopsMeta) -> str:
    """``lastmodified`` set to now and ``mac`` recomputed over the edited values, as sops does."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    reparsed = document.parse(rel, body.encode())
    mac_hex = mac.compute([d for d in reparsed.documents if d is not None], key, meta)
    sealed_mac = cipher.seal(key, mac_hex.encode(), stamp.encode())
    block = list(re.finditer(r"^sops:[ \t]*$", body, re.M))  # only the sops block's lines: a value may be
    if len(block) != 1:                                        # named lastmodified or mac too
        raise Unsupported("not one top-level sops block")
    head, tail = body[: block[0].start()], body[block[0].start():]
    tail, n1 = re.subn(r"^(\s+lastmodified:\s*).*$", lambda m: f'{m.group(1)}"{stamp}"', tail, count=1, flags=re.M)
    tail, n2 = re.subn(r"^(\s+mac:\s*).*$", lambda m: m.group(1) + sealed_mac, tail, count=1, flags=re.M)
    if n1 != 1 or n2 != 1:
        raise Unsupported("no lastmodified/mac lines")
    return head + tail
