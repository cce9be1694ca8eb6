"""What a change does to secrets, without keys: the structure of each encrypted file (every key
path, each value as a short fingerprint of its ciphertext, the recipients in clear), and between
two versions the key paths added, removed and changed, recipients added and removed, a file
re-encrypted with a new data key, files that became unencrypted, clear files, and the rotation
state. No value, no key name of a plaintext secret and no private key ever appears: only paths of
sops files (whose key names sops keeps in clear anyway) and fingerprints."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from secretops.sops import document
from secretops.sops.metadata import SopsMeta
from secretops.util.display import key_path, safe


def _leaves(node: Any) -> Iterator[tuple[str, str]]:
    """(key path, fingerprint) of every leaf in document order, without recursion (a file nested
    10,000 levels deep is read like any other)."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), node)]
    while stack:
        path, here = stack.pop()
        if isinstance(here, Mapping):
            items = [((*path, str(k)), v) for k, v in here.items() if path or k != "sops"]
            stack.extend(reversed(items))
        elif isinstance(here, list):
            stack.extend(reversed([((*path, n), v) for n, v in enumerate(here)]))
        else:
            yield key_path(path), hashlib.sha256(str(here).encode()).hexdigest()[:10]


@dataclass(frozen=True)
class Structure:
    encrypted: bool
    values: dict[str, str]  # key path -> fingerprint of the stored (encrypted) value
    recipients: dict[str, list[str]]


def structure(rel: str, data: bytes) -> Structure:
    parsed = document.parse(rel, data)
    meta: SopsMeta | None = parsed.meta
    values: dict[str, str] = {}
    for n, doc in enumerate(d for d in parsed.documents if d is not None):
        prefix = f"[doc {n + 1}]." if len([d for d in parsed.documents if d is not None]) > 1 else ""
        values.update({prefix + p: fp for p, fp in _leaves(doc)})
    return Structure(meta is not None and parsed.encrypted, values, meta.recipients.as_dict() if meta else {})


def textconv(rel: str, data: bytes) -> str:
    """`git diff` of an encrypted file: its structure, fingerprints for values, recipients in clear."""
    s = structure(rel, data)
    if not s.encrypted:
        return "# secretops: not a sops-encrypted file (its content is not shown)\n"
    lines = ["# secretops: values are shown as fingerprints of their ciphertext; a changed one changed"]
    lines += [f"{path}: <{fp}>" for path, fp in sorted(s.values.items())]
    lines += [f"sops.{kind}: {safe(r)}" for kind, rs in sorted(s.recipients.items()) for r in rs]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class FileChange:
    path: str
    status: str  # changed | added | deleted | re-encrypted | became-unencrypted | not-encrypted | clear-file
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    recipients_added: tuple[str, ...] = ()
    recipients_removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Review:
    range: str
    files: tuple[FileChange, ...]
    rotation: str = ""  # the rotation state at the head, in words
    notes: tuple[str, ...] = field(default_factory=tuple)


def compare(rel: str, before: bytes | None, after: bytes | None, named_encrypted: bool = False) -> FileChange | None:
    """What changed in one file; ``named_encrypted``: its name carries the encrypted suffix, so a
    plaintext version is reported (never a clean review of a plaintext Secret under that name)."""
    old = structure(rel, before) if before is not None else None
    new = structure(rel, after) if after is not None else None
    if new is not None and not new.encrypted:
        if old is not None and old.encrypted:
            return FileChange(rel, "became-unencrypted")
        return FileChange(rel, "not-encrypted") if named_encrypted else None
    if new is None:
        return FileChange(rel, "deleted") if old is not None and old.encrypted else None
    if old is None or not old.encrypted:
        return FileChange(rel, "added", tuple(sorted(new.values)))
    added = tuple(sorted(set(new.values) - set(old.values)))
    removed = tuple(sorted(set(old.values) - set(new.values)))
    changed = tuple(sorted(p for p in set(old.values) & set(new.values) if old.values[p] != new.values[p]))
    r_old = {r for rs in old.recipients.values() for r in rs}
    r_new = {r for rs in new.recipients.values() for r in rs}
    both = set(old.values) & set(new.values)
    status = "re-encrypted" if len(both) > 1 and len(changed) == len(both) else "changed"
    return FileChange(rel, status, added, removed, () if status == "re-encrypted" else changed,
                      tuple(sorted(r_new - r_old)), tuple(sorted(r_old - r_new)))


def summarize(changes: Sequence[FileChange]) -> dict[str, int]:
    out: dict[str, int] = {}
    for c in changes:
        out[c.status] = out.get(c.status, 0) + 1
    return out


def review(root: Any, config: Any, spec: str | None, staged: bool, paths: Sequence[str] = ()) -> Review:
    """The review of a range (BASE..HEAD: its net change) or of the staged change (HEAD -> index)."""
    from secretops.errors import InputError
    from secretops.git import command as git

    if staged:
        before_rev, after_rev, label = "HEAD", ":0", "staged"
        names = git.split_z(git.git(root, "diff", "--cached", "--name-only", "-z", "--no-renames", "--",
                                    *git.literal(paths)).stdout)
    else:
        span = git.commit_range(root, spec or "")
        if span is None:
            raise InputError("diff takes BASE..HEAD or --staged", hint="for example: secretops diff origin/main..HEAD")
        base, head = span.base, span.head
        before_rev, after_rev, label = base, head, f"{base}..{head}"
        if span.forks is not None:  # as `git diff BASE...HEAD`: what HEAD made since it forked from BASE
            if not span.forks:
                raise InputError(f"{safe(base)} and {safe(head)} share no history", hint="name a range with two dots")
            before_rev, label = span.forks[0], f"{base}...{head}"
        names = git.split_z(git.git(root, "diff", "--name-only", "-z", "--no-renames", before_rev, head, "--",
                                    *git.literal(paths)).stdout)

    def read(rev: str, rel: str) -> bytes | None:
        spec_ = f":0:{rel}" if rev == ":0" else f"{rev}:{rel}"
        res = git.git(root, "cat-file", "blob", spec_, ok_codes=(0, 128))
        return res.stdout if res.returncode == 0 else None

    changes: list[FileChange] = []
    for rel in names:
        if rel.endswith(config.clear_suffix):
            changes.append(FileChange(rel, "clear-file"))
            continue
        if rel.rsplit("/", 1)[-1] == ".sops.yaml":
            continue
        before, after = read(before_rev, rel), read(after_rev, rel)  # any name: sops files are told by content
        sops_like = any(b is not None and document.might_be_sops(b) for b in (before, after))
        if not sops_like and not rel.endswith(config.encrypted_suffix):
            continue
        found = compare(rel, before, after, rel.endswith(config.encrypted_suffix))
        if found is not None:
            changes.append(found)
    state = read(after_rev, ".secretops/rotation.yaml")
    rotation = ""
    if state is not None:
        rotation = "a key rotation is in progress (commit 1 is in this range or before it): run " \
                   "`secretops rotate status`, then `secretops rotate finish`"
    elif read(before_rev, ".secretops/rotation.yaml") is not None:
        rotation = "this range finishes or aborts a key rotation"
    return Review(label, tuple(changes), rotation)
