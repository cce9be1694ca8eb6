"""The sops data key: unwrap it from age stanzas with pyrage and prove it against the MAC."""

from __future__ import annotations

from collections.abc import Iterable

from secretops.errors import AgeKeyError
from secretops.sops import cipher
from secretops.sops.agekeys import Identity, Keyring
from secretops.sops.metadata import SopsMeta


def unwrap(meta: SopsMeta, identities: Iterable[Identity], rel: str) -> bytes:
    """Decrypt the data key with any usable identity and check it against the file's MAC.

    With a Keyring (one command's keys), keys already proven are remembered for that command only.
    """
    ring = identities if isinstance(identities, Keyring) else Keyring(identities)
    memo = (meta.mac or "", meta.lastmodified or "")
    if meta.mac and memo in ring.data_keys and any(r in ring.by_public for r, _ in meta.age_stanzas):
        return ring.data_keys[memo]
    for recipient, enc in meta.age_stanzas:
        ident = ring.by_public.get(recipient)
        if ident is None:
            continue
        key = stanza_key(enc, ident)
        if key is not None and mac_matches(meta, key):
            if meta.mac:
                ring.data_keys[memo] = key
            return key
    raise AgeKeyError(f"{rel}: none of your age keys can decrypt its data key",
                      hint="add the file's age key to ~/.config/sops/age/keys.txt or SOPS_AGE_KEY_FILE")


def stanza_key(enc: str, ident: Identity) -> bytes | None:
    """The data key as one identity sees it, or None if that identity cannot open the stanza."""
    if ident.post_quantum:
        from secretops.sops import pqage

        try:
            return pqage.unwrap(enc, ident.secret)
        except pqage.PQError:
            return None
    import pyrage

    try:
        return bytes(pyrage.decrypt(enc.encode(), [ident.pyrage]))
    except Exception:
        return None


def stored_mac(meta: SopsMeta, key: bytes) -> str | None:
    """The MAC's hex digest as stored in the file, or None if ``key`` does not open it."""
    if not meta.mac or not meta.lastmodified:
        return None
    try:
        return cipher.open_value(key, meta.mac, meta.lastmodified.encode()).decode("ascii", "replace")
    except cipher.NotCiphertext:
        return None


def mac_matches(meta: SopsMeta, key: bytes) -> bool:
    """True when ``key`` decrypts the MAC (AES-GCM, ``lastmodified`` as AAD): the real data key."""
    if not meta.mac or not meta.lastmodified:
        return len(key) == 32
    return stored_mac(meta, key) is not None


def wrap(key: bytes, recipient: str) -> str:
    """The data key encrypted for one age recipient, ASCII-armored as sops stores it."""
    from secretops.sops.agekeys import is_post_quantum_recipient

    if is_post_quantum_recipient(recipient):
        from secretops.sops import pqage

        try:
            return pqage.wrap(key, [recipient])
        except pqage.PQError:
            raise AgeKeyError("a post-quantum recipient is not an age1pq1 public key",
                              hint="check the age keys in .sops.yaml") from None
    import pyrage

    try:
        rec = pyrage.x25519.Recipient.from_str(recipient)
    except Exception:
        raise AgeKeyError("a recipient is not an age public key", hint="check the age keys in .sops.yaml") from None
    return bytes(pyrage.encrypt(key, [rec], armored=True)).decode()


def decrypt_value(key: bytes, enc: str, path: list[str]) -> str:
    """One ``ENC[AES256_GCM,…]`` value as text, in memory."""
    try:
        return cipher.open_value(key, enc, cipher.aad(path)).decode("utf-8")
    except (cipher.NotCiphertext, UnicodeDecodeError):
        raise AgeKeyError("a value could not be decrypted with the file's data key",
                          hint="the file may have been edited by hand; restore it from git") from None
