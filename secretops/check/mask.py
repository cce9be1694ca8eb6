"""Blank out what is never a secret before any pattern or entropy test, keeping offsets."""

from __future__ import annotations

import re

_PATTERNS = [
    re.compile(r"ENC\[AES256_GCM,[^\]]*\]"),  # sops ciphertext
    re.compile(r"-----BEGIN AGE ENCRYPTED FILE-----[\s\S]*?-----END AGE ENCRYPTED FILE-----"),
    re.compile(r"\bage1(?:pq)?[0-9a-z]{58,}\b"),  # age recipients (public keys)
    re.compile(r"-----BEGIN (?:CERTIFICATE|PUBLIC KEY|RSA PUBLIC KEY|PGP PUBLIC KEY BLOCK|X509 CRL"
               r"|CERTIFICATE REQUEST)-----[\s\S]*?-----END [A-Z0-9 ]+-----"),
    re.compile(r"\b(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp\d+|sk-ssh-ed25519@openssh\.com) AAAA[0-9A-Za-z+/=]+"),
    re.compile(r"\b(?:sha1|sha256|sha384|sha512|md5|blake2b)[:=-][0-9a-fA-F]{32,}\b"),  # digests
    re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),  # UUIDs
]
_SOPS_BLOCK = re.compile(r"^sops:[ \t]*\n(?:(?:[ \t]+.*|[ \t]*)\n?)*", re.M)  # YAML metadata block
_SOPS_JSON = re.compile(r'^\s*"sops":\s*\{[\s\S]*?^\s*\}', re.M)
_SEALED = re.compile(r"^([ \t]*)encryptedData:[ \t]*\n(?:\1[ \t]+.*\n?)*", re.M)  # SealedSecret ciphertext
_SOPS_ENV = re.compile(r"^sops_[A-Za-z0-9_]+=.*$", re.M)


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def masked_spans(text: str) -> list[tuple[int, int]]:
    """Spans that are never secrets; computed only for files that have a candidate."""
    spans: list[tuple[int, int]] = []
    pats = [*_PATTERNS]
    if "sops" in text:
        pats += [_SOPS_BLOCK, _SOPS_JSON, _SOPS_ENV]
    if "encryptedData" in text:
        pats.append(_SEALED)
    for pattern in pats:
        spans += [(m.start(), m.end()) for m in pattern.finditer(text)]
    return spans


def inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def mask(text: str) -> str:
    """``text`` with ciphertext, sops metadata, recipients, certificates, digests and UUIDs blanked."""
    if "sops" in text:
        text = _SOPS_BLOCK.sub(_blank, text)
        text = _SOPS_JSON.sub(_blank, text)
        text = _SOPS_ENV.sub(_blank, text)
    if "encryptedData" in text:
        text = _SEALED.sub(_blank, text)
    for pattern in _PATTERNS:
        text = pattern.sub(_blank, text)
    return text
