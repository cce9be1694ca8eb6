"""What encrypt, decrypt and edit share: the outcome value and reading a plain file safely."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from secretops.errors import InputError
from secretops.repo.model import Repo
from secretops.sops import document


@dataclass(frozen=True)
class Outcome:
    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...] = ()


def read(repo: Repo, rel: str) -> bytes:
    path = repo.root / rel
    if not path.is_file():
        raise InputError(f"{rel} does not exist", hint="check the path")
    return path.read_bytes()


def parse_plain(rel: str, data: bytes) -> document.ParsedFile:
    parsed = document.parse(rel, data)
    if parsed.format == "bytes":
        raise InputError(f"{rel} is a binary file", hint="only YAML, JSON and .env files can be encrypted")
    if parsed.error:
        raise InputError(parsed.error if parsed.error.startswith(rel) else f"{rel}: {parsed.error}",
                         hint="fix the file")
    return parsed


def holds_values(rel: str, clear: bytes, documents: list[Any]) -> bool:
    """A clear copy holds exactly these values (its layout, indentation, key order and comments aside):
    the one test of "holds edits that are not encrypted yet". A copy that does not parse holds edits
    (fail closed: it is never overwritten on a guess)."""
    mine = document.parse(rel, clear)
    if mine.error or mine.format == "binary":
        return False
    return [d for d in mine.documents if d is not None] == [d for d in documents if d is not None]


IN_SYNC, STALE, EDITED = "in-sync", "stale", "edited"


def clear_state(repo: Repo, clear_rel: str, decrypted: bytes | list[Any]) -> str | None:
    """A clear copy against its encrypted sibling's plaintext (or documents): `in-sync` (the same
    values, any layout), `stale` (other values, but the copy is as secretops left it: the encrypted
    file moved on), `edited` (the user changed it; never overwritten without --force); None when
    there is no clear copy."""
    from secretops.workflow import clearstate

    path = repo.root / clear_rel
    if not path.is_file():
        return None
    current = path.read_bytes()
    if isinstance(decrypted, bytes):
        if current == decrypted:
            return IN_SYNC
        plain = document.parse(clear_rel, decrypted)
        decrypted = list(plain.documents) if not plain.error else [object()]
    if holds_values(clear_rel, current, decrypted):
        return IN_SYNC
    return STALE if clearstate.untouched(repo, clear_rel) else EDITED


def clear_edited(repo: Repo, clear_rel: str, decrypted: bytes | list[Any]) -> bool:
    """The clear copy on disk holds edits that are not encrypted yet."""
    return clear_state(repo, clear_rel, decrypted) == EDITED
