"""A fresh data key for a sops YAML file in-process, as `sops rotate` gives one.

Every value is re-encrypted with a new random data key, ``lastmodified`` is stamped anew, the MAC
(same plaintext digest) is sealed with the new key, and every age stanza wraps the new key (X25519
through pyrage, post-quantum through sops.pqage). The old data key then opens nothing in the file.

Used where sops cannot (sops 3.11 cannot wrap for ``age1pq1…`` recipients) and because it is fast.
The file's own MAC must be reproduced first; anything unusual (key groups, non-YAML, encrypted
comments, values the text does not show as written) raises ``Unsupported`` and the caller decides.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from secretops.sops import cipher, datakey, document, mac, rewrap
from secretops.sops.agekeys import Identity
from secretops.sops.rewrap import Unsupported

_VALUE = re.compile(r"ENC\[AES256_GCM,data:[^,\]]*,iv:[^,\]]+,tag:[^,\]]+,type:\w+\]")


def _leaves(node: Any, path: list[str]) -> Iterator[tuple[list[str], str]]:
    if isinstance(node, Mapping):
        for k, v in node.items():
            if not path and k == "sops":
                continue
            yield from _leaves(v, [*path, str(k)])
    elif isinstance(node, list):
        for item in node:
            yield from _leaves(item, path)
    elif cipher.is_value(node):
        yield path, node


def _kind(enc: str) -> str:
    return enc.rsplit("type:", 1)[1].rstrip("]")


def fresh_data_key(text: str, rel: str, identities: Iterable[Identity]) -> str:
    """``text`` with a new data key: every value re-encrypted, the MAC resealed, every stanza re-wrapped."""
    if document.kind_of(rel) != "yaml":
        raise Unsupported("not a YAML file")
    parsed = document.parse(rel, text.encode())
    meta = parsed.meta
    docs = [d for d in parsed.documents if d is not None]
    if parsed.error or meta is None or not parsed.encrypted:
        raise Unsupported("not a sops YAML file")
    if meta.uses_key_groups:
        raise Unsupported("key groups")
    old = datakey.unwrap(meta, identities, rel)
    try:
        digest = mac.compute(docs, old, meta)
    except cipher.NotCiphertext:
        raise Unsupported("a value does not open with the data key") from None
    if digest != datakey.stored_mac(meta, old):
        raise Unsupported("the MAC of this file is not reproduced in-process")
    leaves = [leaf for doc in docs for leaf in _leaves(doc, [])]
    spans = _value_spans(text, _sops_ranges(text))
    if [enc for _, enc in leaves] != [text[s:e] for s, e in spans]:
        raise Unsupported("the values in the text are not the values sops reads")
    new = os.urandom(32)
    out: list[str] = []
    last = 0
    for (path, enc), (start, end) in zip(leaves, spans):
        plain = cipher.open_value(old, enc, cipher.aad(path))
        out += [text[last:start], cipher.seal(new, plain, cipher.aad(path), _kind(enc))]
        last = end
    out.append(text[last:])
    body = "".join(out)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    sealed = cipher.seal(new, digest.encode(), stamp.encode())
    body, n1 = _in_blocks(body, r"^( +lastmodified:[ \t]*).*$", f'"{stamp}"')
    body, n2 = _in_blocks(body, r"^( +mac:[ \t]*)ENC\[.*$", sealed)
    blocks = sum(1 for m in parsed.metas if m is not None)
    if n1 != blocks or n2 != blocks:
        raise Unsupported("no lastmodified/mac line in each sops block")
    body = rewrap.rewrap_all(body, {r: datakey.wrap(new, r) for r in meta.recipients.age})
    _prove(body, rel, new, digest, meta.recipients.age)
    return body


def _sops_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges of the top-level ``sops:`` blocks."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    return [(starts[a], starts[b]) for a, b in rewrap.find_blocks(lines)]


def _value_spans(text: str, blocks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Where each ``ENC[…]`` value sits outside the sops blocks; a commented one is refused."""
    spans = []
    for match in _VALUE.finditer(text):
        if any(a <= match.start() < b for a, b in blocks):
            continue
        line_start = text.rfind("\n", 0, match.start()) + 1
        if "#" in text[line_start:match.start()]:
            raise Unsupported("an encrypted comment")
        spans.append((match.start(), match.end()))
    return spans


def _in_blocks(body: str, pattern: str, repl: str) -> tuple[str, int]:
    """Replace ``pattern``'s first match in each sops block only; (text, blocks changed)."""
    done = 0
    for a, b in reversed(_sops_ranges(body)):
        block, n = re.subn(pattern, lambda m: m.group(1) + repl, body[a:b], count=1, flags=re.M)
        body, done = body[:a] + block + body[b:], done + n
    return body, done


def _prove(body: str, rel: str, key: bytes, digest: str, recipients: Iterable[str]) -> None:
    """The result lists the same recipients, its MAC opens with the new key and hashes to the same
    plaintext: nothing was lost in the rewrite."""
    parsed = document.parse(rel, body.encode())
    meta = parsed.meta
    if meta is None or set(meta.recipients.age) != set(recipients) or not parsed.encrypted:
        raise Unsupported("the re-keyed file lost its recipients")
    if mac.compute([d for d in parsed.documents if d is not None], key, meta) != digest or \
            datakey.stored_mac(meta, key) != digest:
        raise Unsupported("the re-keyed file does not hash to the same values")
