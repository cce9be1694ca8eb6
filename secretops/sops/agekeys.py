"""age identities: generate them, find them where sops looks, append them to the key file."""

from __future__ import annotations

import datetime as _dt
import functools
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from secretops.errors import AgeKeyError
from secretops.util.fsutil import atomic_write

_KEY_RE = re.compile(r"AGE-SECRET-KEY-(?:PQ-)?1[0-9A-Z]+")


@dataclass(frozen=True)
class Identity:
    """One private key. ``secret`` is never shown: repr and str give the public key only."""

    public: str
    secret: str = field(repr=False, compare=False)

    @property
    def post_quantum(self) -> bool:
        return self.secret.startswith("AGE-SECRET-KEY-PQ-")

    def __str__(self) -> str:
        return f"Identity({self.public})"

    @functools.cached_property
    def pyrage(self) -> object:
        import pyrage

        return pyrage.x25519.Identity.from_str(self.secret)


def is_post_quantum_recipient(recipient: str) -> bool:
    """A hybrid post-quantum recipient (``age1pq1…``, about 2,000 characters). An ordinary X25519
    recipient is 62 characters and may itself begin with ``age1pq`` (about one key in 1,024)."""
    return recipient.startswith("age1pq1") and len(recipient) > 62


def x25519_only(recipients: Iterable[str]) -> bool:
    """True when none of ``recipients`` is post-quantum: a file or key still open to a quantum attacker."""
    return not any(is_post_quantum_recipient(r) for r in recipients)


class Keyring(tuple[Identity, ...]):
    """Identities with a public-key index built once (a rotation passes hundreds, thousands of times)."""

    @functools.cached_property
    def by_public(self) -> dict[str, Identity]:
        return {i.public: i for i in self}

    @functools.cached_property
    def data_keys(self) -> dict[tuple[str, str], bytes]:
        """(mac, lastmodified) -> a data key proven against that MAC: a memo that lives as long as
        this keyring, which is one command."""
        return {}


def generate(post_quantum: bool = False) -> Identity:
    """A new X25519 identity, or with ``post_quantum`` an ML-KEM-768 + X25519 one (age 1.3)."""
    if post_quantum:
        from secretops.sops import pqage

        return Identity(*pqage.generate())
    import pyrage

    ident = pyrage.x25519.Identity.generate()
    return Identity(str(ident.to_public()), str(ident))


def parse(text: str, source: str = "key") -> list[Identity]:
    """Every identity in ``text`` (age key file format: comments, blank lines, one key a line).

    Post-quantum keys are derived in-process (sops.pqage): an ``# public key:`` comment above them
    is not trusted.
    """
    import pyrage

    found: list[Identity] = []
    for line in text.splitlines():
        line = line.strip()
        match = _KEY_RE.fullmatch(line)
        if not match:
            continue
        secret = match.group(0)
        if secret.startswith("AGE-SECRET-KEY-PQ-"):
            from secretops.sops import pqage

            try:
                found.append(Identity(pqage.recipient_of(secret), secret))
            except pqage.PQError:
                raise AgeKeyError(f"{source} holds a malformed post-quantum age key", hint="check the key file") \
                    from None
            continue
        try:
            public = str(pyrage.x25519.Identity.from_str(secret).to_public())
        except Exception:  # pyrage's error would echo the key; never pass it on
            raise AgeKeyError(f"{source} holds a malformed age key", hint="check the key file") from None
        found.append(Identity(public, secret))
    return found


def default_key_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "sops" / "age" / "keys.txt"


def key_file_for_writing() -> Path:
    return Path(os.environ.get("SOPS_AGE_KEY_FILE") or default_key_file())


def load_identities() -> list[Identity]:
    """The keys sops would use: $SOPS_AGE_KEY, $SOPS_AGE_KEY_FILE, then the default key file."""
    found: list[Identity] = []
    if os.environ.get("SOPS_AGE_KEY"):
        found += parse(os.environ["SOPS_AGE_KEY"], "$SOPS_AGE_KEY")
    env_file = os.environ.get("SOPS_AGE_KEY_FILE")
    if env_file and (Path(env_file).is_file() or Path(env_file).is_dir()):
        found += parse(read_key_file(Path(env_file)), env_file)
    default = default_key_file()
    if default.is_file() or default.is_dir():
        found += parse(read_key_file(default), str(default))
    unique: dict[str, Identity] = {}
    for ident in found:
        unique.setdefault(ident.secret, ident)
    return list(unique.values())


