"""`.secretops.yaml`: the repository's conventions (schema ``version: 1``), all optional."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from secretops.errors import ConfigError
from secretops.util.display import safe

SCHEMA_VERSION = 1
SOPS_SUFFIXES = (".yaml", ".yml", ".json", ".env")  # the stores sops picks by file name (INI aside: see docs/stores.md)
FILENAME = ".secretops.yaml"
# What editors and merge tools leave beside a clear copy: the checker blocks these names, and `init`
# adds .gitignore lines for them (one list, read by both).
LEFTOVER_ENDINGS = ("~", ".orig", ".bak", ".swp", ".swo", ".tmp", ".rej", ".old", ".save")
MERGE_TOOL_SIDES = ("BACKUP", "BASE", "LOCAL", "REMOTE")  # git mergetool: db.clear_BACKUP_1234.yaml


def clear_suffixes(clear_suffix: str) -> tuple[str, ...]:
    """``.clear.yaml`` also covers ``.clear.yml``, ``.clear.json`` and ``.clear.env``: every store sops reads."""
    stem = clear_suffix.rsplit(".", 1)[0] if clear_suffix.count(".") > 1 else clear_suffix
    return tuple(dict.fromkeys([clear_suffix, *(stem + ext for ext in SOPS_SUFFIXES)]))


def clear_leftover_regex(clear_suffix: str) -> str:
    stems = "|".join(re.escape(s) for s in clear_suffixes(clear_suffix))
    ends = "|".join(re.escape(e) for e in LEFTOVER_ENDINGS)
    base = re.escape(clear_suffix.rsplit(".", 1)[0])
    return (rf"(?:{stems})(?:{ends})$"
            rf"|{base}_(?:{'|'.join(MERGE_TOOL_SIDES)})_\d+\.(?:ya?ml|json|env)$")


def clear_ignore_lines(clear_suffix: str) -> list[tuple[str, str]]:
    """The .gitignore lines for clear copies and their leftovers, each with a name it must ignore."""
    stem = clear_suffix.rsplit(".", 1)[0]
    lines = [(f"*{s}", f"x{s}") for s in clear_suffixes(clear_suffix)]
    lines += [(f"*{stem}.*{e}", f"x{clear_suffix}{e}") for e in LEFTOVER_ENDINGS]
    lines += [(f"*{stem}_{side}_*", f"x{stem}_{side}_1.yaml") for side in MERGE_TOOL_SIDES]
    return lines


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
    age_keys: tuple[str, ...] = ()  # the age public keys its Flux decrypts with (settles conflicting evidence)


class Config(NamedTuple):
    encrypted_suffix: str = ".enc.yaml"
    clear_suffix: str = ".clear.yaml"
    clusters_dir: str = "clusters"
    key_secret: KeySecretDefaults = KeySecretDefaults()
    clusters: tuple[ClusterConfig, ...] = ()
    explicit_clusters: bool = False
    explicit_suffix: bool = False
    # kustomize-controller versions an operator asserts where the API cannot show them (cluster -> "1.9.0")
    asserted_versions: tuple[tuple[str, str], ...] = ()

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


class Tree(NamedTuple):
    """Where `.secretops.yaml` and the paths it names are read: the work tree (work_tree), or a
    commit's tree where there is none (a bare repository: repo/model.py)."""

    text: Callable[[str], str | None]  # a file's text, None if there is none (UnicodeDecodeError: not UTF-8)
    kind: Callable[[str], str]  # "dir", "file", or "" (none, a link, or leading outside the repository)


def work_tree(root: Path) -> Tree:
    def kind(rel: str) -> str:
        target = root / rel
        if not target.resolve().is_relative_to(root.resolve()):
            return ""
        return "dir" if target.is_dir() else "file" if target.is_file() else ""

    def text(rel: str) -> str | None:
        return (root / rel).read_text(encoding="utf-8") if (root / rel).is_file() else None

    return Tree(text, kind)


def _inside(tree: Tree, value: str, field: str, *, folder: bool) -> str:
    """A repo-relative path that exists and stays inside the repository (no `..`, no absolute path)."""
    rel = value.strip("/") if not value.startswith("/") else value
    parts = Path(rel).parts
    if Path(rel).is_absolute() or ".." in parts or not parts:
        raise ConfigError(f"{FILENAME}: `{field}` must be a path inside the repository (got {safe(value)!r})")
    if tree.kind(rel) != ("dir" if folder else "file"):
        what = "folder" if folder else "file"
        raise ConfigError(f"{FILENAME}: `{field}`: the {what} {safe(rel)} does not exist in the repository",
                          hint=f"create it, or fix {field}")
    return Path(rel).as_posix()


