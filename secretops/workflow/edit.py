"""`edit`: sops's own editor on an encrypted file."""

from __future__ import annotations

from secretops.errors import InputError
from secretops.repo.model import Repo
from secretops.sops.binary import Sops
from secretops.workflow.files import parse_plain, read


def edit(repo: Repo, sops: Sops, path: str) -> int:
    rel = repo.rel(path)
    parsed = parse_plain(rel, read(repo, rel))
    if parsed.meta is None:
        raise InputError(f"{rel} is not a sops-encrypted file", hint="encrypt it with `secretops encrypt`")
    return sops.edit(rel)
