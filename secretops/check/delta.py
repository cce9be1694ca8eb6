"""Whether a new version of a file can hold a finding that its previous version did not.

Most of a long history's versions are small changes to a few files (a bot's version bump, a
re-generated CRD bundle). A version whose change touches nothing any rule looks for holds what
its previous version holds: its findings are that version's (workers.py re-checks it in full when
that version has any). "Nothing any rule looks for" is decided on the changed lines and on the
file as a whole, never by parsing it:

- the file: its path names nothing (not a clear copy, not named or configured as encrypted, not a
  kustomization, which reads other files); its text is ASCII; it cannot hold a Secret (the
  plaintext-secret rule's own pre-test); it has no sops metadata marker and no escape that could
  spell one; a YAML file whose parse a rule reads must still parse (libyaml, in C): one that may hold
  a Secret or a sops key (unscannable's pre-test), or whose secret-like keys are read by parsing it
  (patterns.needs_parse); a JSON file that mentions any of these is checked in full;
- the changed lines: the unchanged lines keep their order; the changed ones (added or removed) hold
  no marker, trigger or escape of any rule (tokens.quiet, and no `\\`), and nothing that changes how the lines
  around them are read: no document separator or directive, no block scalar header, no unbalanced
  quote or bracket, no alias, tag or merge key (an anchor only where no line a rule reads uses it);
  nothing changed in a file with a dashboard widget (which mapping is one is structure).
"""

from __future__ import annotations

import functools
import re

from secretops.check import patterns, rules_content, rules_files, tokens
from secretops.check.model import Settings

MAX_CHANGED = 128  # lines: past this, checking the version costs less than reading its change
_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization", ".sops.yaml")
_LETTER_ESCAPE = re.compile(patterns.LETTER_ESCAPE.encode())  # what could spell `sops` or `Secret` in a quoted key
# (`Secret`: might_hold_a_secret says so, and then no changed line may be a Secret's value)
_SOPS = (b"sops:", b'"sops"', b"'sops'", b"sops_version=", b"sops_mac=", b"sops_")
# A changed line that changes how other lines are read, or brings a value in from elsewhere (an
# anchor is allowed where no line that a rule looks at names it: see _anchors_unused).
# An alias or a tag is one where a node starts: at the line's start, after `: `, `- `, `? `, a flow
# indicator, a quoted key's `:` or an anchor (not `*` inside a value: a cron `"H */4 * * *"`, Markdown).
_STRUCTURE = re.compile(rb"^(?:---|\.\.\.|%)|(?:^|[\s:\-\[{,])[|>][-+0-9]*[ \t]*(?:#.*)?$"
                        rb"|(?:^[ \t]*|[:\-?][ \t]+|[\"']:[ \t]*|[\[{,][ \t]*|&[^\s,\[\]{}]*[ \t]+)[*!]|<<")
_ANCHOR = re.compile(rb"(?:^|[\s:\-\[{,?])&([^\s,\[\]{}]+)")
# In a file that may hold a Secret: a changed line that may be one of its values, or what makes it one.
_SECRET_KEYS = re.compile(rb"(?i)^[ \t]*(?:-[ \t]+)?[\"']?(?:kind|apiVersion|items|data|stringData)[\"']?[ \t]*:")
_DATA = re.compile(rb"(?i)data")
_DATA_KEY = re.compile(rb"(?i)[ \t]*(?:-[ \t]+)?[\"']?(?:string|binary)?data[\"']?[ \t]*:")  # (not `metadata:`)


def path_eligible(path: str, settings: Settings) -> bool:
    """A path whose rules depend on its content alone (remembered per path by Settings)."""
    return path.rsplit("/", 1)[-1] not in _NAMES and not settings.is_clear_file(path) and \
        not settings.named_encrypted(path) and not tokens.password_file(path)


