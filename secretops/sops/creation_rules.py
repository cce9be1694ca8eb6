"""`.sops.yaml` creation rules, with sops's semantics: first match wins, unanchored search."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from secretops.errors import ConfigError
from secretops.sops.metadata import KINDS, Encryption, Recipients
from secretops.util import yamlio

_RULE_KEYS = {"age": "age", "pgp": "pgp", "kms": "kms", "gcp_kms": "gcp_kms",
              "azure_keyvault": "azure_kv", "hc_vault_transit_uri": "hc_vault", "hckms": "hckms"}


class CreationRule(NamedTuple):
    position: int
    path_regex: str | None
    key_groups: tuple[Recipients, ...]
    shamir_threshold: int | None
    encryption: Encryption

    def matches(self, rel: str) -> bool:
        return self.path_regex is None or re.search(self.path_regex, rel) is not None

    @property
    def recipients(self) -> Recipients:
        union = Recipients()
        for group in self.key_groups:
            union = union.union(group)
        return union

    def describe(self) -> str:
        return f"rule {self.position + 1}" + (f" ({self.path_regex})" if self.path_regex else " (catch-all)")


class SopsConfig(NamedTuple):
    path: Path
    rules: tuple[CreationRule, ...]

    def rule_for(self, rel: str) -> CreationRule | None:
        """The first rule whose path_regex is found in the repo-relative path."""
        return next((r for r in self.rules if r.matches(rel)), None)

    def has_specific_match(self, rel: str) -> bool:
        """A rule with a path_regex matches (catch-alls say nothing about a name)."""
        return any(r.path_regex is not None and r.matches(rel) for r in self.rules)

    @property
    def age_keys(self) -> frozenset[str]:
        return frozenset(k for r in self.rules for k in r.recipients.age)


def split_list(value: Any) -> list[str]:
    """A comma-separated string or a YAML list (each item split on commas too)."""
    items = value if isinstance(value, list) else [value] if value else []
    out: list[str] = []
    for item in items:
        if isinstance(item, Mapping):  # kms: [{arn: …}] inside key_groups
            ident = item.get("arn") or item.get("resource_id") or item.get("vaultUrl") or item.get("key_id")
            if ident:
                out.append(str(ident))
            continue
        out += [p.strip() for p in str(item).split(",") if p.strip()]
    return out


def _group(data: Mapping[str, Any], rule_keys: Mapping[str, str]) -> Recipients:
    found: dict[str, list[str]] = {k: [] for k in KINDS}
    for key, kind in rule_keys.items():
        found[kind] += split_list(data.get(key))
    return Recipients.of(found)


def parse_rule(index: int, raw: Any, where: str) -> CreationRule:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: creation rule {index + 1} is not a mapping")
    regex = raw.get("path_regex")
    if regex is not None:
        try:
            re.compile(str(regex))
        except re.error as exc:
            raise ConfigError(f"{where}: rule {index + 1} has a bad path_regex ({exc})") from None
    groups_raw = raw.get("key_groups")
    if groups_raw:
        group_keys = {**_RULE_KEYS, "azure_keyvault": "azure_kv", "hc_vault": "hc_vault"}
        groups = tuple(_group(g, group_keys) for g in groups_raw if isinstance(g, Mapping))
    else:
        groups = (_group(raw, _RULE_KEYS),)
    threshold = raw.get("shamir_threshold")
    return CreationRule(index, None if regex is None else str(regex), groups,
                        int(threshold) if threshold else None, Encryption.from_mapping(raw))


def load(root: Path) -> SopsConfig:
    path = root / ".sops.yaml"
    if not path.is_file():
        raise ConfigError(f"{path} does not exist", hint="create it with `secretops init`")
    return parse_text(path.read_text(encoding="utf-8"), path)


def parse_text(text: str, path: Path) -> SopsConfig:
    data = yamlio.load_one(text, ".sops.yaml")
    raw_rules = data.get("creation_rules") if isinstance(data, Mapping) else None
    if not isinstance(raw_rules, list):
        raise ConfigError(".sops.yaml has no creation_rules list", hint="add creation_rules or run `secretops init`")
    return SopsConfig(path, tuple(parse_rule(i, r, ".sops.yaml") for i, r in enumerate(raw_rules)))
