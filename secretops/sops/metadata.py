"""Read a sops file's metadata without decrypting it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

KINDS = ("age", "pgp", "kms", "gcp_kms", "azure_kv", "hc_vault", "hckms")
OPTIONS = ("encrypted_regex", "unencrypted_regex", "encrypted_suffix", "unencrypted_suffix",
           "encrypted_comment_regex", "unencrypted_comment_regex")
_ID_FIELDS = {"age": ("recipient",), "pgp": ("fp",), "kms": ("arn",), "gcp_kms": ("resource_id",),
              "azure_kv": ("vault_url", "name", "version"), "hc_vault": ("vault_address", "engine_path", "key_name"),
              "hckms": ("key_id",)}


class Recipients(NamedTuple):  # NamedTuples: immutable values, cheap to define (hook path)
    """Recipient ids by kind: age public keys, PGP fingerprints, KMS ARNs, …"""

    by_kind: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def of(cls, mapping: Mapping[str, list[str]]) -> Recipients:
        return cls(tuple((k, tuple(v)) for k, v in sorted(mapping.items()) if v))

    def get(self, kind: str) -> tuple[str, ...]:
        return dict(self.by_kind).get(kind, ())

    @property
    def age(self) -> tuple[str, ...]:
        return self.get("age")

    def as_dict(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.by_kind}

    def has_non_age(self) -> bool:
        """A PGP, KMS or Vault recipient: one an age rotation leaves alone."""
        return any(ids for kind, ids in self.by_kind if kind != "age")

    def as_sets(self) -> dict[str, frozenset[str]]:
        return {k: frozenset(v) for k, v in self.by_kind}

    def union(self, other: Recipients) -> Recipients:
        merged = self.as_dict()
        for kind, ids in other.by_kind:
            merged.setdefault(kind, [])
            merged[kind] += [i for i in ids if i not in merged[kind]]
        return Recipients.of(merged)


class Encryption(NamedTuple):
    """Which values sops encrypts: at most one of the rule options, plus ``mac_only_encrypted``."""

    option: str | None = None
    value: str | None = None
    mac_only_encrypted: bool = False

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Encryption:
        for opt in OPTIONS:
            if data.get(opt) not in (None, ""):
                return cls(opt, str(data[opt]), bool(data.get("mac_only_encrypted")))
        return cls(None, None, bool(data.get("mac_only_encrypted")))


class SopsMeta(NamedTuple):
    recipients: Recipients
    key_groups: tuple[Recipients, ...]
    shamir_threshold: int | None
    encryption: Encryption
    lastmodified: str | None
    version: str | None
    mac: str | None
    age_stanzas: tuple[tuple[str, str], ...] = ()  # ciphertext of the data key, not a secret

    @property
    def uses_key_groups(self) -> bool:
        return len(self.key_groups) > 1 or self.shamir_threshold is not None


def _ids(kind: str, entries: Any) -> list[str]:
    out: list[str] = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, Mapping):
            parts = [str(entry.get(f, "")) for f in _ID_FIELDS[kind] if entry.get(f)]
            if parts:
                out.append("/".join(parts))
    return out


def _group(data: Mapping[str, Any]) -> Recipients:
    return Recipients.of({kind: _ids(kind, data.get(kind)) for kind in KINDS})


def from_mapping(sops: Any) -> SopsMeta | None:
    """Metadata from a document's ``sops:`` value, or None if it is not sops metadata."""
    if not isinstance(sops, Mapping) or not ("mac" in sops or "version" in sops or "lastmodified" in sops):
        return None
    raw_groups = sops.get("key_groups")
    raw_groups = raw_groups if isinstance(raw_groups, list) else []  # a malformed file is read, never a crash
    groups = [_group(g) for g in raw_groups if isinstance(g, Mapping)]
    top = _group(sops)
    if not groups:
        groups = [top]
    union = Recipients()
    for g in groups:
        union = union.union(g)
    stanzas: list[tuple[str, str]] = []
    for g in [sops, *raw_groups]:
        entries = g.get("age") if isinstance(g, Mapping) else None
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, Mapping) and entry.get("recipient") and entry.get("enc"):
                stanzas.append((str(entry["recipient"]), str(entry["enc"])))
    threshold = sops.get("shamir_threshold")
    return SopsMeta(
        recipients=union, key_groups=tuple(groups),
        shamir_threshold=_threshold(threshold),
        encryption=Encryption.from_mapping(sops),
        lastmodified=_str(sops.get("lastmodified")), version=_str(sops.get("version")),
        mac=_str(sops.get("mac")), age_stanzas=tuple(stanzas),
    )


