"""`.sops.yaml` creation rules, with sops's semantics: first match wins, unanchored search.

A repository may hold several `.sops.yaml` files (one per cluster folder, none at the root). A file's
rules come from the nearest `.sops.yaml` in its folder ancestry, as when sops runs from that folder,
and `path_regex` is searched in the path relative to that config's folder (checked against sops 3.11).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from secretops.errors import ConfigError, InputError
from secretops.sops import regex
from secretops.sops.metadata import KINDS, OPTIONS, Encryption, Recipients
from secretops.util import yamlio

_RULE_KEYS = {"age": "age", "pgp": "pgp", "kms": "kms", "gcp_kms": "gcp_kms",
              "azure_keyvault": "azure_kv", "hc_vault_transit_uri": "hc_vault", "hckms": "hckms"}


CONFIG_NAME = ".sops.yaml"


def is_config(rel: str) -> bool:
    """A `.sops.yaml` at any depth: configuration, never a file to encrypt."""
    return rel.rsplit("/", 1)[-1] == CONFIG_NAME


def require_no_config_folder(rels: list[str]) -> None:
    """A folder named `.sops.yaml` (seen through the files in it) is an error, not a missing config:
    sops fails on it, and rules the user meant to keep would silently govern nothing."""
    inside = next((r for r in rels if f"/{CONFIG_NAME}/" in f"/{r}"), None)
    if inside is not None:
        where = inside.rsplit(f"{CONFIG_NAME}/", 1)[0] + CONFIG_NAME
        raise ConfigError(f"{where} is a folder, not a file", hint="sops reads its creation rules from a file of "
                          "that name: move the folder away and put the rules in that file")


def folder_of(config_rel: str) -> str:
    return config_rel.rsplit("/", 1)[0] if "/" in config_rel else ""


class CreationRule(NamedTuple):
    position: int
    path_regex: str | None
    key_groups: tuple[Recipients, ...]
    shamir_threshold: int | None
    encryption: Encryption
    source: str = CONFIG_NAME  # the repo-relative `.sops.yaml` the rule is in

    def matches(self, rel: str) -> bool:
        return self.path_regex is None or regex.search(self.path_regex, rel)

    @property
    def catch_all(self) -> bool:
        """No path_regex, or one that matches what no one names an encrypted file (`.*.yaml`)."""
        return self.path_regex is None or any(regex.search(self.path_regex, p) for p in _ORDINARY)

    @property
    def recipients(self) -> Recipients:
        union = Recipients()
        for group in self.key_groups:
            union = union.union(group)
        return union

    def describe(self) -> str:
        where = "" if self.source == CONFIG_NAME else f"{self.source} "
        return f"{where}rule {self.position + 1}" + (f" ({self.path_regex})" if self.path_regex else " (catch-all)")


class SopsConfig(NamedTuple):
    path: Path
    rules: tuple[CreationRule, ...]
    rel: str = CONFIG_NAME  # repo-relative

    @property
    def folder(self) -> str:
        return folder_of(self.rel)

    def local(self, rel: str) -> str:
        """``rel`` as sops matches it: relative to this config's folder."""
        return rel[len(self.folder) + 1:] if self.folder and rel.startswith(self.folder + "/") else rel

    def rule_for(self, rel: str) -> CreationRule | None:
        """The first rule whose path_regex is found in the path (relative to the config's folder)."""
        local = self.local(rel)
        if len(self.rules) < regex.FIRST_MATCH_MIN:
            return next((r for r in self.rules if r.matches(local)), None)
        found = _first_match(self.rules).first(local)
        return None if found is None else self.rules[found]

    def has_specific_match(self, rel: str) -> bool:
        """A rule with a path_regex matches (catch-alls, `.*.yaml` included, say nothing about a name)."""
        local = self.local(rel)
        if len(self.rules) < regex.FIRST_MATCH_MIN:
            return any(not r.catch_all and r.matches(local) for r in self.rules)
        return _first_match(_specific(self.rules)).first(local) is not None

    @property
    def age_keys(self) -> frozenset[str]:
        return frozenset(k for r in self.rules for k in r.recipients.age)


_INDEXES: dict[int, tuple[tuple[CreationRule, ...], regex.FirstMatch]] = {}


def _first_match(rules: tuple[CreationRule, ...]) -> regex.FirstMatch:
    """One index per rule list read (kept while the list lives: its id is checked against the list)."""
    entry = _INDEXES.get(id(rules))
    if entry is None or entry[0] is not rules:
        entry = (rules, regex.FirstMatch(tuple(r.path_regex for r in rules)))
        _INDEXES[id(rules)] = entry
    return entry[1]


_SPECIFIC: dict[int, tuple[tuple[CreationRule, ...], tuple[CreationRule, ...]]] = {}


def _specific(rules: tuple[CreationRule, ...]) -> tuple[CreationRule, ...]:
    """The rules that are no catch-all, one tuple per rule list (so that its index is built once)."""
    entry = _SPECIFIC.get(id(rules))
    if entry is None or entry[0] is not rules:
        entry = (rules, tuple(r for r in rules if not r.catch_all))
        _SPECIFIC[id(rules)] = entry
    return entry[1]


_ORDINARY = ("deployment.yaml", "app/deployment.yaml", "apps/default/app/deployment.yaml")
_CLAIM_WORDS = r"(?i)(?:^|[^a-z])(?:sops|enc|encrypted|secrets?|crypt|vault|creds?|credentials?)(?:$|[^a-z])"
CLAIM_LIMIT = 10  # a rule that names more plaintext-looking files than this is a catch-all
# A file named as sops files are (`db.sops.yaml`, `app.secret.sops.yaml`, `x.enc.json`), in any store sops picks by name
_SOPS_NAMED = re.compile(r"(?i)(?:^|/)[^/]+\.(?:sops|enc)\.(?:ya?ml|json|env|ini)$")


