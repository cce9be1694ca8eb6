"""`.secretops.yaml`: the repository's conventions (schema ``version: 1``), all optional."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from secretops.errors import ConfigError

SCHEMA_VERSION = 1
SOPS_SUFFIXES = (".yaml", ".yml", ".json", ".env")  # the stores sops picks by file name
FILENAME = ".secretops.yaml"


class KeySecretDefaults(NamedTuple):  # values loaded on every hook run: NamedTuples, cheap to define
    """The key Secret that ``init`` writes and Flux reads (``spec.decryption.secretRef``)."""

    name: str = "sops-age"
    namespace: str = "flux-system"
    data_key: str = "age.agekey"


class ClusterConfig(NamedTuple):
    name: str
    path: str
    kube_context: str
    key_secret: str | None = None  # repo-relative path of the in-git key Secret file


class Config(NamedTuple):
    encrypted_suffix: str = ".enc.yaml"
    clear_suffix: str = ".clear.yaml"
    clusters_dir: str = "clusters"
    key_secret: KeySecretDefaults = KeySecretDefaults()
    clusters: tuple[ClusterConfig, ...] = ()
    explicit_clusters: bool = False

    def clear_name(self, enc: str) -> str:
        stem = enc[: -len(self.encrypted_suffix)] if enc.endswith(self.encrypted_suffix) else enc.rsplit(".", 1)[0]
        return stem + self.clear_suffix

    def encrypted_name(self, clear: str) -> str:
        return clear[: -len(self.clear_suffix)] + self.encrypted_suffix


def _str(data: Mapping[str, Any], key: str, default: str) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{FILENAME}: `{key}` must be a non-empty string")
    return value


def load(root: Path) -> Config:
    path = root / FILENAME
    if not path.is_file():
        return Config()
    from secretops.util import yamlio

    data = yamlio.load_one(path.read_text(encoding="utf-8"), FILENAME) or {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{FILENAME} must be a mapping")
    if data.get("version", SCHEMA_VERSION) != SCHEMA_VERSION:
        raise ConfigError(f"{FILENAME} has schema version {data.get('version')}, this secretops reads {SCHEMA_VERSION}",
                          hint="upgrade secretops")
    ks_raw = data.get("key_secret") or {}
    if not isinstance(ks_raw, Mapping):
        raise ConfigError(f"{FILENAME}: `key_secret` must be a mapping")
    defaults = KeySecretDefaults()
    ks = KeySecretDefaults(_str(ks_raw, "name", defaults.name), _str(ks_raw, "namespace", defaults.namespace),
                           _str(ks_raw, "data_key", defaults.data_key))
    if not ks.data_key.endswith(".agekey"):
        raise ConfigError(f"{FILENAME}: key_secret.data_key must end in .agekey (Flux ignores other keys)")
    clusters_raw = data.get("clusters") or {}
    if not isinstance(clusters_raw, Mapping):
        raise ConfigError(f"{FILENAME}: `clusters` must map names to settings")
    clusters = []
    for name, raw in clusters_raw.items():
        raw = raw or {}
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{FILENAME}: cluster {name} must be a mapping")
        cluster_path = _str(raw, "path", f"{data.get('clusters_dir', 'clusters')}/{name}").strip("/")
        key_secret = raw.get("key_secret")
        clusters.append(ClusterConfig(str(name), cluster_path, _str(raw, "kube_context", str(name)),
                                      str(key_secret) if key_secret else None))
    enc, clear = _str(data, "encrypted_suffix", ".enc.yaml"), _str(data, "clear_suffix", ".clear.yaml")
    if enc == clear:
        raise ConfigError(f"{FILENAME}: encrypted_suffix and clear_suffix must differ")
    return Config(enc, clear, _str(data, "clusters_dir", "clusters").strip("/"), ks, tuple(clusters),
                  bool(clusters))
