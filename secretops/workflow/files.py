"""What encrypt, decrypt and edit share: the outcome value and reading a plain file safely."""

from __future__ import annotations

from dataclasses import dataclass

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
