"""Which clear copies are as secretops last left them: their file stats (inode, size, mtime), never
their content, in `.git/secretops/clear-copies.json` (schema ``version: 1``, never committed).

A clear copy whose values differ from its encrypted file is either *stale* (the encrypted file moved
on: a pull, a merge, `secretops edit`; the copy is untouched since secretops wrote or verified it, so
`decrypt` may refresh it) or *edited* (the user changed it: only `encrypt` or `--force` go on)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from secretops.errors import StateError
from secretops.repo.model import Repo
from secretops.util.fsutil import atomic_write

SCHEMA_VERSION = 1
NAME = "clear-copies.json"


def _file(repo: Repo) -> Path | None:
    if not repo.is_git:
        return None
    from secretops.git import command as git

    return git.git_dir(repo.root) / "secretops" / NAME


def _stat(path: Path) -> list[int] | None:
    try:
        st = path.lstat()
    except OSError:
        return None
    return [st.st_ino, st.st_size, st.st_mtime_ns]


def load(repo: Repo) -> dict[str, list[int]]:
    """The recorded stats; validated when read (a damaged file is one clear error)."""
    path = _file(repo)
    if path is None or not path.is_file():
        return {}
    hint = f"delete {path} (clear copies are then judged by their values alone)"
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        raise StateError(f"{path} is damaged", hint=hint) from None
    copies = data.get("copies") if isinstance(data, dict) and data.get("version") == SCHEMA_VERSION else None
    if not isinstance(copies, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and len(v) == 3 and all(isinstance(n, int) for n in v)
            for k, v in copies.items()):
        raise StateError(f"{path} is damaged or of another schema version", hint=hint)
    return copies


def record(repo: Repo, rels: Iterable[str]) -> None:
    """Remember these clear copies as in step with their encrypted files, as they are on disk now."""
    path = _file(repo)
    rels = list(rels)
    if path is None or not rels:
        return
    copies = load(repo)
    for rel in rels:
        stat = _stat(repo.root / rel)
        if stat is None:
            copies.pop(rel, None)
        else:
            copies[rel] = stat
    copies = {k: v for k, v in copies.items() if (repo.root / k).is_file()}
    if not copies and not path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    atomic_write(path, (json.dumps({"version": SCHEMA_VERSION, "copies": copies}, indent=1) + "\n").encode(), 0o600)


def untouched(repo: Repo, rel: str) -> bool:
    """The clear copy is byte for byte what secretops last wrote or verified (by its stats)."""
    stat = _stat(repo.root / rel)
    return stat is not None and load(repo).get(rel) == stat and os.path.isfile(repo.root / rel)
