"""age's hybrid post-quantum keys in-process: ``AGE-SECRET-KEY-PQ-1…`` identities, ``age1pq1…``
recipients and the ``mlkem768x25519`` stanza (age 1.3, C2SP age; reference: npm age-encryption).

- The identity is a 32-byte seed, Bech32 with the HRP ``AGE-SECRET-KEY-PQ-`` (upper case).
  SHAKE256(seed, 96) gives the ML-KEM-768 seed (64 bytes, d||z) and the X25519 scalar (32).
- The recipient is the 1,216-byte MLKEM768-X25519 public key (ML-KEM-768 key, then the X25519
  point), Bech32 with the HRP ``age1pq``, without Bech32's 90-character limit.
- The stanza is ``-> mlkem768x25519 <enc>`` with the file key sealed by HPKE (base mode, KEM
  MLKEM768-X25519, HKDF-SHA256, ChaCha20-Poly1305, info ``age-encryption.org/mlkem768x25519``).

sops stores its 32-byte data key as an armored age file per recipient; ``wrap`` writes such a
file for one PQ recipient and ``unwrap`` opens one. X25519 stanzas stay with pyrage. Secrets are
never put into exceptions: every failure is ``PQError`` with a fixed message.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.hpke import MLKEM768X25519PrivateKey, MLKEM768X25519PublicKey, Suite

IDENTITY_HRP = "AGE-SECRET-KEY-PQ-"
RECIPIENT_HRP = "age1pq"
STANZA = "mlkem768x25519"
LABEL = b"age-encryption.org/mlkem768x25519"
PUBLIC_LEN, ENC_LEN, SEED_LEN = 1216, 1120, 32
_VERSION = b"age-encryption.org/v1"
_ARMOR_BEGIN, _ARMOR_END = "-----BEGIN AGE ENCRYPTED FILE-----", "-----END AGE ENCRYPTED FILE-----"
_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


class PQError(ValueError):
    """A malformed PQ key, recipient or age file. The message never holds key material."""


# --- Bech32 (BIP 173; age uses Bech32, not Bech32m), without the 90-character limit ---

def _polymod(values: list[int]) -> int:
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _convert(data: bytes | list[int], frm: int, to: int, pad: bool) -> list[int]:
    acc = bits = 0
    out: list[int] = []
    for value in data:
        acc = (acc << frm) | value
        bits += frm
        while bits >= to:
            bits -= to
            out.append((acc >> bits) & ((1 << to) - 1))
    if pad and bits:
        out.append((acc << (to - bits)) & ((1 << to) - 1))
    elif not pad and (bits >= frm or (acc << (to - bits)) & ((1 << to) - 1)):
        raise PQError("invalid Bech32 padding")
    return out


def bech32_encode(hrp: str, data: bytes) -> str:
    """Lower-case Bech32 of ``data`` under ``hrp`` (the caller upper-cases identities)."""
    hrp = hrp.lower()
    words = _convert(data, 8, 5, True)
    poly = _polymod(_hrp_expand(hrp) + words + [0] * 6) ^ 1
    checksum = [(poly >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[w] for w in words + checksum)


def bech32_decode(text: str) -> tuple[str, bytes]:
    """(hrp in lower case, data); PQError for mixed case, a bad checksum or bad characters."""
    if text.lower() != text and text.upper() != text:
        raise PQError("mixed-case Bech32")
    text = text.lower()
    pos = text.rfind("1")
    if pos < 1 or pos + 7 > len(text):
        raise PQError("not Bech32")
    hrp, rest = text[:pos], text[pos + 1:]
    if any(not 33 <= ord(c) <= 126 for c in hrp) or any(c not in _CHARSET for c in rest):
        raise PQError("not Bech32")
    words = [_CHARSET.index(c) for c in rest]
    if _polymod(_hrp_expand(hrp) + words) != 1:
        raise PQError("bad Bech32 checksum")
    return hrp, bytes(_convert(words[:-6], 5, 8, False))


# --- keys ---

def _seed_of(identity: str) -> bytes:
    try:
        hrp, seed = bech32_decode(identity.strip())
    except PQError:
        raise PQError("a post-quantum age identity is malformed") from None
    if hrp != IDENTITY_HRP.lower() or len(seed) != SEED_LEN or not identity.strip().startswith(IDENTITY_HRP + "1"):
        raise PQError("a post-quantum age identity is malformed")
    return seed


def _private_key(seed: bytes) -> MLKEM768X25519PrivateKey:
    from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
    from cryptography.hazmat.primitives.hpke import MLKEM768X25519PrivateKey

    expanded = hashlib.shake_256(seed).digest(96)
    return MLKEM768X25519PrivateKey(mlkem.MLKEM768PrivateKey.from_seed_bytes(expanded[:64]),
                                    x25519.X25519PrivateKey.from_private_bytes(expanded[64:]))


@functools.lru_cache(maxsize=64)  # one command opens thousands of stanzas with the same few identities
def _identity_key(identity: str) -> MLKEM768X25519PrivateKey:
    return _private_key(_seed_of(identity))


def _public_bytes(seed: bytes) -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import mlkem, x25519

    expanded = hashlib.shake_256(seed).digest(96)
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    pq = mlkem.MLKEM768PrivateKey.from_seed_bytes(expanded[:64]).public_key().public_bytes(*raw)
    ec = x25519.X25519PrivateKey.from_private_bytes(expanded[64:]).public_key().public_bytes(*raw)
    return pq + ec


def generate() -> tuple[str, str]:
    """A new identity: (recipient, identity). Only the caller decides where the identity goes."""
    seed = os.urandom(SEED_LEN)
    return bech32_encode(RECIPIENT_HRP, _public_bytes(seed)), bech32_encode(IDENTITY_HRP, seed).upper()


@functools.lru_cache(maxsize=1024)  # key files and key Secrets are parsed again and again in one command
def recipient_of(identity: str) -> str:
    """The ``age1pq1…`` recipient of an ``AGE-SECRET-KEY-PQ-1…`` identity."""
    return bech32_encode(RECIPIENT_HRP, _public_bytes(_seed_of(identity)))


def is_identity(text: str) -> bool:
    return text.startswith(IDENTITY_HRP + "1")


def is_recipient(text: str) -> bool:
    """A hybrid recipient (about 1,960 characters); a 62-character X25519 key may start ``age1pq`` too."""
    return text.startswith(RECIPIENT_HRP + "1") and len(text) > 62


@functools.lru_cache(maxsize=256)  # a rotation wraps for the same few recipients thousands of times
def _public_key(recipient: str) -> MLKEM768X25519PublicKey:
    from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
    from cryptography.hazmat.primitives.hpke import MLKEM768X25519PublicKey

    try:
        hrp, raw = bech32_decode(recipient)
    except PQError:
        raise PQError("a post-quantum age recipient is malformed") from None
    if hrp != RECIPIENT_HRP or len(raw) != PUBLIC_LEN or not recipient.startswith(RECIPIENT_HRP + "1"):
        raise PQError("a post-quantum age recipient is malformed")
    try:
        return MLKEM768X25519PublicKey(mlkem.MLKEM768PublicKey.from_public_bytes(raw[:1184]),
                                       x25519.X25519PublicKey.from_public_bytes(raw[1184:]))
    except ValueError:
        raise PQError("a post-quantum age recipient is malformed") from None


def _suite() -> Suite:
    from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite

    return Suite(KEM.MLKEM768_X25519, KDF.HKDF_SHA256, AEAD.CHACHA20_POLY1305)


# --- the age file (header, MAC, STREAM payload) and its armor ---

def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    if _b64(raw) != text:
        raise PQError("non-canonical base64 in an age header")
    return raw


def _hkdf(ikm: bytes, salt: bytes, info: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(hashes.SHA256(), 32, salt or None, info).derive(ikm)


def _payload(file_key: bytes, nonce: bytes, data: bytes, seal: bool) -> bytes:
    """age's STREAM for a payload of one chunk (sops data keys are 32 bytes)."""
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    aead = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload"))
    counter = b"\x00" * 11 + b"\x01"  # chunk 0, the last one
    return aead.encrypt(counter, data, None) if seal else aead.decrypt(counter, data, None)