def load(root: Path, tree: Tree | None = None) -> Config:
    """The repository's `.secretops.yaml`, from its work tree (or ``tree``); defaults if there is none."""
    files = tree or work_tree(root)
    from secretops.errors import InputError
    from secretops.util import yamlio

    try:
        text = files.text(FILENAME)
        if text is None:
            return Config()
        data = yamlio.load_one(text, FILENAME) or {}
    except (InputError, UnicodeDecodeError) as exc:
        raise ConfigError(exc.message if isinstance(exc, InputError) else f"{FILENAME} is not UTF-8 text",
                          hint=f"fix {FILENAME}") from None
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
    known = {"version", "encrypted_suffix", "clear_suffix", "clusters_dir", "key_secret", "clusters",
             "kustomize_controller_versions"}
    unknown = sorted(str(k) for k in data if k not in known)
    if unknown:
        raise ConfigError(f"{FILENAME}: unknown setting `{safe(unknown[0])}`",
                          hint=f"known: {', '.join(sorted(known))}")
    clusters = []
    for name, raw in clusters_raw.items():
        raw = raw or {}
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
            raise ConfigError(f"{FILENAME}: cluster names are letters, digits, . _ - (got {safe(str(name))!r})")
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{FILENAME}: cluster {name} must be a mapping")
        extra = sorted(str(k) for k in raw if k not in ("path", "kube_context", "key_secret", "age_keys"))
        if extra:
            raise ConfigError(f"{FILENAME}: cluster {name}: unknown setting `{safe(extra[0])}`",
                              hint="known: path, kube_context, key_secret, age_keys")
        age_keys = raw.get("age_keys") or []
        if isinstance(age_keys, str):
            age_keys = [k.strip() for k in age_keys.split(",")]
        if not isinstance(age_keys, list) or not all(
                isinstance(k, str) and re.fullmatch(r"age1[0-9a-z]{58,}", k) for k in age_keys):
            raise ConfigError(f"{FILENAME}: cluster {name}: age_keys must list age public keys (age1…)")
        cluster_path = _inside(files, _str(raw, "path", f"{data.get('clusters_dir', 'clusters')}/{name}"),
                               f"clusters.{name}.path", folder=True)
        key_secret = raw.get("key_secret")
        if key_secret is not None:
            key_secret = _inside(files, _str(raw, "key_secret", ""), f"clusters.{name}.key_secret", folder=False)
        clusters.append(ClusterConfig(name, cluster_path, _str(raw, "kube_context", name), key_secret,
                                      tuple(age_keys)))
    enc, clear = _str(data, "encrypted_suffix", ".enc.yaml"), _str(data, "clear_suffix", ".clear.yaml")
    if enc == clear:
        raise ConfigError(f"{FILENAME}: encrypted_suffix and clear_suffix must differ")
    clusters_dir = _str(data, "clusters_dir", "clusters").strip("/")
    if "clusters_dir" in data:  # named on purpose: it must be a folder inside the repository
        clusters_dir = _inside(files, _str(data, "clusters_dir", ""), "clusters_dir", folder=True)
    return Config(enc, clear, clusters_dir, ks, tuple(clusters),
                  bool(clusters), "encrypted_suffix" in data, _asserted_versions(data))


def _asserted_versions(data: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """``kustomize_controller_versions: {cluster: "1.9.0"}``: quoted versions (1.10 unquoted is 1.1)."""
    raw = data.get("kustomize_controller_versions") or {}
    field = "kustomize_controller_versions"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{FILENAME}: `{field}` must map cluster names to versions")
    out = []
    for name, version in raw.items():
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
            raise ConfigError(f"{FILENAME}: {field}: cluster names are letters, digits, . _ - "
                              f"(got {safe(str(name))!r})")
        if not isinstance(version, str) or not re.fullmatch(r"v?\d+\.\d+(\.\d+)?", version):
            raise ConfigError(f"{FILENAME}: {field}.{name} must be a quoted version such as \"1.9.0\"",
                              hint="quote it: an unquoted 1.10 reads as the number 1.1")
        out.append((name, version.lstrip("v")))
    return tuple(out)
