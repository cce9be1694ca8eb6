"""Redaction and fingerprints: no secret value ever reaches output."""

from __future__ import annotations

import re
from typing import Any

# Known prefixes that are safe (and useful) to keep in a preview.
_PREFIXES = (
    "github_pat_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "glpat-", "xoxb-", "xoxp-", "xoxa-",
    "xoxs-", "xoxr-", "sk_live_", "sk_test_", "rk_live_", "rk_test_", "npm_", "pypi-", "AKIA",
    "ASIA", "AIza", "AGE-SECRET-KEY-PQ-1", "AGE-SECRET-KEY-1", "eyJ",
)

_SECRETISH = (
    r"AGE-SECRET-KEY-(?:PQ-)?1[0-9A-Z]+"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"
    r"|(?:gh[pousr]_|github_pat_|glpat-|xox[abprs]-|[sr]k_(?:live|test)_|npm_|pypi-)[A-Za-z0-9_\-]{8,}"
    r"|(?<![A-Za-z0-9+/])(?=[A-Za-z+/]*[0-9])[A-Za-z0-9+/]{40,}={0,2}"
)


def fingerprint(secret: str) -> str:
    """A stable, non-reversible id for a secret value (16 hex digits of SHA-256)."""
    return str(_sha256()(secret.encode("utf-8", "surrogateescape")).hexdigest()[:16])


def _sha256() -> Any:
    """CPython's own SHA-256 (loading OpenSSL through hashlib costs a hook run ~3 ms)."""
    try:
        from _sha2 import sha256  # type: ignore[import-not-found,unused-ignore]  # 3.12+
    except ImportError:
        try:
            from _sha256 import sha256  # type: ignore[import-not-found,unused-ignore]  # 3.11
        except ImportError:
            from hashlib import sha256
    return sha256


def preview(secret: str) -> str:
    """``ghp_…abcd``: a known prefix and the last four characters, never more."""
    prefix = next((p for p in _PREFIXES if secret.startswith(p)), "")
    rest = secret[len(prefix):]
    if len(rest) >= 16:
        return f"{prefix}…{rest[-4:]}"
    return f"{prefix}…" if prefix else "…"


_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'|`[^`]*`")


def unquoted(text: str) -> str:
    """Parser and tool messages quote the input they choke on (a key, a value, a tag): drop every
    quoted span, so that what reaches the user names the problem, never the content."""
    return " ".join(_QUOTED.sub("…", text).split())


def redact_text(text: str, limit: int = 300) -> str:
    """Mask anything that looks like a key or token in free text (tool stderr) and cap its length."""
    def hide(m: re.Match[str]) -> str:
        return "[private key]" if "PRIVATE KEY" in m.group(0) else preview(m.group(0))

    masked = re.sub(_SECRETISH, hide, text)
    masked = " ".join(masked.split())
    return masked if len(masked) <= limit else masked[: limit - 1] + "…"