def key_problem() -> str | None:
    """Why sops finds no age key at all, when that is why it cannot decrypt: the key file is a folder,
    missing, or holds no key. None when some key is there (then it is the wrong one)."""
    if os.environ.get("SOPS_AGE_KEY") and "AGE-SECRET-KEY-" in os.environ["SOPS_AGE_KEY"].upper():
        return None
    env_file = os.environ.get("SOPS_AGE_KEY_FILE")
    files = [(Path(env_file), "SOPS_AGE_KEY_FILE")] if env_file else []
    files.append((default_key_file(), "the default age key file"))
    said = []
    for path, what in files:
        if path.is_dir():
            said.append(f"{what} {path} is a folder, not a key file")
        elif not path.exists():
            said.append(f"{what} {path} does not exist")
        else:
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError as exc:
                said.append(f"{what} {path} cannot be read ({exc.strerror or type(exc).__name__})")
                continue
            if "AGE-SECRET-KEY-" not in text.upper():
                said.append(f"{what} {path} holds no age key")
            else:
                return None
    return "; ".join(said) or None


def read_key_file(path: Path) -> str:
    """A key file's text; one clear error (never a traceback) when it is a folder, unreadable or
    binary. Bytes that are not UTF-8 (in a comment: age reads such a file) are kept as they are."""
    from secretops.errors import AgeKeyError

    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise AgeKeyError(f"the age key file {path} is a folder", hint="point SOPS_AGE_KEY_FILE at a file") from None
    except OSError as exc:
        raise AgeKeyError(f"the age key file {path} cannot be read ({exc.strerror or type(exc).__name__})",
                          hint="fix its permissions (chmod 600)") from None
    if b"\0" in data:
        raise AgeKeyError(f"the age key file {path} is binary, not an age key file", hint="restore it from a backup")
    return data.decode("utf-8", "surrogateescape")  # only key lines matter (ASCII); a comment's bytes are kept


def require_key_file_writable(path: Path | None = None) -> Path:
    """Before a command generates keys: the key file can take them (or nothing is written at all)."""
    from secretops.errors import AgeKeyError

    path = path or key_file_for_writing()
    folder = next((p for p in (path.parent, *path.parent.parents) if p.exists()), path.parent)
    if path.exists():
        read_key_file(path)
        ok = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    else:
        ok = folder.is_dir() and os.access(folder, os.W_OK)
    if not ok:
        raise AgeKeyError(f"the age key file {path} cannot be written", hint="fix the permissions of it and its "
                          "folder, or set SOPS_AGE_KEY_FILE to a writable file")
    return path


def append_to_key_file(identities: Iterable[Identity], label: str, path: Path | None = None) -> Path:
    """Append keys with a comment naming what they are for; the file is kept at mode 0600."""
    return append_labelled_to_key_file([(ident, label) for ident in identities], path)


def append_labelled_to_key_file(labelled: Iterable[tuple[Identity, str]], path: Path | None = None) -> Path:
    """Append keys, each with its own comment, in one write (a fleet's 10,000 new keys: one file
    rewrite and one fsync, not one a key)."""
    path = require_key_file_writable(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    existing = read_key_file(path) if path.is_file() else ""
    have = set(_KEY_RE.findall(existing))
    today = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d")
    chunks = [existing if not existing or existing.endswith("\n") else existing + "\n"]
    for ident, label in labelled:
        if ident.secret in have:
            continue
        have.add(ident.secret)
        chunks.append(f"# secretops: {label}, created {today}\n# public key: {ident.public}\n{ident.secret}\n")
    atomic_write(path, "".join(chunks).encode("utf-8", "surrogateescape"), mode=0o600)
    return path


def remove_from_key_file(publics: set[str], path: Path | None = None) -> None:
    """Drop the given keys (and their comment lines) from the key file."""
    path = path or key_file_for_writing()
    if not path.is_file():
        return
    kept: list[str] = []
    pending: list[str] = []
    for line in read_key_file(path).splitlines(keepends=True):
        if line.startswith("#"):
            pending.append(line)
            continue
        match = _KEY_RE.fullmatch(line.strip())
        if match and parse(line)[0].public in publics:
            pending = [p for p in pending if not p.startswith(("# secretops:", "# public key:"))]
        kept += pending + ([] if match and parse(line)[0].public in publics else [line])
        pending = []
    kept += pending
    atomic_write(path, "".join(kept).encode("utf-8", "surrogateescape"), mode=0o600)


def labeled(prefix: str, path: Path | None = None) -> list[str]:
    """Public keys whose ``# secretops: …`` comment starts with ``prefix``."""
    path = path or key_file_for_writing()
    if not path.is_file():
        return []
    found, armed = [], False
    for line in read_key_file(path).splitlines():
        if line.startswith("# secretops: "):
            armed = line.startswith(f"# secretops: {prefix}")
        elif line.startswith("# public key:") and armed:
            found.append(line.split(":", 1)[1].strip())
            armed = False
    return found


def identity_env(identities: Iterable[Identity]) -> dict[str, str]:
    """Environment that gives sops exactly these keys and no others."""
    return {"SOPS_AGE_KEY": "\n".join(i.secret for i in identities), "SOPS_AGE_KEY_FILE": os.devnull,
            "XDG_CONFIG_HOME": os.devnull, "SOPS_AGE_SSH_PRIVATE_KEY_FILE": os.devnull}
