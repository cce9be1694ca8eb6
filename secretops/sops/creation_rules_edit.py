"""Replace age keys in a `.sops.yaml` with a ruamel round-trip that keeps comments, order, quotes,
anchors and aliases."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from secretops.errors import ConfigError
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
    """One pass over a loaded `.sops.yaml`. Keys are replaced where the creation rules use them; an
    anchored key (`keys: [&main age1…]` used as `*main`) is replaced once, at its anchor, so every
    alias follows; a key that must stay beside its replacement keeps its anchor, and the new key is
    written next to it and to each of its aliases."""

    def __init__(self, data: Any, mapping: Mapping[str, list[str]]) -> None:
        self.data, self.mapping, self.changed = data, mapping, False
        self.swapped: dict[int, Any] = {}  # id(old anchored scalar) -> its replacement
        self.seen: set[int] = set()

    def field(self, holder: Any) -> None:
        value = holder.get("age")
        if id(value) in self.seen:
            return
        self.seen.add(id(value))
        if isinstance(value, str):
            new = _replace_in_string(value, self.mapping)
            if new != value:
                self.changed = True
                if _anchor(value):
                    self._swap(value, _scalar_like(value, new, keep_anchor=True))
                else:
                    holder["age"] = _scalar_like(value, new)
        elif isinstance(value, list):
            self._list(value)

    def _list(self, items: list[Any]) -> None:
        for item in list(items):
            if not isinstance(item, str):
                continue
            if "," in item:  # "a,b" inside a list: sops splits it too
                new = _replace_in_string(item, self.mapping)
                if new != item:
                    self.changed = True
                    self._replace_at(items, item, _scalar_like(item, new, keep_anchor=True))
                continue
            keys = self.mapping.get(item.strip())
            if keys is None:
                continue
            self.changed = True
            if not keys and _anchor(item):  # a removed anchored key leaves its anchor's list and every alias
                for container in self._lists_holding(item):
                    for n in reversed([n for n, x in enumerate(container) if x is item]):
                        del container[n]
                continue
            head = item
            if keys and keys[0] != str(item):
                head = _scalar_like(item, keys[0], keep_anchor=True)
                if _anchor(item):
                    self._swap(item, head)  # once, at the anchor: every alias follows
                else:
                    items[next(n for n, x in enumerate(items) if x is item)] = head
            at = next(n for n, x in enumerate(items) if x is head)
            if not keys:
                del items[at]
                continue
            for k in reversed(keys[1:]):
                if k not in {str(x) for x in items}:
                    items.insert(at + 1, _scalar_like(item, k))
            _dedupe(items)

    def _replace_at(self, items: list[Any], item: Any, new: Any) -> None:
        if _anchor(item):
            self._swap(item, new)
        else:
            items[next(n for n, x in enumerate(items) if x is item)] = new

    def _swap(self, old: Any, new: Any) -> None:
        """Replace an anchored scalar by identity everywhere in the document (its alias sites too)."""
        self.swapped[id(old)] = new

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for k, v in node.items():
                    if v is old:
                        node[k] = new
                    else:
                        walk(v)
            elif isinstance(node, list):
                for n, v in enumerate(node):
                    if v is old:
                        node[n] = new
                    else:
                        walk(v)

        walk(self.data)

    def _lists_holding(self, target: Any) -> list[list[Any]]:
        found: list[list[Any]] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for v in node.values():
                    walk(v)
            elif isinstance(node, list):
                if any(x is target for x in node) and not any(node is f for f in found):
                    found.append(node)
                for v in node:
                    walk(v)

        walk(self.data)
        return found


def _dedupe(items: list[Any]) -> None:
    """Later duplicates go: an anchor or alias, which comes first, wins over a plain copy."""
    for n in reversed([n for n, item in enumerate(items) if str(item) in {str(x) for x in items[:n]}]):
        del items[n]  # CommentedSeq shifts its comments with the items


def replace_keys(text: str, mapping: Mapping[str, list[str]]) -> str:
    """Each old public key becomes the given list: ``[old, new]`` at start, ``[new]`` at finish,
    ``[]`` to remove it. Comments, order, quotes, anchors and aliases are kept."""
    yaml = yamlio.roundtrip(yamlio.detect_indent(text))
    yaml.explicit_start = text.lstrip().startswith("---")
    data = yaml.load(text)
    edit = _Edit(data, mapping)
    for rule in data.get("creation_rules") or []:
        edit.field(rule)
        for group in rule.get("key_groups") or []:
            edit.field(group)
    if not edit.changed:
        return text
    out = yamlio.dump(yaml, data)
    _check(out, mapping)
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