def claiming_rules(configs: SopsConfigs, names: Iterable[str]) -> frozenset[tuple[str, int]]:
    """Which rules claim that the files they match must be encrypted. A creation rule picks the
    keys sops uses *when* a file is encrypted; a catch-all such as `kubernetes/main/.*\\.ya?ml`
    matches every Deployment and says nothing about them. So a rule claims its files when its regex
    names what encrypted files are called (sops, enc, secret, crypt, vault, creds as words) or it
    matches few files (at most CLAIM_LIMIT) of the repository. Plaintext Secrets under any rule are
    still found by `plaintext-secret`."""
    counts: dict[tuple[str, int], int] = {}
    for rel in names:
        rule = None if is_config(rel) else configs.rule_for(rel)
        if rule is not None and not rule.catch_all:
            counts[(rule.source, rule.position)] = counts.get((rule.source, rule.position), 0) + 1
    return frozenset((r.source, r.position) for r in configs.rules if not r.catch_all and (
        re.search(_CLAIM_WORDS, r.path_regex or "") or counts.get((r.source, r.position), 0) <= CLAIM_LIMIT))


class SopsConfigs(NamedTuple):
    """Every `.sops.yaml` of a repository; each file is governed by the nearest one above it."""

    configs: tuple[SopsConfig, ...]
    # (config, rule) pairs that claim their files (claiming_rules), computed on first need: the
    # hook's common path never lists the repository. None: every rule with a path_regex claims.
    claiming: Callable[[], frozenset[tuple[str, int]]] | None = None

    def claims(self, rel: str) -> bool:
        """The rule that governs ``rel`` says it must be encrypted (see claiming_rules). A catch-all
        (no path_regex, or one that matches any `deployment.yaml`) claims nothing by itself: only a
        file whose own name says it is a sops file (`*.sops.yaml`, `*.enc.json`: the name says what
        the regex does not). Which of its values sops would encrypt is the content's question:
        value_policy.would_encrypt."""
        rule = self.rule_for(rel)
        if rule is None:
            return False
        if rule.catch_all:
            return _SOPS_NAMED.search(rel) is not None
        if re.search(_CLAIM_WORDS, rule.path_regex or "") or self.claiming is None:
            return True
        return (rule.source, rule.position) in self.claiming()

    def config_for(self, rel: str) -> SopsConfig | None:
        best: SopsConfig | None = None
        for cfg in self.configs:
            inside = not cfg.folder or rel.startswith(cfg.folder + "/")
            if inside and (best is None or len(cfg.folder) > len(best.folder)):
                best = cfg
        return best

    def rule_for(self, rel: str) -> CreationRule | None:
        cfg = self.config_for(rel)
        return cfg.rule_for(rel) if cfg else None

    def has_specific_match(self, rel: str) -> bool:
        cfg = self.config_for(rel)
        return cfg.has_specific_match(rel) if cfg else False

    @property
    def rules(self) -> tuple[CreationRule, ...]:
        return tuple(r for cfg in self.configs for r in cfg.rules)

    @property
    def age_keys(self) -> frozenset[str]:
        return frozenset(k for cfg in self.configs for k in cfg.age_keys)

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(cfg.rel for cfg in self.configs)

    def __bool__(self) -> bool:
        return bool(self.configs)


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


def parse_rule(index: int, raw: Any, where: str, source: str = CONFIG_NAME) -> CreationRule:
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
    return CreationRule(index, pattern, groups, threshold or None, Encryption.from_mapping(raw), source)


def load(root: Path, rel: str = CONFIG_NAME) -> SopsConfig:
    path = root / rel
    if path.is_symlink():
        raise ConfigError(f"{rel} is a symlink; secretops never follows one", hint="make it a regular file")
    if not path.is_file():
        raise ConfigError(f"{rel} does not exist or is not a regular file", hint="create a .sops.yaml with "
                          "creation_rules (or `secretops init` in a new repository)")
    return parse_bytes(path.read_bytes(), path, rel)


def load_all(root: Path, rels: list[str]) -> SopsConfigs:
    """Every `.sops.yaml` among ``rels`` (repo-relative file names), parsed and validated."""
    return SopsConfigs(tuple(load(root, rel) for rel in sorted(r for r in rels if is_config(r))))


def parse_bytes(data: bytes, path: Path, rel: str = CONFIG_NAME) -> SopsConfig:
    """Parse a `.sops.yaml` read as bytes: binary or non-UTF-8 content is a config error, not a crash."""
    if b"\0" in data:
        raise ConfigError(f"{rel} is binary, not YAML", hint=f"fix {rel}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"{rel} is not UTF-8 text", hint=f"fix {rel}") from None
    return parse_text(text, path, rel)


def parse_text(text: str, path: Path, rel: str = CONFIG_NAME) -> SopsConfig:
    try:
        data = yamlio.load_one(text, rel)
    except InputError as exc:
        raise ConfigError(exc.message, hint=f"fix {rel}") from None
    raw_rules = data.get("creation_rules") if isinstance(data, Mapping) else None
    if not isinstance(raw_rules, list):
        raise ConfigError(f"{rel} has no creation_rules list", hint=f"add creation_rules to {rel}")
    return SopsConfig(path, tuple(parse_rule(i, r, rel, rel) for i, r in enumerate(raw_rules)), rel)
