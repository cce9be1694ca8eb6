"""Prove, in memory, that a sops file is whole before anything is written for it: UTF-8 text,
valid YAML without duplicate keys, sane metadata, a data key that opens, every value that opens,
and the MAC reproduced. Each failure names the file and the real cause, never a value."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from secretops.errors import InputError
from secretops.sops import cipher, datakey, document, mac
from secretops.sops.agekeys import Keyring
from secretops.sops.rewrap import Unsupported

_FIX = "restore it from git (`git checkout -- FILE`), then run the command again"


def problem_in_metadata(sops: Any) -> str | None:
    """What is wrong with a ``sops:`` mapping's scalar fields, or None."""
    if not isinstance(sops, Mapping):
        return "its sops metadata is not a mapping"
    for name, types in (("version", (str, int, float)), ("mac", (str,)), ("lastmodified", (str, datetime))):
        if name in sops and not isinstance(sops[name], types):
            return f"its sops metadata field `{name}` is not a single value"
    if not cipher.is_value(sops.get("mac")):
        return "its sops metadata has no MAC"
    return None


def check(rel: str, data: bytes, ids: Keyring) -> bool:
    """Raise InputError/AgeKeyError with the real cause; True when proven in memory, False when only
    sops itself can prove it (key groups, stores other than YAML, unusual values)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{rel} is not UTF-8 text (bad byte at offset {exc.start})", hint=_FIX) from None
    parsed = document.parse(rel, data)
    if parsed.error:
        raise InputError(f"{rel}: {parsed.error.removeprefix(rel + ': ')}", hint=_FIX)
    meta = parsed.meta
    if meta is None or not parsed.encrypted:
        raise InputError(f"{rel} is not (wholly) sops-encrypted", hint=f"encrypt it with `secretops encrypt {rel}`")
    for doc in parsed.documents:
        if isinstance(doc, Mapping) and "sops" in doc:
            why = problem_in_metadata(doc["sops"])
            if why:
                raise InputError(f"{rel}: {why}", hint=_FIX)
    if meta.uses_key_groups or parsed.format != "yaml" or len([d for d in parsed.documents if d]) != 1:
        return False
    key = datakey.unwrap(meta, ids, rel)
    try:
        reproduced = mac.compute([d for d in parsed.documents if d is not None], key, meta)
    except cipher.NotCiphertext:
        raise InputError(f"{rel}: a value does not decrypt with the file's data key (its ciphertext was changed)",
                         hint=_FIX) from None
    except Unsupported:
        return False
    if reproduced != datakey.stored_mac(meta, key):
        raise InputError(f"{rel}: MAC mismatch, the file was changed by hand", hint=_FIX)
    return True