def _armor(data: bytes) -> str:
    text = base64.b64encode(data).decode()
    return "\n".join([_ARMOR_BEGIN, *(text[i:i + 64] for i in range(0, len(text), 64)), _ARMOR_END]) + "\n"


def _dearmor(text: str) -> bytes:
    lines = text.strip().splitlines()
    if len(lines) < 3 or lines[0].strip() != _ARMOR_BEGIN or lines[-1].strip() != _ARMOR_END:
        raise PQError("not an armored age file")
    try:
        return base64.b64decode("".join(line.strip() for line in lines[1:-1]), validate=True)
    except ValueError:
        raise PQError("not an armored age file") from None


def wrap(plaintext: bytes, recipients: list[str]) -> str:
    """An armored age file of ``plaintext`` (one chunk, at most 64 KiB) for PQ ``recipients``."""
    if len(plaintext) > 65536:
        raise PQError("payload too large for one chunk")
    file_key = os.urandom(16)
    suite = _suite()
    header = _VERSION + b"\n"
    for recipient in recipients:
        sealed = suite.encrypt(file_key, _public_key(recipient), info=LABEL)
        enc, body = sealed[:ENC_LEN], sealed[ENC_LEN:]
        header += f"-> {STANZA} {_b64(enc)}\n".encode() + _body_lines(body)
    header += b"---"
    mac = hmac.new(_hkdf(file_key, b"", b"header"), header, hashlib.sha256).digest()
    nonce = os.urandom(16)
    return _armor(header + b" " + _b64(mac).encode() + b"\n" + nonce + _payload(file_key, nonce, plaintext, True))


