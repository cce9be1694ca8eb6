"""Replace age keys in a `.sops.yaml` with a ruamel round-trip that keeps comments, order, quotes,
anchors and aliases."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from typing import Any

from secretops.errors import ConfigError, InputError
from secretops.sops import creation_rules as rules
from secretops.util import yamlio


def _replace_in_string(value: str, mapping: Mapping[str, list[str]]) -> str:
    sep = ", " if ", " in value else ","
    out: list[str] = []
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        out += [k for k in mapping.get(part, [part]) if k not in out]
    return sep.join(out)


def _anchor(value: Any) -> str | None:
    anchor = getattr(value, "anchor", None)
    return getattr(anchor, "value", None) if anchor is not None else None


def _scalar_like(original: Any, text: str, *, keep_anchor: bool = False) -> Any:
    """A scalar of the original's style (quotes kept); with ``keep_anchor``, its anchor too."""
    from ruamel.yaml.scalarstring import PlainScalarString, ScalarString

    anchor = _anchor(original) if keep_anchor else None
    if isinstance(original, ScalarString):
        return type(original)(text, anchor=anchor)
    return PlainScalarString(text, anchor=anchor) if anchor else text


class _Edit:
    """One pass over a loaded `.sops.yaml`. An anchored key (`keys: [&main age1…]`, used as `*main`)
    is edited once, at its anchor, and every alias follows: `&main "old,new"` during a rotation
    (sops splits a comma-separated key, in a list item too), `&main new` after it. Keys written out
    in a rule are edited where they stand."""

    def __init__(self, data: Any, mapping: Mapping[str, list[str]]) -> None:
        self.data, self.mapping, self.changed = data, mapping, False
        self.seen: set[int] = set()

    def anchors(self) -> None:
        for node in _anchored_scalars(self.data):
            new = _replace_in_string(str(node), self.mapping)
            if new == str(node):
                continue
            self.changed = True
            if new:
                _swap(self.data, node, _scalar_like(node, new, keep_anchor=True))
            else:
                _drop(self.data, node)

    def field(self, holder: Any) -> None:
        value = holder.get("age")
        if id(value) in self.seen or _anchor(value):
            return
        self.seen.add(id(value))
        if isinstance(value, str):
            new = _replace_in_string(value, self.mapping)
            if new != value:
                self.changed = True
                holder["age"] = _scalar_like(value, new)
        elif isinstance(value, list):
            self._list(value)

    def _list(self, items: list[Any]) -> None:
        for item in list(items):
            if not isinstance(item, str) or _anchor(item):
                continue
            new = _replace_in_string(str(item), self.mapping)
            if new == str(item):
                continue
            self.changed = True
            at = next(n for n, x in enumerate(items) if x is item)
            keys = [k.strip() for k in new.split(",") if k.strip()] if "," not in str(item) else [new]
            if not keys:
                del items[at]
                continue
            items[at] = _scalar_like(item, keys[0])
            for k in reversed(keys[1:]):
                items.insert(at + 1, _scalar_like(item, k))
        _dedupe(items)


def _anchored_scalars(data: Any) -> list[Any]:
    found: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, str):
            if _anchor(node) and not any(node is f for f in found):
                found.append(node)
        elif isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(data)
    return found


def _swap(data: Any, old: Any, new: Any) -> None:
    """Replace an anchored scalar by identity everywhere: its anchor and every alias."""

    shift = len(str(new)) - len(str(old))

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if v is old:
                    node[k] = new
                    _shift_comment(node, k, 2, shift)
                else:
                    walk(v)
        elif isinstance(node, list):
            for n, v in enumerate(node):
                if v is old:
                    node[n] = new
                    _shift_comment(node, n, 0, shift)
                else:
                    walk(v)

    walk(data)


