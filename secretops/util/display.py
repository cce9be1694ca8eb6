"""How identifiers and names are shown: shortened keys, and names that cannot drive a terminal."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def short(key: str) -> str:
    """A public key, fingerprint or ARN shortened for a table: ``age1qyqszq…x7k2``."""
    return key if len(key) <= 18 else f"{key[:12]}…{key[-4:]}"


def safe(name: str) -> str:
    """A file name or other outside text with control characters (ANSI escapes, newlines) made visible."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", name)
