"""`encrypt`: clear copies into their encrypted siblings; only changed values get new ciphertext."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from secretops.errors import ConfigError, InputError
from secretops.repo.model import Repo
from secretops.sops import agekeys, document
from secretops.sops.binary import Sops
from secretops.util.fsutil import atomic_delete, atomic_write, require_space
from secretops.util.progress import Observer, Silent
from secretops.workflow import reencrypt
from secretops.workflow.files import Outcome, parse_plain, read


def encrypt(repo: Repo, sops: Sops, paths: Sequence[str], *, remove_clear: bool = False,
            observer: Observer | None = None) -> Outcome:
    """Encrypt clear copies into their ``.enc`` siblings, and a file named encrypted that is not (in
    place); nothing is written if any input is bad."""
    obs = observer or Silent()
    cfg = repo.config
    targets = [repo.rel(p) for p in paths] or [r for r in repo.files() if repo.is_clear_name(r)]
    in_place = {t for t in targets if _plaintext_encrypted(repo, t)}
    clear = [t if t in in_place else cfg.clear_name(t) if t.endswith(cfg.encrypted_suffix) else t for t in targets]
    for rel in clear:
        if rel not in in_place and not repo.is_clear_name(rel):
            raise InputError(f"{rel} is not a clear file (*{cfg.clear_suffix})",
                             hint=f"name working copies *{cfg.clear_suffix}")
        enc = rel if rel in in_place else cfg.encrypted_name(rel)
        if repo.sops_config.config_for(enc) is None:
            raise ConfigError(f"no .sops.yaml governs {enc}", hint="add a .sops.yaml with a creation rule for it, "
                              "in its folder or one above")
        if repo.sops_config.rule_for(enc) is None:
            where = repo.sops_config.config_for(enc).rel  # type: ignore[union-attr]
            raise ConfigError(f"no creation rule in {where} matches {enc}",
                              hint="add a rule whose path_regex matches it")
    plans = []
    for rel in clear:
        parsed = parse_plain(rel, read(repo, rel))
        if parsed.meta is not None:
            raise InputError(f"{rel} already holds sops metadata", hint="decrypt it first")
        plans.append((rel, rel if rel in in_place else cfg.encrypted_name(rel), parsed))
    outputs: list[tuple[str, str, bytes]] = []
    unchanged: list[str] = []
    ids: list[agekeys.Identity] | None = None
    obs.begin("encrypting", len(plans))
    for rel, enc, parsed in plans:
        current = None if rel in in_place else _current(repo, sops, enc)
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
    if outputs:
        require_space(repo.root, 2 * sum(len(d) for *_x, d in outputs), max(len(d) for *_x, d in outputs),
                      "encrypt")
    for _rel, enc, data in outputs:
        atomic_write(repo.root / enc, data, mode=0o644)
    from secretops.workflow import clearstate

    if not remove_clear:
        clearstate.record(repo, [rel for rel, _enc, _parsed in plans if rel not in in_place])
    removed = []
    if remove_clear:
        for rel, _enc, _parsed in plans:
            if rel in in_place:
                continue
            atomic_delete(repo.root / rel)
            removed.append(rel)
    return Outcome(tuple(e for _, e, _ in outputs), tuple(unchanged), tuple(removed))


def _plaintext_encrypted(repo: Repo, rel: str) -> bool:
    """A file named (or configured) as encrypted that holds no sops metadata, with no clear copy beside
    it: `encrypt FILE` encrypts it in place (the checker's not-encrypted finding names this command)."""
    cfg = repo.config
    path = repo.root / rel
    if repo.is_clear_name(rel) or not path.is_file() or (repo.root / cfg.clear_name(rel)).exists():
        return False
    if not (rel.endswith(cfg.encrypted_suffix) or repo.sops_config.claims(rel)):
        return False
    parsed = document.parse(rel, path.read_bytes())
    return parsed.format != "binary" and not parsed.error and parsed.meta is None


def _current(repo: Repo, sops: Sops, enc: str) -> tuple[str, list[Any]] | None:
    """The existing encrypted file's text and its decrypted documents (in memory), if there is one."""
    path = repo.root / enc
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    if document.parse(enc, text.encode()).meta is None:
        return None
    return text, list(document.parse(enc, sops.decrypt(enc)).documents)