def _shift_comment(container: Any, key: Any, slot: int, shift: int) -> None:
    """An end-of-line comment after a value that grew or shrank keeps its distance from it."""
    items = getattr(getattr(container, "ca", None), "items", {})
    entry = items.get(key) if isinstance(items, dict) else None
    token = entry[slot] if entry and len(entry) > slot else None
    if token is not None and hasattr(token, "column") and shift:
        with contextlib.suppress(AttributeError, TypeError):  # a token kind without a column: left as it is
            token.column = max(0, token.column + shift)


def _drop(data: Any, old: Any) -> None:
    """A removed anchored key leaves its anchor's list and every list that aliases it."""

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for n in reversed([n for n, v in enumerate(node) if v is old]):
                del node[n]
            for v in node:
                walk(v)

    walk(data)


def _load(text: str) -> tuple[Any, Any]:
    """The round-trip document and its YAML instance; a file ruamel cannot read is a ConfigError."""
    from ruamel.yaml.error import YAMLError

    yaml = yamlio.roundtrip(yamlio.detect_indent(text))
    yaml.explicit_start = text.lstrip().startswith("---")
    try:
        data = yaml.load(text)
    except (YAMLError, ValueError, TypeError, RecursionError) as exc:
        raise ConfigError(f".sops.yaml: {yamlio.describe_error(exc)}", hint="fix .sops.yaml") from None
    if not isinstance(data, dict) or not isinstance(data.get("creation_rules"), list):
        raise ConfigError(".sops.yaml has no creation_rules list", hint="fix .sops.yaml")
    return data, yaml


def _dedupe(items: list[Any]) -> None:
    """Later duplicates go: an anchor or alias, which comes first, wins over a plain copy."""
    for n in reversed([n for n, item in enumerate(items) if str(item) in {str(x) for x in items[:n]}]):
        del items[n]  # CommentedSeq shifts its comments with the items


_KEY_TOKEN = re.compile(r"age1[0-9a-z]+")
_AGE_LINE = re.compile(r"(?P<head>[ \t]*(?:-[ \t]+)?age:[ \t]+)(?P<value>[0-9a-z][^#'\"]*?)"
                       r"(?P<tail>(?:[ \t]+#.*)?[ \t]*)")
_PLAIN_KEYS = re.compile(r"[0-9a-z]+(?:, ?[0-9a-z]+)*")
_PLACEHOLDER = "age1" + "q" * 58  # stands for a key not made yet: the edit's shape is the same for any key