def same_findings(old: bytes, new: bytes, path: str) -> bool:
    """``new`` holds exactly the findings of ``old`` (see the module's docstring). False when in doubt."""
    if not (plain_text(new) and plain_text(old)):
        return False
    start, end_old, end_new = _middle(old, new)
    mid_a, mid_b = old[start:end_old].split(b"\n"), new[start:end_new].split(b"\n")
    changed = _changed(mid_a, mid_b)
    if changed is None or len(changed) > MAX_CHANGED:
        return False
    if changed:
        joined = b"\n".join(changed)
        if b"\\" in joined or any(_STRUCTURE.search(line) for line in changed):
            return False  # (any escape: `\"` can end a quoted scalar elsewhere; quiet counts only letter escapes)
        if any(line.count(b'"') % 2 or line.count(b"'") % 2 or line.count(b"[") != line.count(b"]")
               or line.count(b"{") != line.count(b"}") for line in changed):
            return False
        moved = set(changed)
        around_a, around_b = _context(old, start, mid_a, moved), _context(new, start, mid_b, moved)
        # Most often the changed lines and all around them hold no word of any rule: one selector pass
        # says so for all (a match in one of them is a match in them joined), else each test in turn.
        if not tokens.wordless(b"\n".join([joined, *around_a[0], *around_a[1], *around_b[0], *around_b[1]])):
            if not tokens.quiet(joined):
                return False
            if any(_PAIRING.search(line) and not tokens.wordless(line) for line in changed):
                return False  # an env entry's name or a flag that names a secret: its value is the next line
            if not (_context_quiet(*around_a) and _context_quiet(*around_b)):
                return False
        if b"widget" in new.lower() or b"widget" in old.lower():  # (bytes: ASCII case, as rb"(?i)" reads it)
            return False  # which mapping is a dashboard widget (a `type` and a `url` beside `key`) is structure
        if not (_anchors_unused(old, changed) and _anchors_unused(new, changed)):
            return False
    return _file_inert(old, new, start, mid_a, mid_b, set(changed), path.endswith(patterns.STRUCTURED),
                       path.endswith(".json"), _values_only(mid_a, mid_b))


def _anchors_unused(data: bytes, changed: list[bytes]) -> bool:
    """Every alias of an anchor set on a changed line is on a line that no rule looks at."""
    for line in changed:
        for name in _ANCHOR.findall(line):
            at = data.find(b"*" + name)
            while at >= 0:
                begin, end = data.rfind(b"\n", 0, at) + 1, data.find(b"\n", at)
                if not tokens.wordless(data[begin:len(data) if end < 0 else end]):
                    return False
                at = data.find(b"*" + name, at + 1)
    return True


def _middle(old: bytes, new: bytes) -> tuple[int, int, int]:
    """Where the versions differ: from the first line they do not share at their start to the last
    one they do not share at their end (found on the bytes, by halving: a few comparisons in C
    however large the file); (start, end in ``old``, end in ``new``)."""
    start = _common(old, new, 0, min(len(old), len(new)), forward=True)
    start = old.rfind(b"\n", 0, start) + 1  # back to a line start
    tail = _common(old, new, 0, min(len(old), len(new)) - start, forward=False)
    end_old = len(old) - tail
    if end_old > start and old[end_old - 1:end_old] != b"\n":
        end_old = old.find(b"\n", end_old) + 1 or len(old)  # on to a line start
    return start, end_old, len(new) - (len(old) - end_old)


def _context(data: bytes, start: int, middle: list[bytes], changed: set[bytes]) -> tuple[list[bytes], list[bytes]]:
    """The lines around each changed line of ``middle`` (which starts at ``start``): its parent (the
    nearest line above that is less indented, which may hold the key of a value on the next lines),
    and the line before and the one after it."""
    parents, beside = [], []
    for at, line in _changed_at(data, start, middle, changed):
        before = data.rfind(b"\n", 0, max(at - 1, 0)) + 1 if at else at
        after = data.find(b"\n", at + len(line) + 1)
        beside += [data[before:max(at - 1, before)], data[at + len(line) + 1:len(data) if after < 0 else after]]
        parents.append(_parent(data, at, line))
    return parents, beside


def _context_quiet(parents: list[bytes], beside: list[bytes]) -> bool:
    """The lines around the changed lines (_context) say nothing of them: the parents hold no hint
    word; the lines before and after hold none either, or are whole `key: value` lines of their own
    that pair with no other line (not an env entry's `name:`/`value:`, not a flag: `- name:
    API_TOKEN` above `value: …`)."""
    if not tokens.wordless(b"\n".join(parents)):
        return False
    if tokens.wordless(b"\n".join(beside)):
        return True  # most often: one pass for them all
    return all(_KEYED_ALONE.fullmatch(line) and not _PAIRING.search(line)
               for line in beside if not tokens.wordless(line))


def _changed_at(data: bytes, start: int, middle: list[bytes], changed: set[bytes]) -> list[tuple[int, bytes]]:
    """(offset, line) of each line of ``middle`` (which starts at ``start``) that is one of
    ``changed``, in order. A long middle (changes far apart in a large file) is searched for the
    changed lines with bytes.find, in C, instead of walked line by line."""
    if len(middle) <= 4 * len(changed) + 16 or b"" in changed:
        out, at = [], start
        for line in middle:
            if line in changed:
                out.append((at, line))
            at += len(line) + 1
        return out
    stop = start + sum(map(len, middle)) + len(middle) - 1
    found = []
    for line in changed:
        at = data.find(line, start, stop)
        while at >= 0:
            end = at + len(line)
            if (at == start or data[at - 1:at] == b"\n") and (end == stop or data[end:end + 1] == b"\n"):
                found.append((at, line))
            at = data.find(line, at + 1, stop)
    return sorted(found)


