"""A git merge driver for sops files (getsops/sops#52): two branches that change different values of
one encrypted file conflict on `sops.mac` and `sops.lastmodified`; this merges them value by value.

`secretops merge-driver %O %A %B %P` (base, ours, theirs, the path), registered by `install-hook`:
- base, ours and theirs are decrypted in memory (the real sops, with the local age keys);
- the plaintext trees are merged key by key (a value changed on one side wins; the same change on
  both is fine; different changes to one value are a conflict);
- the result is our file with only the changed values re-encrypted, with our data key: every other
  value keeps its ciphertext byte for byte, and the MAC and `lastmodified` are recomputed;
- recipients: ours and theirs' additions, minus what either side removed (a branch merged into a
  rotation keeps the rotation's new keys);
- the real sops must decrypt the result to exactly the merged tree before git sees it.
A conflict leaves the file unmerged and git's copy encrypted (ours); the merged tree with conflict
markers goes to the clear copy (`*.clear.yaml`, 0600, ignored) when git ignores it. No private key,
or a file this cannot merge: a plain conflict, with ours kept whole. Nothing is ever left broken.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secretops.errors import SecretopsError
from secretops.repo.model import Repo
from secretops.sops import agekeys, document, rewrap, valueedit
from secretops.sops.agekeys import Identity
from secretops.sops.binary import Sops
from secretops.sops.rewrap import Unsupported
from secretops.util import yamlio
from secretops.util.display import safe, short
from secretops.util.fsutil import atomic_write, private_tempdir

MISSING = object()


@dataclass
class Outcome:
    merged: bool
    message: str
    conflicts: list[str] = field(default_factory=list)  # key paths, never values


def _three_way(base: Any, ours: Any, theirs: Any, path: list[str], conflicts: list[str]) -> Any:
    if ours == theirs:
        return ours
    if ours == base:
        return theirs
    if theirs == base:
        return ours
    if isinstance(ours, Mapping) and isinstance(theirs, Mapping):
        b = base if isinstance(base, Mapping) else {}
        out: dict[Any, Any] = {}
        for key in [*ours, *(k for k in theirs if k not in ours)]:
            value = _three_way(b.get(key, MISSING), ours.get(key, MISSING), theirs.get(key, MISSING), [*path, str(key)],
                               conflicts)
            if value is not MISSING:
                out[key] = value
        return out
    conflicts.append(".".join(path) or "(the whole file)")
    return ours


def _decrypt(sops: Sops, path: Path, ids: Sequence[Identity]) -> list[Any]:
    """The real sops, on a file named like the repository's (git's temp names carry no extension)."""
    return [d for d in document.parse(path.name, sops.decrypt(str(path), env=agekeys.identity_env(ids),
                                                              label=path.name)).documents if d is not None]


def _named(tmp: Path, side: str, rel: str, data: bytes) -> Path:
    folder = tmp / side
    folder.mkdir()
    target = folder / Path(rel).name
    target.write_bytes(data)
    return target


def merge(repo: Repo, sops: Sops, base: Path, ours: Path, theirs: Path, rel: str) -> Outcome:
    texts = {n: p.read_bytes() for n, p in (("base", base), ("ours", ours), ("theirs", theirs))}
    parsed = {n: document.parse(rel, t) for n, t in texts.items()}
    metas = {n: p.meta for n, p in parsed.items()}
    if metas["ours"] is None or metas["theirs"] is None:
        return Outcome(False, f"{safe(rel)}: one side is not a sops file; resolve it by hand")
    ids = agekeys.load_identities()
    mine = {i.public for i in ids}
    if not all(set(m.recipients.age) & mine for m in metas.values() if m is not None):
        need = sorted({r for m in metas.values() if m is not None for r in m.recipients.age})
        return Outcome(False, f"{safe(rel)}: no private key at hand to merge it (it needs one of "
                       f"{', '.join(short(k) for k in need[:3])}); resolve it by hand or add the key")
    try:
        with private_tempdir() as tmp:
            trees = {n: (_decrypt(sops, _named(tmp, n, rel, texts[n]), ids) if metas[n] is not None else [])
                     for n in ("base", "ours", "theirs")}
    except SecretopsError:
        return Outcome(False, f"{safe(rel)}: a side does not decrypt with your keys; resolve it by hand")
    if len(trees["ours"]) != 1 or len(trees["theirs"]) != 1 or len(trees["base"]) > 1:
        return Outcome(False, f"{safe(rel)}: only single-document files are merged; resolve it by hand")
    conflicts: list[str] = []
    merged = _three_way(trees["base"][0] if trees["base"] else {}, trees["ours"][0], trees["theirs"][0], [], conflicts)
    if conflicts:
        where = _write_conflict(repo, rel, trees, conflicts)
        return Outcome(False, f"{safe(rel)}: both sides changed {len(conflicts)} value(s): "
                       f"{', '.join(safe(c) for c in conflicts[:5])}; " + where, conflicts)
    try:
        text = _encrypt_like_ours(ours.read_text(encoding="utf-8"), rel, trees["ours"][0], merged, ids)
        text = _recipients(text, rel, metas, ids)
    except (Unsupported, SecretopsError, ValueError):
        return Outcome(False, f"{safe(rel)}: the values changed in ways this driver does not re-encrypt in "
                       "place; resolve it by hand")
    with private_tempdir() as tmp:  # the real sops reads back exactly the merged tree before git sees it
        copy = tmp / Path(rel).name
        copy.write_text(text, encoding="utf-8")
        try:
            check = _decrypt(sops, copy, ids)
        except SecretopsError:
            check = []
    if check != [merged]:
        return Outcome(False, f"{safe(rel)}: the merged file did not verify; resolve it by hand")
    atomic_write(ours, text.encode())
    return Outcome(True, f"{safe(rel)}: merged value by value")


def _encrypt_like_ours(text: str, rel: str, ours: Any, merged: Any, ids: Sequence[Identity]) -> str:
    """Ours with only the values that differ re-encrypted (our data key); every other line is ours."""
    if not isinstance(ours, Mapping) or not isinstance(merged, Mapping):
        raise Unsupported("not a mapping")
    for key in {*ours, *merged}:
        if key not in ("data", "stringData") and ours.get(key) != merged.get(key):
            raise Unsupported("a value outside data/stringData changed")
    changes: dict[tuple[str, str], str | None] = {}
    for fld in ("data", "stringData"):
        before, after = ours.get(fld) or {}, merged.get(fld) or {}
        if not isinstance(before, Mapping) or not isinstance(after, Mapping):
            raise Unsupported("data/stringData is not a mapping")
        for name in {*before, *after}:
            if before.get(name, MISSING) != after.get(name, MISSING):
                value = after.get(name, MISSING)
                if value is not MISSING and not isinstance(value, str):
                    raise Unsupported("a changed value is not a string")
                changes[(fld, str(name))] = None if value is MISSING else str(value)
    return valueedit.edit(text, rel, ids, changes, encode_data=False) if changes else text


def _recipients(text: str, rel: str, metas: Mapping[str, Any], ids: Sequence[Identity]) -> str:
    """Ours' and theirs' added age recipients, minus those either removed (relative to the base)."""
    base = set(metas["base"].recipients.age) if metas.get("base") is not None else set()
    ours, theirs = set(metas["ours"].recipients.age), set(metas["theirs"].recipients.age)
    if not base:
        base = ours & theirs
    wanted = (base | (ours - base) | (theirs - base)) - ((base - ours) | (base - theirs))
    have = set(document.parse_light(rel, text.encode()).meta.recipients.age)  # type: ignore[union-attr]
    add, remove = sorted(wanted - have), sorted(have - wanted)
    return rewrap.rewrap_text(text, rel, ids, add, remove) if add or remove else text


def _write_conflict(repo: Repo, rel: str, trees: Mapping[str, list[Any]], conflicts: list[str]) -> str:
    """The merged tree with git-style markers into the clear copy, only where git ignores it."""
    from secretops.git import command as git

    clear = repo.config.clear_name(rel)
    if not repo.is_git or not git.is_ignored(repo.root, clear) or (repo.root / clear).is_symlink():
        return (f"git does not ignore {safe(clear)}, so no clear copy was written; resolve it with "
                f"`secretops edit {safe(rel)}`")
    from secretops.workflow.files import clear_edited

    if clear_edited(repo, clear, trees["ours"]):  # never over edits that are not encrypted yet
        return (f"{safe(clear)} holds edits that are not encrypted yet, so it was left as it is; resolve the "
                f"conflict with `secretops edit {safe(rel)}`")
    body = _with_markers(trees["ours"][0], trees["theirs"][0], [], set(conflicts))
    atomic_write(repo.root / clear, body.encode(), 0o600)
    return f"resolve them in {safe(clear)} (the markers), then `secretops encrypt {safe(clear)}`"


def _with_markers(ours: Any, theirs: Any, path: list[str], conflicts: set[str], indent: int = 0) -> str:
    """YAML text of ours, where each conflicting value is both sides between git's markers."""
    pad = " " * indent
    out = []
    for key in [*ours, *(k for k in theirs if k not in ours)] if isinstance(ours, Mapping) else []:
        here = ".".join([*path, str(key)])
        mine, other = ours.get(key, MISSING), theirs.get(key, MISSING) if isinstance(theirs, Mapping) else MISSING
        if here in conflicts:
            out.append("<<<<<<< ours\n")
            if mine is not MISSING:
                out.append(_dump({key: mine}, pad))
            out.append("=======\n")
            if other is not MISSING:
                out.append(_dump({key: other}, pad))
            out.append(">>>>>>> theirs\n")
        elif isinstance(mine, Mapping) and any(c.startswith(here + ".") for c in conflicts):
            out.append(f"{pad}{key}:\n")
            out.append(_with_markers(mine, other if isinstance(other, Mapping) else {}, [*path, str(key)], conflicts,
                                     indent + 2))
        elif mine is not MISSING:
            out.append(_dump({key: mine}, pad))
    return "".join(out)


def _dump(data: Mapping[Any, Any], pad: str) -> str:
    text = yamlio.dump(yamlio.roundtrip(), dict(data))
    return "".join(pad + line for line in text.splitlines(keepends=True))
