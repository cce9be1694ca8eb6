"""`.sops.yaml` creation rules, with sops's semantics: first match wins, unanchored search."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from secretops.errors import ConfigError, InputError
from secretops.sops import regex
from secretops.sops.metadata import KINDS, OPTIONS, Encryption, Recipients
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
        return self.path_regex is None or regex.search(self.path_regex, rel)

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


def _require(ok: bool, where: str, index: int, what: str) -> None:
    if not ok:
        raise ConfigError(f"{where}: creation rule {index + 1}: {what}", hint="fix .sops.yaml")


def _check_types(index: int, raw: Mapping[str, Any], where: str) -> None:
    """The fields sops reads, with the types sops accepts; regexes must compile under RE2."""
    for key in (*_RULE_KEYS, "hc_vault"):
        value = raw.get(key)
        _require(value is None or isinstance(value, str) or (isinstance(value, list) and all(
            isinstance(v, str | Mapping) for v in value)), where, index, f"`{key}` must be a string or a list")
    for key in ("path_regex", *OPTIONS):
        value = raw.get(key)
        _require(value is None or isinstance(value, str), where, index, f"`{key}` must be a string")
        if isinstance(value, str) and (key == "path_regex" or key.endswith("_regex")):
            try:
                regex.compile(value)
            except regex.BadRegex as exc:
                raise ConfigError(f"{where}: creation rule {index + 1}: `{key}` is not valid Go RE2 syntax ({exc})",
                                  hint="fix it in .sops.yaml (sops uses Go regexp syntax)") from None
    threshold = raw.get("shamir_threshold")
    _require(threshold is None or (isinstance(threshold, int) and not isinstance(threshold, bool)), where, index,
             "`shamir_threshold` must be a number")
    groups = raw.get("key_groups")
    _require(groups is None or (isinstance(groups, list) and all(isinstance(g, Mapping) for g in groups)), where,
             index, "`key_groups` must be a list of mappings")


def parse_rule(index: int, raw: Any, where: str) -> CreationRule:
    _require(isinstance(raw, Mapping), where, index, "is not a mapping")
    _check_types(index, raw, where)
    pattern = raw.get("path_regex")
    groups_raw = raw.get("key_groups")
    if groups_raw:
        group_keys = {**_RULE_KEYS, "azure_keyvault": "azure_kv", "hc_vault": "hc_vault"}
        groups = tuple(_group(g, group_keys) for g in groups_raw)
    else:
        groups = (_group(raw, _RULE_KEYS),)
    threshold = raw.get("shamir_threshold")
    return CreationRule(index, pattern, groups, threshold or None, Encryption.from_mapping(raw))


def load(root: Path) -> SopsConfig:
    path = root / ".sops.yaml"
    if not path.is_file():
        raise ConfigError(f"{path} does not exist", hint="create it with `secretops init`")
    return parse_text(path.read_text(encoding="utf-8"), path)


def parse_text(text: str, path: Path) -> SopsConfig:
    try:
        data = yamlio.load_one(text, ".sops.yaml")
    except InputError as exc:
        raise ConfigError(exc.message, hint="fix .sops.yaml") from None
    raw_rules = data.get("creation_rules") if isinstance(data, Mapping) else None
    if not isinstance(raw_rules, list):
        raise ConfigError(".sops.yaml has no creation_rules list", hint="add creation_rules or run `secretops init`")
    return SopsConfig(path, tuple(parse_rule(i, r, ".sops.yaml") for i, r in enumerate(raw_rules)))