# A line that pairs with the line next to it: an env entry's `name:` (its `value:` is the next line,
# or the one before) or `value:`, or a flag (`--token`, whose value is the next item).
_PAIRING = re.compile(rb"(?i)^[ \t]*(?:-[ \t]+)?[\"']?(?:name|value)[\"']?[ \t]*:|(?:^|[\s\"'\[,])--?[A-Za-z]")
# A `key: value` line whole in itself: a key and a plain or quoted scalar on its line, nothing open.
_KEYED_ALONE = re.compile(rb"[ \t]*(?:-[ \t]+)?[\"']?[\w.\-/]+[\"']?[ \t]*:[ \t]+(?:\"[^\"\\\n]*\"|'[^'\n]*'|"
                          rb"[^\s\"'#&*!|>{}\[\],%@`][^\n#]*?)[ \t]*(?:[ \t]#[^\n]*)?\r?")


def plain_text(data: bytes) -> bool:
    """Bytes that are their own text, read line by line alike by every reader: ASCII, or UTF-8
    without a BOM, NUL, or a character some YAML reader takes for a line break (NEL, LS, PS)."""
    if b"\0" in data:
        return False
    return data.isascii() or _plain_utf8(data)


@functools.lru_cache(maxsize=64)  # a version is asked as the new one, then as the next one's previous one
def _plain_utf8(data: bytes) -> bool:
    if data.startswith(b"\xef\xbb\xbf") or b"\xc2\x85" in data or b"\xe2\x80\xa8" in data or b"\xe2\x80\xa9" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _parent(data: bytes, at: int, line: bytes) -> bytes:
    """The nearest line above offset ``at`` that is less indented than ``line`` (or b"")."""
    return _parent_at(data, at, line)[1]


def _parent_at(data: bytes, at: int, line: bytes) -> tuple[int, bytes]:
    """_parent, and the offset it starts at."""
    stripped = line.lstrip(b" \t-")
    indent = len(line) - len(stripped)
    end = at - 1 if indent else 0
    while end > 0:
        begin = data.rfind(b"\n", 0, end) + 1
        above = data[begin:end]
        body = above.lstrip(b" \t")
        if body and not body.startswith(b"#") and len(above) - len(body) < indent:
            return begin, above
        end = begin - 1
    return 0, b""


def _common(a: bytes, b: bytes, low: int, high: int, *, forward: bool) -> int:
    """How many bytes (at most ``high``) ``a`` and ``b`` share at their start (or their end)."""
    while low < high:
        mid = (low + high + 1) // 2
        same = a[low:mid] == b[low:mid] if forward else \
            a[len(a) - mid:len(a) - low] == b[len(b) - mid:len(b) - low]
        if same:
            low = mid
        else:
            high = mid - 1
    return low


def _changed(mid_a: list[bytes], mid_b: list[bytes]) -> list[bytes] | None:
    """The lines added or removed (counted: a line repeated once more is one added line), if the
    lines both versions hold as often keep their order (None if not: a line moved) and they are no
    more than MAX_CHANGED (None if more)."""
    from collections import Counter

    if not mid_a and not mid_b:
        return []
    if abs(len(mid_a) - len(mid_b)) > MAX_CHANGED:
        return None  # at least that many lines added or removed: no need to count them
    if len(mid_a) == len(mid_b):  # most often lines changed in place (a version bumped at the top and the foot)
        at = [n for n, (a, b) in enumerate(zip(mid_a, mid_b)) if a != b]
        if 2 * len(at) <= MAX_CHANGED:  # each line at a place where they differ counts as changed (more than
            return [*(mid_b[n] for n in at), *(mid_a[n] for n in at)]  # the counted change, never less)
    if len(set(mid_b).symmetric_difference(mid_a)) > MAX_CHANGED:
        return None  # too many to be worth reading: the version is checked in full
    count_a, count_b = Counter(mid_a), Counter(mid_b)
    added, removed = count_b - count_a, count_a - count_b
    if added.total() + removed.total() > MAX_CHANGED:
        return None  # too many, counted with their repeats: before the order is compared
    if [line for line in mid_a if count_a[line] == count_b[line]] != \
            [line for line in mid_b if count_a[line] == count_b[line]]:
        return None
    return [*added.elements(), *removed.elements()]


