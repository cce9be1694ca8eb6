"""`decrypt`: encrypted files into `*.clear.yaml` working copies (mode 0600) that git ignores."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path

from secretops.errors import InputError, StateError
from secretops.git import command as git
from secretops.repo.model import Repo
from secretops.sops.binary import Sops
from secretops.util.display import safe
from secretops.util.fsutil import atomic_write, require_space
from secretops.util.progress import Observer, Silent
from secretops.workflow import clearstate
from secretops.workflow.files import EDITED, IN_SYNC, Outcome, clear_state, parse_plain, read


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


def _through_link(root: Path, path: Path) -> bool:
    """The path, or a folder on its way inside the repository, is a symlink."""
    absolute = path if path.is_absolute() else Path.cwd() / path
    for part in (absolute, *absolute.parents):
        if part == root or root not in part.parents:
            return False
        if part.is_symlink():
            return True
    return False


def decrypt(repo: Repo, sops: Sops, paths: Sequence[str], *, force: bool = False,
            observer: Observer | None = None) -> Outcome:
    """Decrypt into ``.clear`` siblings with mode 0600; nothing is written if any input is bad."""
    obs = observer or Silent()
    cfg = repo.config
    if paths:
        for p in paths:
            if _through_link(repo.root, Path(p)):
                raise InputError(f"{safe(str(p))} is or goes through a symlink; secretops never follows one",
                                 hint="pass the file the link points to")
        targets = [repo.rel(p) for p in paths]
    else:
        targets = [r for r in repo.files() if r.endswith(cfg.encrypted_suffix)]
    for rel in targets:
        if repo.is_clear_name(rel):
            raise InputError(f"{rel} is already a clear file", hint="pass the encrypted file")
        parsed = parse_plain(rel, read(repo, rel))
        if parsed.meta is None:
            raise InputError(f"{rel} is not a sops-encrypted file",
                             hint=f"encrypt it in place with `secretops encrypt {shlex.quote(rel)}`")
    require_ignored(repo, [cfg.clear_name(t) for t in targets], force)
    _ = repo.sops_config  # a broken .sops.yaml is reported as such, before sops runs
    results, unchanged = [], []
    obs.begin("decrypting", len(targets))
    for rel in targets:
        clear, data = cfg.clear_name(rel), sops.decrypt(rel)
        obs.step(rel)
        current = repo.root / clear
        if current.is_symlink():
            raise InputError(f"{safe(clear)} is a symlink; secretops never writes through one",
                             hint="remove the link, then run decrypt again")
        if current.is_file():
            state = clear_state(repo, clear, data)
            if state == IN_SYNC:
                unchanged.append(clear)
                continue
            if state == EDITED and not force:  # the copy is ignored by git: overwriting it would lose edits for good
                raise StateError(f"{safe(clear)} differs from {safe(rel)}: it holds edits that are not encrypted yet",
                                 hint=f"encrypt them (`secretops encrypt {safe(clear)}`), or pass --force to "
                                      "overwrite them")
        results.append((clear, data))
    obs.end()
    if results:
        require_space(repo.root, 2 * sum(len(d) for _c, d in results), max(len(d) for _c, d in results), "decrypt")
    for clear, data in results:
        atomic_write(repo.root / clear, data, mode=0o600)
    clearstate.record(repo, [*(c for c, _d in results), *unchanged])
    return Outcome(tuple(c for c, _ in results), tuple(unchanged))
