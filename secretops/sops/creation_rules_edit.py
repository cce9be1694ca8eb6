"""Replace age keys in `.sops.yaml` with a ruamel round-trip that keeps comments, order and quotes."""

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


def _scalar_like(original: Any, text: str) -> Any:
    try:
        return type(original)(text)  # keeps DoubleQuotedScalarString and friends
    except TypeError:
        return text


def _edit_age(holder: Any, mapping: Mapping[str, list[str]]) -> bool:
    value = holder.get("age")
    if isinstance(value, str):
        new = _replace_in_string(value, mapping)
        if new != value:
            holder["age"] = _scalar_like(value, new)
            return True
        return False
    if isinstance(value, list):
        changed = False
        items: list[Any] = []
        for item in value:
            new = _replace_in_string(str(item), mapping)
            changed |= new != str(item)
            items += [_scalar_like(item, k) for k in new.split(",") if k.strip()] if "," not in str(item) else [
                _scalar_like(item, new)]
        if changed:
            value[:] = [i for n, i in enumerate(items) if str(i) not in [str(x) for x in items[:n]]]
        return changed
    return False


def replace_keys(text: str, mapping: Mapping[str, list[str]]) -> str:
    """Each old public key becomes the given list: ``[old, new]`` at start, ``[new]`` at finish."""
    yaml = yamlio.roundtrip(yamlio.detect_indent(text))
    yaml.explicit_start = text.lstrip().startswith("---")
    data = yaml.load(text)
    changed = False
    for rule in data.get("creation_rules") or []:
        changed |= _edit_age(rule, mapping)
        for group in rule.get("key_groups") or []:
            changed |= _edit_age(group, mapping)
    if not changed:
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