def _file_inert(old: bytes, data: bytes, start: int, mid_a: list[bytes], mid_b: list[bytes], changed: set[bytes],
                structured: bool, path_is_json: bool, values_only: bool) -> bool:
    if b"sops" in data and any(marker in data for marker in _SOPS):
        return False
    if b"\\" in data and _LETTER_ESCAPE.search(data) and (b"ENC[" in data or b"lastmodified" in data):
        return False  # an escape may spell `sops` in a file that holds sops's ciphertext or its metadata
    text = data.decode("utf-8")
    if rules_content.might_hold_a_secret(text) and not (
            _outside_secret_values(old, start, mid_a, changed) and _outside_secret_values(data, start, mid_b, changed)):
        return False
    if not structured:
        return True
    if path_is_json and ("sops" in text or patterns.kind_secret(text) or patterns.has_hinted_key(text, True)):
        return False  # its rules read it with a JSON parser: a change may break what it reads
    if values_only:
        return True  # a parse is not broken nor mended by a scalar replaced with a scalar
    if not (_may_read_parse(data) or _may_read_parse(old)) or (_parses_bytes(data) and _parses_bytes(old)):
        return True  # nothing may read their parse, or both parse: each is read alike
    return not (_reads_parse(data) or _reads_parse(old))  # one does not parse: nothing may read that


# A `key: value` line whose value is a plain scalar of one word (no space, no `#`, no flow indicator, not
# starting with an indicator nor ending in `:`) or a quoted one with no quote or escape inside. Another
# such value on the same key parses as it does, if both hold a `:` or neither does (in a flow
# collection libyaml refuses `b:c`).
_VALUE_LINE = re.compile(rb"((?:[ \t]*-)?[ \t]*[\w.\-/]+[ \t]*:[ \t]+)"
                         rb"([\w./+=~^]|-(?=[^\s]))([\w.\-/+=~^%@:]*)(?<!:)\r?|(\"[^\"\\\n]*\"|'[^'\n]*')\r?")


def _values_only(mid_a: list[bytes], mid_b: list[bytes]) -> bool:
    """The versions differ only in values: the same lines in place, each changed one a `key: value`
    line whose key stays and whose value is a simple scalar on both sides (a bot's version bump)."""
    if len(mid_a) != len(mid_b):
        return False
    for a, b in zip(mid_a, mid_b):
        if a != b:
            line_a, line_b = _VALUE_LINE.fullmatch(a), _VALUE_LINE.fullmatch(b)
            if line_a is None or line_b is None or line_a.group(1) != line_b.group(1) or \
                    (b":" in (line_a.group(3) or b"")) != (b":" in (line_b.group(3) or b"")):
                return False
    return True


# A version is the next one's previous version: facts about it are asked twice (bytes cache their hash).
@functools.lru_cache(maxsize=64)
def _may_read_parse(data: bytes) -> bool:
    """_reads_parse, or more: without patterns.needs_parse (an RE2 pass that costs more than a parse)."""
    text = data.decode("utf-8")
    return rules_files.parse_matters(text) or patterns.has_hinted_key(text, True)


@functools.lru_cache(maxsize=64)
def _reads_parse(data: bytes) -> bool:
    """A rule reads the file's parse: a parse error is a finding (unscannable's pre-test), or its
    secret-like keys are read by parsing it (patterns.needs_parse). Then a change that breaks the
    parse, or mends it, may change a finding."""
    text = data.decode("utf-8")
    return rules_files.parse_matters(text) or (patterns.has_hinted_key(text, True) and patterns.needs_parse(text, True))


@functools.lru_cache(maxsize=64)
def _parses_bytes(data: bytes) -> bool:
    return _parses(data.decode("utf-8"))


def _outside_secret_values(data: bytes, start: int, middle: list[bytes], changed: set[bytes]) -> bool:
    """No changed line is what makes a document a Secret (kind, apiVersion, items) or one of its
    values: neither a data/stringData key, nor a line whose parent names data or that lies under a
    data/stringData key (in a block scalar or a nested map), nor a blank line."""
    at = start
    for line in middle:
        if line in changed and (not line.strip() or _SECRET_KEYS.match(line) or _under_data(data, at, line)):
            return False  # (a blank line may be a block scalar's, and the file's last line break its value's)
        at += len(line) + 1
    return True


def _under_data(data: bytes, at: int, line: bytes) -> bool:
    """Some line above ``line`` that holds it (its parent, that one's parent, …) names data: the
    line may be in a value of data or stringData (a block scalar's line, a nested map's)."""
    at, line = _parent_at(data, at, line)
    if _DATA.search(line):
        return True  # (its parent: any mention of data, as in `binaryData:` or a JSON key)
    while line:
        at, line = _parent_at(data, at, line)
        if _DATA_KEY.match(line):
            return True
    return False


def _parses(text: str) -> bool:
    """libyaml reads every event of ``text`` (in C, building no Python object)."""
    try:
        from _ruamel_yaml import CParser  # type: ignore[import-not-found]
    except ImportError:
        return False
    parser = CParser(text)
    try:
        parser.raw_parse()
    except Exception:  # any error of the parser: a full check says what it is
        return False
    finally:
        parser.dispose()
    return True