class Loaded:
    """A `.sops.yaml` as validated before the first write, kept for one edit: a large config is read
    once a command, not once to validate and once to edit. Where the edit can be made on the text
    (see _on_the_text) the round-trip loader is not needed; else it reads the file here (and refuses
    what it cannot read)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._doc: tuple[Any, Any] | None = None
        keys = set(_KEY_TOKEN.findall(text))  # as if each got a new key: where it stands decides, not which
        if _on_the_text(text, {k: [k, _PLACEHOLDER] for k in keys}) is None:
            self._doc = _load(text)

    def take(self, text: str) -> tuple[Any, Any]:
        """The document of ``text``: the one read, once (an edit changes it in place), else read anew."""
        doc, self._doc = self._doc, None
        return doc if doc is not None and text == self.text else _load(text)


def replace_keys(text: str, mapping: Mapping[str, list[str]], loaded: Loaded | None = None) -> str:
    """Each old public key becomes the given list: ``[old, new]`` at start, ``[new]`` at finish,
    ``[]`` to remove it. Comments, order, quotes, anchors and aliases are kept. ``loaded``: the
    text as validated before. An edit that the text allows is made on the text (every other byte
    kept); else through a ruamel round trip."""
    edited = _on_the_text(text, mapping)
    if edited is not None:
        _check(edited, mapping)
        return edited
    data, yaml = loaded.take(text) if loaded is not None else _load(text)
    edit = _Edit(data, mapping)
    edit.anchors()
    for rule in data.get("creation_rules") or []:
        edit.field(rule)
        for group in rule.get("key_groups") or []:
            edit.field(group)
    if not edit.changed:
        return text
    out = yamlio.dump(yaml, data)
    _check(out, mapping)
    return out


def _on_the_text(text: str, mapping: Mapping[str, list[str]]) -> str | None:
    """The edit made on the lines that name a key, when each is a rule's (or key group's) `age:` with
    plain keys (`age: age1…,age1…`, a comment after it): those values are edited as the round trip
    edits them, and nothing else changes. Proven before it is used: the edited file reads as the
    original with exactly that edit. None: anything else (lists, anchors, quotes, keys elsewhere)."""
    lines = text.splitlines(keepends=True)
    changed = False
    for n, line in enumerate(lines):
        if "age1" not in line or not any(k in mapping for k in _KEY_TOKEN.findall(line)):
            continue
        body = line.rstrip("\r\n")
        match = _AGE_LINE.fullmatch(body)
        if match is None:
            return None
        new = _replace_in_string(match["value"], mapping)
        if new == match["value"]:
            continue
        if new and not _PLAIN_KEYS.fullmatch(new):
            return None
        new = new or "''"  # as the round trip writes a rule left with no key
        lines[n] = match["head"] + new + _comment_at(match["tail"], match.start("tail"), match.end("value") -
                                                     match.start("value"), len(new)) + line[len(body):]
        changed = True
    if not changed:
        return text
    edited = "".join(lines)
    try:
        before, after = yamlio.load_one(text, ".sops.yaml"), yamlio.load_one(edited, ".sops.yaml")
    except InputError:
        return None
    return edited if _edited_data(before, mapping) == after else None


def _comment_at(tail: str, column: int, old: int, new: int) -> str:
    """A comment after the value stays in its column, or one space after a value that grew past it
    (as the round trip places it)."""
    if "#" not in tail:
        return tail
    hash_at = column + tail.index("#")
    end = column - old + new
    return " " * max(1, hash_at - end) + tail.lstrip(" \t")


def _edited_data(data: Any, mapping: Mapping[str, list[str]]) -> Any:
    """What the round trip's edit makes of the plain data, for the string values it edits; None
    where it would do more (lists of keys)."""
    import copy

    if not isinstance(data, dict) or not isinstance(data.get("creation_rules"), list):
        return None
    out = copy.deepcopy(data)
    for rule in out["creation_rules"]:
        if not isinstance(rule, dict):
            continue
        groups = rule.get("key_groups")
        for holder in [rule, *(g for g in groups if isinstance(g, dict))] if isinstance(groups, list) else [rule]:
            value = holder.get("age")
            if isinstance(value, str):
                holder["age"] = _replace_in_string(value, mapping)
            elif isinstance(value, list):
                return None
    return out


def _check(out: str, mapping: Mapping[str, list[str]]) -> None:
    from pathlib import Path

    parsed = rules.parse_text(out, Path(".sops.yaml"))
    gone = {old for old, new in mapping.items() if old not in new}
    left = gone & parsed.age_keys
    if left:
        raise ConfigError(".sops.yaml still names a key that should be gone after the edit",
                          hint="edit .sops.yaml by hand and run the command again")


def rule_without_path(text: str, index: int) -> str:
    """A one-rule `.sops.yaml` that applies rule ``index`` to any file (for updatekeys on a temp copy)."""
    data = yamlio.load_one(text, ".sops.yaml")
    rule = dict(data["creation_rules"][index])
    rule.pop("path_regex", None)
    return yamlio.dump(yamlio.roundtrip(), {"creation_rules": [rule]})


def drop_rule(text: str, index: int) -> str:
    """`.sops.yaml` without creation rule ``index`` (a ruamel round-trip: the rest keeps its comments)."""
    yaml = yamlio.roundtrip(yamlio.detect_indent(text))
    yaml.explicit_start = text.lstrip().startswith("---")
    data = yaml.load(text)
    del data["creation_rules"][index]
    return yamlio.dump(yaml, data)
