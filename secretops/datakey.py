"""The sops data key: unwrap it from age stanzas with pyrage and prove it against the MAC."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable

from secretops.agekeys import Identity, Keyring
from secretops.errors import AgeKeyError
from secretops.sopsmeta import SopsMeta

_ENC = re.compile(r"^ENC\[AES256_GCM,data:([^,]*),iv:([^,]+),tag:([^,]+),type:(\w+)\]$")


_KNOWN: dict[tuple[str, str], bytes] = {}  # (mac, lastmodified) -> data key, in memory for this run


def _ring(identities: Iterable[Identity]) -> dict[str, Identity]:
    if isinstance(identities, Keyring):
        return identities.by_public
    return {i.public: i for i in identities if not i.post_quantum}


def unwrap(meta: SopsMeta, identities: Iterable[Identity], rel: str) -> bytes:
    """Decrypt the data key with any usable identity and check it against the file's MAC."""
    memo = (meta.mac or "", meta.lastmodified or "")
    by_public = _ring(identities)
    if memo in _KNOWN and any(r in by_public for r, _ in meta.age_stanzas):
        return _KNOWN[memo]
    for recipient, enc in meta.age_stanzas:
        ident = by_public.get(recipient)
        if ident is None:
            continue
        key = stanza_key(enc, ident)
        if key is not None and mac_matches(meta, key):
            if meta.mac:
                _KNOWN[memo] = key
            return key
    raise AgeKeyError(f"{rel}: none of your age keys can decrypt its data key",
                    hint="add the file's age key to ~/.config/sops/age/keys.txt or SOPS_AGE_KEY_FILE")


def stanza_key(enc: str, ident: Identity) -> bytes | None:
    """The data key as one identity sees it, or None if that identity cannot open the stanza."""
    import pyrage

    try:
        return bytes(pyrage.decrypt(enc.encode(), [ident.pyrage]))
    except Exception:
        return None


def mac_matches(meta: SopsMeta, key: bytes) -> bool:
    """True when ``key`` decrypts the MAC (AES-GCM, ``lastmodified`` as AAD): the real data key."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not meta.mac or not meta.lastmodified:
        return len(key) == 32
    match = _ENC.match(meta.mac)
    if not match:
        return False
    data, iv, tag = (base64.b64decode(g) for g in match.groups()[:3])
    try:
        AESGCM(key).decrypt(iv, data + tag, meta.lastmodified.encode())
    except (InvalidTag, ValueError):
        return False
    return True


def wrap(key: bytes, recipient: str) -> str:
    """The data key encrypted for one age recipient, ASCII-armored as sops stores it."""
    import pyrage

    try:
        rec = pyrage.x25519.Recipient.from_str(recipient)
    except Exception:
        raise AgeKeyError(f"{recipient} is not an age public key", hint="check .sops.yaml") from None
    return bytes(pyrage.encrypt(key, [rec], armored=True)).decode()


def decrypt_value(key: bytes, enc: str, path: list[str]) -> str:
    """One ``ENC[AES256_GCM,…]`` value, in memory; the AAD is the key path joined by ``:``."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    match = _ENC.match(enc)
    if not match:
        raise AgeKeyError("a value is not sops ciphertext", hint="restore the file from git")
    data, iv, tag = (base64.b64decode(g) for g in match.groups()[:3])
    aad = ("".join(f"{p}:" for p in path)).encode()
    try:
        return AESGCM(key).decrypt(iv, data + tag, aad).decode("utf-8")
    except (InvalidTag, ValueError, UnicodeDecodeError):
        raise AgeKeyError("a value could not be decrypted with the file's data key",
                        hint="the file may have been edited by hand; restore it from git") from None
