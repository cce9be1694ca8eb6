"""Blank out what is never a secret before any pattern or entropy test, keeping offsets."""

from __future__ import annotations

import functools
import re

_PATTERNS = [
    (r"ENC\[AES256_GCM,[^\]]*\]"),  # sops ciphertext
    (r"-----BEGIN AGE ENCRYPTED FILE-----[\s\S]*?-----END AGE ENCRYPTED FILE-----"),
    (r"\bage1(?:pq)?[0-9a-z]{58,}\b"),  # age recipients (public keys)
    (r"-----BEGIN (?:CERTIFICATE|PUBLIC KEY|RSA PUBLIC KEY|PGP PUBLIC KEY BLOCK|X509 CRL"
     r"|CERTIFICATE REQUEST)-----[\s\S]*?-----END [A-Z0-9 ]+-----"),
    (r"\b(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp\d+|sk-ssh-ed25519@openssh\.com) AAAA[0-9A-Za-z+/=]+"),
    (r"\b(?:sha1|sha256|sha384|sha512|md5|blake2b)[:=-][0-9a-fA-F]{32,}\b"),  # digests
    (r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),  # UUIDs
]
_SOPS = [r"^sops:[ \t]*\n(?:(?:[ \t]+.*|[ \t]*)\n?)*",  # the YAML metadata block
         r'^\s*"sops":\s*\{[\s\S]*?^\s*\}', r"^sops_[A-Za-z0-9_]+=.*$"]
_SEALED = r"^([ \t]*)encryptedData:[ \t]*\n(?:\1[ \t]+.*\n?)*"  # SealedSecret ciphertext


@functools.cache
def _compiled() -> tuple[list[re.Pattern[str]], list[re.Pattern[str]], re.Pattern[str]]:
    """Compiled on first use: a clean commit never needs them."""
    return ([re.compile(p) for p in _PATTERNS], [re.compile(p, re.M) for p in _SOPS],
            re.compile(_SEALED, re.M))


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def masked_spans(text: str, uuids: bool = True) -> list[tuple[int, int]]:
    """Spans that are never secrets; computed only for files that have a candidate. Without
    ``uuids``, a UUID is not masked (under a secret-like key it is a token: a Splunk HEC token)."""
    spans: list[tuple[int, int]] = []
    plain, sops, sealed = _compiled()
    pats = [*plain] if uuids else plain[:-1]
    if "sops" in text:
        pats += sops
    if "encryptedData" in text:
        pats.append(sealed)
    for pattern in pats:
        spans += [(m.start(), m.end()) for m in pattern.finditer(text)]
    return spans


def inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def mask(text: str, sops_metadata: bool = True) -> str:
    """``text`` with ciphertext, sops metadata, recipients, certificates, digests and UUIDs blanked.
    Without ``sops_metadata``, a `sops:` block stays: no private key belongs in one, and a
    top-level `sops:` key in a plain file must not hide one."""
    plain, sops, sealed = _compiled()
    if sops_metadata and "sops" in text:
        for pattern in sops:
            text = pattern.sub(_blank, text)
    if "encryptedData" in text:
        text = sealed.sub(_blank, text)
    for pattern in plain:
        text = pattern.sub(_blank, text)
    return text
