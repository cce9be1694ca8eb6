"""encrypt, decrypt and edit: the `.clear.yaml` ↔ `.enc.yaml` workflow."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from secretops import agekeys, git, reencrypt, sopsfile
from secretops.errors import ConfigError, InputError, StateError
from secretops.fsutil import atomic_delete, atomic_write
from secretops.progress import Observer, Silent
from secretops.repo import Repo
from secretops.sops import Sops


@dataclass(frozen=True)
class Outcome:
    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...] = ()


def _read(repo: Repo, rel: str) -> bytes:
    path = repo.root / rel
    if not path.is_file():
        raise InputError(f"{rel} does not exist", hint="check the path")
    return path.read_bytes()


def _plain_yaml(rel: str, data: bytes) -> sopsfile.ParsedFile:
    parsed = sopsfile.parse(rel, data)
    if parsed.format == "binary":
        raise InputError(f"{rel} is a binary file", hint="only YAML, JSON and .env files can be encrypted")
    if parsed.error:
        raise InputError(parsed.error if parsed.error.startswith(rel) else f"{rel}: {parsed.error}",
                         hint="fix the file")
    return parsed


def encrypt(repo: Repo, sops: Sops, paths: Sequence[str], *, remove_clear: bool = False,
            observer: Observer | None = None) -> Outcome:
    """Encrypt clear copies into their ``.enc`` siblings; nothing is written if any input is bad."""
    obs = observer or Silent()
    cfg = repo.config
    targets = [repo.rel(p) for p in paths] or [r for r in repo.files() if repo.is_clear_name(r)]
    clear = [cfg.clear_name(t) if t.endswith(cfg.encrypted_suffix) else t for t in targets]
    for rel in clear:
        if not repo.is_clear_name(rel):
            raise InputError(f"{rel} is not a clear file (*{cfg.clear_suffix})",
                             hint=f"name working copies *{cfg.clear_suffix}")
        if repo.sops_config.rule_for(cfg.encrypted_name(rel)) is None:
            raise ConfigError(f"no creation rule in .sops.yaml matches {cfg.encrypted_name(rel)}",
                              hint="add a rule whose path_regex matches it")
    plans = []
    for rel in clear:
        parsed = _plain_yaml(rel, _read(repo, rel))
        if parsed.meta is not None:
            raise InputError(f"{rel} already holds sops metadata", hint="decrypt it first")
        plans.append((rel, cfg.encrypted_name(rel), parsed))
    outputs: list[tuple[str, str, bytes]] = []
    unchanged: list[str] = []
    ids: list[agekeys.Identity] | None = None
    obs.begin("encrypting", len(plans))
    for rel, enc, parsed in plans:
        current = _current(repo, sops, enc)
        if current is not None and current[1] == list(parsed.documents):
            unchanged.append(enc)
            obs.step(enc)
            continue
        data = None
        if current is not None:  # only the changed values get new ciphertext, when that is safe
            ids = agekeys.load_identities() if ids is None else ids
            rule = repo.sops_config.rule_for(enc)
            data = reencrypt.patch(sops, enc, current[0], current[1], parsed, rule, ids) if rule else None
        outputs.append((rel, enc, data or sops.encrypt(parsed.text.encode(), enc)))
        obs.step(enc)
    obs.end()
    for _rel, enc, data in outputs:
        atomic_write(repo.root / enc, data, mode=0o644)
    removed = []
    if remove_clear:
        for rel, _enc, _parsed in plans:
            atomic_delete(repo.root / rel)
            removed.append(rel)
    return Outcome(tuple(e for _, e, _ in outputs), tuple(unchanged), tuple(removed))


def _current(repo: Repo, sops: Sops, enc: str) -> tuple[str, list[Any]] | None:
    """The existing encrypted file's text and its decrypted documents (in memory), if there is one."""
    path = repo.root / enc
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    if sopsfile.parse(enc, text.encode()).meta is None:
        return None
    return text, list(sopsfile.parse(enc, sops.decrypt(enc)).documents)


def require_ignored(repo: Repo, clear_names: Sequence[str], force: bool) -> None:
    """Refuse to write clear copies that git would not ignore (they could be committed)."""
    if force or not repo.is_git or not clear_names:
        return
    ignored = git.ignored(repo.root, clear_names)
    for name in clear_names:
        if name not in ignored:
            raise StateError(f".gitignore does not ignore {name}",
                             hint=f"add `*{repo.config.clear_suffix}` to .gitignore (or run `secretops init`), "
                                  "or pass --force")


def decrypt(repo: Repo, sops: Sops, paths: Sequence[str], *, force: bool = False,
            observer: Observer | None = None) -> Outcome:
    """Decrypt into ``.clear`` siblings with mode 0600; nothing is written if any input is bad."""
    obs = observer or Silent()
    cfg = repo.config
    if paths:
        targets = [repo.rel(p) for p in paths]
    else:
        targets = [r for r in repo.files() if r.endswith(cfg.encrypted_suffix)]
    for rel in targets:
        if repo.is_clear_name(rel):
            raise InputError(f"{rel} is already a clear file", hint="pass the encrypted file")
        parsed = _plain_yaml(rel, _read(repo, rel))
        if parsed.meta is None:
            raise InputError(f"{rel} is not a sops-encrypted file", hint="encrypt it with `secretops encrypt`")
    require_ignored(repo, [cfg.clear_name(t) for t in targets], force)
    _ = repo.sops_config  # a broken .sops.yaml is reported as such, before sops runs
    results = []
    obs.begin("decrypting", len(targets))
    for rel in targets:
        results.append((cfg.clear_name(rel), sops.decrypt(rel)))
        obs.step(rel)
    obs.end()
    for clear, data in results:
        atomic_write(repo.root / clear, data, mode=0o600)
    return Outcome(tuple(c for c, _ in results), ())


def edit(repo: Repo, sops: Sops, path: str) -> int:
    rel = repo.rel(path)
    parsed = _plain_yaml(rel, _read(repo, rel))
    if parsed.meta is None:
        raise InputError(f"{rel} is not a sops-encrypted file", hint="encrypt it with `secretops encrypt`")
    return sops.edit(rel)