def _threshold(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
        return None
    return int(value) or None


def _str(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return str(value.isoformat()).replace("+00:00", "Z")
    return str(value)


def from_documents(docs: list[Any]) -> list[SopsMeta | None]:
    return [from_mapping(d.get("sops")) if isinstance(d, Mapping) else None for d in docs]


_ENV_LINE = re.compile(r"^sops_([A-Za-z0-9_]+)=(.*)$", re.M)
_INI_SECTION = re.compile(r"^[ \t]*\[([^\]\n]*)\][ \t]*$")
_INI_KEY = re.compile(r"^[ \t]*([^=;#\s][^=]*?)[ \t]*=[ \t]*(.*?)[ \t]*$")


def unflatten(flat: Mapping[str, str]) -> dict[str, Any]:
    """sops's flat metadata keys back into its tree. The dotenv and INI stores write each leaf as
    ``age__list_0__map_recipient``: the top key, then ``list_N`` (an index) or ``map_K`` (a key),
    joined by ``__``; newlines in values are written as ``\\n`` (checked with sops 3.11)."""
    tree: dict[str, Any] = {}
    for key, raw in flat.items():
        parts = key.split("__")
        node: dict[Any, Any] = tree
        steps: list[Any] = [parts[0]]
        for part in parts[1:]:
            if part.startswith("list_") and part[5:].isdigit():
                steps.append(int(part[5:]))
            elif part.startswith("map_"):
                steps.append(part[4:])
            else:
                steps.append(part)
        for step in steps[:-1]:
            child = node.setdefault(step, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node[steps[-1]] = raw.replace("\\n", "\n")
    out = _lists(tree)
    return out if isinstance(out, dict) else {}


def _lists(node: Any) -> Any:
    """Maps whose keys are all indices (from ``list_N``) become lists, in index order."""
    if not isinstance(node, dict):
        return node
    if node and all(isinstance(k, int) for k in node):
        return [_lists(node[k]) for k in sorted(node)]
    return {str(k): _lists(v) for k, v in node.items()}


def _from_flat(flat: Mapping[str, str]) -> SopsMeta | None:
    if "mac" not in flat and "version" not in flat:
        return None
    tree = unflatten(flat)
    if isinstance(tree.get("mac_only_encrypted"), str):
        tree["mac_only_encrypted"] = tree["mac_only_encrypted"].lower() == "true"
    return from_mapping(tree)


def from_dotenv(text: str) -> SopsMeta | None:
    """sops flattens its metadata into ``sops_age__list_0__map_recipient=…`` lines in .env files."""
    return _from_flat(dict(_ENV_LINE.findall(text)))


def ini_sections(text: str) -> dict[str, dict[str, str]]:
    """An INI file as sops's store reads it (go-ini): ``[section]`` headers, ``key = value`` lines,
    ``;``/``#`` comment lines; a value with ``;`` or ``#`` is written in backticks. Keys before the
    first header belong to the section named ``DEFAULT``."""
    sections: dict[str, dict[str, str]] = {}
    current = sections.setdefault("DEFAULT", {})
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped[0] in ";#":
            continue
        head = _INI_SECTION.match(line)
        if head:
            current = sections.setdefault(head.group(1).strip(), {})
            continue
        pair = _INI_KEY.match(line)
        if pair:
            current[pair.group(1)] = _ini_value(pair.group(2))
    if not sections["DEFAULT"]:
        del sections["DEFAULT"]
    return sections


def _ini_value(raw: str) -> str:
    for quote in ('"""', "`", '"'):
        if len(raw) >= 2 * len(quote) and raw.startswith(quote) and raw.endswith(quote):
            return raw[len(quote):-len(quote)]
    return raw


def from_ini(text: str) -> SopsMeta | None:
    """sops keeps its metadata in an INI file's ``[sops]`` section, flattened as in .env files."""
    return _from_flat(ini_sections(text).get("sops", {}))
