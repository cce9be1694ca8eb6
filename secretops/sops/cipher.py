"""sops values: ``ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]``, sealed and opened with the data key.

The one home of sops's AES-GCM format. The AAD of a value is its key path joined by ``:`` with a
trailing ``:`` (list indices are not part of it); the MAC's AAD is ``lastmodified``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

PREFIX = "ENC[AES256_GCM,"
_ENC = re.compile(r"^ENC\[AES256_GCM,data:([^,]*),iv:([^,]+),tag:([^,]+),type:(\w+)\]$")


class NotCiphertext(ValueError):
    """The text is not a sops value, or the key and AAD do not open it. Never carries the value."""


def aad(path: Sequence[str]) -> bytes:
    return "".join(f"{p}:" for p in path).encode()


def is_value(text: object) -> bool:
    return isinstance(text, str) and text.startswith(PREFIX)


def open_value(key: bytes, enc: str, associated: bytes) -> bytes:
    """The plaintext bytes of one sealed value; NotCiphertext if it is malformed or does not open."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    match = _ENC.match(enc)
    if not match:
        raise NotCiphertext("not a sops value")
    try:
        import base64

        data, iv, tag = (base64.b64decode(g) for g in match.groups()[:3])
        return AESGCM(key).decrypt(iv, data + tag, associated)
    except (InvalidTag, ValueError):
        raise NotCiphertext("the value does not open with this key") from None


def seal(key: bytes, plaintext: bytes, associated: bytes, kind: str = "str") -> str:
    """sops's value format: AES-256-GCM with a 32-byte IV, each part base64."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    iv = os.urandom(32)
    sealed = AESGCM(key).encrypt(iv, plaintext, associated)
    import base64

    parts = (base64.b64encode(p).decode() for p in (sealed[:-16], iv, sealed[-16:]))
    return "ENC[AES256_GCM,data:{},iv:{},tag:{},type:".format(*parts) + kind + "]"
