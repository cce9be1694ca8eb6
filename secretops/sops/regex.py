"""sops's regular expressions are Go's RE2: evaluate them with RE2 semantics, never plain `re` ones.

Python's `re` differs from RE2 (it rejects inline flags after the start, such as
``((?i)(pass|secret))``, accepts look-arounds and possessive quantifiers RE2 refuses, reads
``{,3}`` as a repetition, lets ``$`` match before a final newline), so the same pattern can mean
something else, or crash. Patterns RE2 and `re` provably read alike (literals, classes, anchors,
``. * + ? |``, groups, ASCII ``\\d \\w \\s``; no ``(?``, braces, ``[[`` or possessive forms),
matched against text without a newline, are run by `re` with ASCII semantics: a match exists for
one exactly when it does for the other, and the hook does not pay RE2's import. Everything else
is run by RE2 itself (google-re2). A pattern RE2 rejects raises BadRegex.
"""

from __future__ import annotations

import functools
import re
from typing import Any

_SHARED = re.compile(r"(?:[A-Za-z0-9_\-/.^$*+?|()\[\],:=@%~# '\"!&<>;]|\\[.\-/_^$*+?|()\[\]dwsDWS])*")
_RISKY = re.compile(r"\(\?|\[\[|[*+?]\+|\{|\}")


class BadRegex(ValueError):
    """RE2 rejects the pattern. The message names RE2's reason, never the subject text."""


@functools.cache  # bounded by the configs read: a fleet's may hold 10,000 rules
def _shared(pattern: str) -> re.Pattern[str] | None:
    """The pattern compiled by `re`, if it lies in the subset both engines read alike."""
    if _RISKY.search(pattern) or not _SHARED.fullmatch(pattern):
        return None
    try:
        return re.compile(pattern, re.ASCII)
    except re.error:
        return None  # let RE2 judge it (and name its reason)


@functools.cache
def compile(pattern: str) -> Any:
    """A compiled pattern with RE2 semantics; BadRegex if RE2 rejects it."""
    shared = _shared(pattern)
    if shared is not None:
        return shared
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
    compiled = compile(pattern)
    if "\n" in text and isinstance(compiled, re.Pattern):
        import re2  # `$` before a final newline is where the engines part

        return re2.search(pattern, text) is not None
    return compiled.search(text) is not None


FIRST_MATCH_MIN = 16  # fewer patterns are searched one by one


class FirstMatch:
    """Which of many patterns (None: matches everything) is the first to match a text, as a search
    of each in order would answer, in one pass of an RE2::Set: a fleet's `.sops.yaml` may hold one
    rule per cluster, and each of its files would otherwise be searched against every rule.
    A text with a newline, or a set RE2 could not build or run to the end (its memory bound), is
    answered one pattern at a time (a pattern RE2 rejects then raises where the order reaches it)."""

    def __init__(self, patterns: tuple[str | None, ...]) -> None:
        self.patterns = patterns
        self.always = next((i for i, p in enumerate(patterns) if p is None), len(patterns))
        self._set: Any = None
        if len(patterns) >= FIRST_MATCH_MIN:
            self._set = _build_set([p for p in patterns[: self.always] if p is not None])

    def first(self, text: str) -> int | None:
        """The index of the first pattern found in ``text``, or None."""
        if self._set is not None and "\n" not in text:
            hits = self._set.Match(text) or []
            if self.always in hits:  # the end-of-text sentinel: the pass was whole
                found = min(hits)
                return found if found < len(self.patterns) else None
        for i, pattern in enumerate(self.patterns):
            if pattern is None or search(pattern, text):
                return i
        return None


def _build_set(patterns: list[str]) -> Any:
    """An RE2::Set of the patterns before the first catch-all, then the sentinel ``\\z`` (its index is
    the catch-all's, or the count). None when RE2 rejects one (the ordered search reports it)."""
    import re2

    options = re2.Options()
    options.log_errors = False
    options.max_mem = 256 << 20
    built = re2.Set.SearchSet(options)
    try:
        for pattern in patterns:
            built.Add(pattern)
        built.Add(r"\z")
        built.Compile()
    except (re2.error, ValueError, TypeError):
        return None
    return built
