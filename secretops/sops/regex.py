"""sops's regular expressions are Go's RE2: evaluate them with RE2 itself (google-re2), never `re`.

Python's `re` differs from RE2 (it rejects inline flags after the start, such as
``((?i)(pass|secret))``, and accepts look-arounds RE2 refuses), so the same pattern can mean
something else, or crash. Compiled patterns are cached; a pattern RE2 rejects raises BadRegex.
"""

from __future__ import annotations

import functools
from typing import Any


class BadRegex(ValueError):
    """RE2 rejects the pattern. The message names RE2's reason, never the subject text."""


@functools.lru_cache(maxsize=256)
def compile(pattern: str) -> Any:
    import re2

    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else b""
        text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        raise BadRegex(text.split(":", 1)[0].strip() or "invalid regular expression") from None


def search(pattern: str, text: str) -> bool:
    """sops's unanchored search (Go's MatchString)."""
    return compile(pattern).search(text) is not None