def _body_lines(body: bytes) -> bytes:
    text = _b64(body)
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    if not lines or len(lines[-1]) == 64:
        lines.append("")  # the last line of a stanza body is always shorter than 64 columns
    return "".join(f"{line}\n" for line in lines).encode()


def _parse(data: bytes) -> tuple[list[tuple[list[str], bytes]], bytes, bytes, bytes]:
    """(stanzas as (args, body), header bytes up to '---', header MAC, rest) of a binary age file."""
    pos = data.find(b"\n")
    if data[:pos] != _VERSION:
        raise PQError("not an age v1 file")
    pos += 1
    stanzas: list[tuple[list[str], bytes]] = []
    while True:
        end = data.find(b"\n", pos)
        if end < 0:
            raise PQError("truncated age header")
        line = data[pos:end].decode("ascii", "strict")
        if line.startswith("--- "):
            return stanzas, data[:pos + 3], _unb64(line[4:]), data[end + 1:]
        if not line.startswith("-> "):
            raise PQError("malformed age header")
        args = line[3:].split(" ")
        pos = end + 1
        body = ""
        while True:
            end = data.find(b"\n", pos)
            if end < 0:
                raise PQError("truncated age header")
            chunk = data[pos:end].decode("ascii", "strict")
            pos = end + 1
            body += chunk
            if len(chunk) < 64:
                break
        stanzas.append((args, _unb64(body)))


def unwrap(armored: str, identity: str) -> bytes | None:
    """The plaintext of an armored age file if ``identity`` opens one of its mlkem768x25519
    stanzas; None if it holds none for this identity; PQError if the file is malformed."""
    from cryptography.exceptions import InvalidTag

    try:
        stanzas, header, mac, rest = _parse(_dearmor(armored))
    except (UnicodeDecodeError, ValueError) as exc:
        raise PQError(str(exc) if isinstance(exc, PQError) else "malformed age header") from None
    key = _identity_key(identity)
    suite = _suite()
    for args, body in stanzas:
        if args[0] != STANZA:
            continue
        if len(args) != 2 or len(body) != 32:
            raise PQError("invalid mlkem768x25519 stanza")
        enc = _unb64(args[1])
        if len(enc) != ENC_LEN:
            raise PQError("invalid mlkem768x25519 stanza")
        try:
            file_key = suite.decrypt(enc + body, key, info=LABEL)
        except InvalidTag:  # another recipient's stanza
            file_key = None
        if file_key is None:
            continue
        if not hmac.compare_digest(hmac.new(_hkdf(file_key, b"", b"header"), header, hashlib.sha256).digest(), mac):
            raise PQError("the age header's MAC does not match")
        if len(rest) < 16 + 16:
            raise PQError("truncated age payload")
        try:
            return _payload(file_key, rest[:16], rest[16:], False)
        except InvalidTag:
            raise PQError("the age payload does not open") from None
    return None
