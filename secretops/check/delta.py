"""Whether a new version of a file can hold a finding that its previous version did not.

Most of a long history's versions are small changes to a few files (a bot's version bump, a
re-generated CRD bundle). A version whose change touches nothing any rule looks for holds what
its previous version holds: its findings are that version's (workers.py re-checks it in full when
that version has any). "Nothing any rule looks for" is decided on the changed lines and on the
file as a whole, never by parsing it:

- the file: its path names nothing (not a clear copy, not named or configured as encrypted, not a
  kustomization, which reads other files); its text is ASCII; it cannot hold a Secret (the
  plaintext-secret rule's own pre-test); it has no sops metadata marker and no escape that could
  spell one; a file that mentions `kind: Secret` or sops must still parse (libyaml, in C), as the
  unscannable rule would ask;
- the changed lines: the unchanged lines keep their order; the changed ones (added or removed) hold
  no marker, hint word or trigger of any rule (tokens.quiet), and nothing that changes how the lines
  around them are read: no document separator or directive, no block scalar header, no unbalanced
  quote or bracket, no anchor, alias, tag or merge key, no dashboard widget's `type`/`url`.
"""

from __future__ import annotations

import re

from secretops.check import patterns, rules_content, tokens
from secretops.check.model import Settings

_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization", ".sops.yaml")
_LETTER_ESCAPE = re.compile(rb"\\(?:[xuU]|\r?\n)")  # what could spell `sops` or `Secret` in a quoted key
_SOPS = (b"sops:", b'"sops"', b"'sops'", b"sops_version=", b"sops_mac=", b"sops_")
# A changed line that changes how other lines are read, or brings a value in from elsewhere.
_STRUCTURE = re.compile(rb"^(?:---|\.\.\.|%)|(?:^|[\s:\-\[{,])[|>][-+0-9]*[ \t]*(?:#.*)?$|(?:^|[\s:\-\[{,?])[&*!]"
                        rb"|<<|^[ \t]*(?:-[ \t]+)?[\"']?(?:type|url)[\"']?[ \t]*:")


def path_eligible(path: str, settings: Settings) -> bool:
    """A path whose rules depend on its content alone (remembered per path by Settings)."""
    return path.rsplit("/", 1)[-1] not in _NAMES and not settings.is_clear_file(path) and \
        not settings.named_encrypted(path)


def same_findings(old: bytes, new: bytes, path: str) -> bool:
    """``new`` holds exactly the findings of ``old`` (see the module's docstring). False when in doubt."""
    if not new.isascii() or not old.isascii() or b"\0" in new or b"\0" in old:
        return False
    changed = _changed(old.split(b"\n"), new.split(b"\n"))
    if changed is None:
        return False
    if changed:
        joined = b"\n".join(changed)
        if not tokens.quiet(joined) or any(_STRUCTURE.search(line) for line in changed):
            return False
        if any(line.count(b'"') % 2 or line.count(b"'") % 2 or line.count(b"[") != line.count(b"]")
               or line.count(b"{") != line.count(b"}") for line in changed):
            return False
    return _file_inert(new, path.endswith(patterns.STRUCTURED))


def _changed(a: list[bytes], b: list[bytes]) -> list[bytes] | None:
    """The lines added or removed (counted: a line repeated once more is one added line), if every
    line that some rule looks at keeps its place among the others (None if not: it moved)."""
    from collections import Counter

    start, end_a, end_b = 0, len(a), len(b)
    while start < end_a and start < end_b and a[start] == b[start]:
        start += 1
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    mid_a, mid_b = a[start:end_a], b[start:end_b]
    if not mid_a and not mid_b:
        return []
    count_a, count_b = Counter(mid_a), Counter(mid_b)
    changed = [*(count_b - count_a).elements(), *(count_a - count_b).elements()]
    loud = {line for line in count_a.keys() | count_b.keys() if not _quiet_line(line)}
    if loud and [line for line in mid_a if line in loud] != [line for line in mid_b if line in loud]:
        return None
    return changed


_QUIET: dict[bytes, bool] = {}  # the versions of a file share most of their lines


def _quiet_line(line: bytes) -> bool:
    known = _QUIET.get(line)
    if known is None:
        if len(_QUIET) > 500_000:
            _QUIET.clear()
        known = _QUIET[line] = tokens.quiet(line)
    return known


def _file_inert(data: bytes, structured: bool) -> bool:
    if any(marker in data for marker in _SOPS) or (b"\\" in data and _LETTER_ESCAPE.search(data)):
        return False
    text = data.decode("ascii")
    if rules_content.might_hold_a_secret(text):
        return False
    if structured and ("sops" in text or patterns.kind_secret(text)):
        return _parses(text)
    return True


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
