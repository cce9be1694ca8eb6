"""Post-quantum age identities for tests, as age 1.3 writes them: Bech32 (BIP 173) of a 32-byte
seed under the HRP `AGE-SECRET-KEY-PQ-`, upper case, 77 characters. The format was checked
against the reference implementation (npm `age-encryption` 0.3.1, `generateHybridIdentity()`):
its identities decode here with a valid checksum and a 32-byte payload."""

from __future__ import annotations

import secrets

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
HRP = "age-secret-key-pq-"
_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _polymod(values: list[int]) -> int:
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            chk ^= _GEN[i] if (top >> i) & 1 else 0
    return chk


def _expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _bits(data: bytes) -> list[int]:
    acc = bits = 0
    out = []
    for byte in data:
        acc, bits = acc << 8 | byte, bits + 8
        while bits >= 5:
            bits -= 5
            out.append(acc >> bits & 31)
    if bits:
        out.append(acc << (5 - bits) & 31)
    return out


def encode(hrp: str, data: bytes) -> str:
    words = _bits(data)
    checksum = _polymod(_expand(hrp) + words + [0] * 6) ^ 1
    words += [checksum >> 5 * (5 - i) & 31 for i in range(6)]
    return (hrp + "1" + "".join(CHARSET[w] for w in words)).upper()


def decode(text: str) -> tuple[str, bytes]:
    """(hrp, payload) of a Bech32 string; ValueError when its checksum is wrong."""
    lowered = text.lower()
    hrp, _sep, rest = lowered.rpartition("1")
    words = [CHARSET.index(c) for c in rest]
    if _polymod(_expand(hrp) + words) != 1:
        raise ValueError("bad checksum")
    acc = bits = 0
    out = bytearray()
    for word in words[:-6]:
        acc, bits = acc << 5 | word, bits + 5
        if bits >= 8:
            bits -= 8
            out.append(acc >> bits & 0xFF)
    return hrp, bytes(out)


def identity() -> str:
    """A fresh PQ identity (a random seed: a valid key that protects nothing)."""
    return encode(HRP, secrets.token_bytes(32))


def recipient() -> str:
    """A PQ recipient's shape: ML-KEM-768's encapsulation key and an X25519 share (1,216 bytes),
    Bech32 under `age1pq`, lower case, 1,959 characters (as identityToRecipient() returns)."""
    return encode("age1pq", secrets.token_bytes(1216)).lower()
