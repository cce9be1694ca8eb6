"""A git merge driver for sops files (getsops/sops#52): two branches that change different values of
one encrypted file conflict on `sops.mac` and `sops.lastmodified`; this merges them value by value.

`secretops merge-driver %O %A %B %P` (base, ours, theirs, the path), registered by `install-hook`:
- base, ours and theirs are decrypted in memory (the real sops, with the local age keys);
- the plaintext trees are merged key by key (a value changed on one side wins; the same change on
  both is fine; different changes to one value are a conflict);
- the result is our file with only the changed values rewritten (anywhere in the tree: a label, an
  empty value), each encrypted with our data key where the file's own rule says so: every other
  value keeps its ciphertext byte for byte, and the MAC and `lastmodified` are recomputed;
- recipients of every kind: ours and theirs' additions, minus what either side removed (a branch
  merged into a rotation keeps the rotation's new keys). age ones are wrapped in-process; PGP, KMS,
  GCP KMS, Azure Key Vault and Vault stanzas are copied whole from a side with the same data key,
  or the merge is built on theirs when only theirs holds them under another data key; a file with
  key groups is built by the real sops on the side that changed its groups;
- the real sops must decrypt the result to exactly the merged tree before git sees it.
Only the YAML store is merged value by value; a JSON, dotenv, INI or binary-format file is a plain
conflict. A conflict leaves the file unmerged and git's copy encrypted (ours); the merged tree with conflict
markers goes to the clear copy (`*.clear.yaml`, 0600, ignored) when git ignores it. No private key,
or a file this cannot merge (several documents, nesting deeper than 64 levels, both
sides adding key-service recipients under different data keys): a plain conflict, with ours kept
whole. Nothing is ever left broken.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secretops.errors import SecretopsError
from secretops.repo.model import Repo
from secretops.sops import agekeys, datakey, document, recipients, rewrap, treeedit
from secretops.sops.agekeys import Identity
from secretops.sops.binary import Sops
from secretops.sops.metadata import KINDS, SopsMeta
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
    env = agekeys.identity_env(recipients.listed_keys(path.parent, path.name, ids))  # not the whole key ring
    return [d for d in document.parse(path.name, sops.decrypt(str(path), env=env, label=path.name)).documents
            if d is not None]


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
    store = parsed["ours"].store
    if store != "yaml" or parsed["theirs"].store != store:  # re-encrypting in place is done for YAML only
        return Outcome(False, f"{safe(rel)}: a sops file in the {store} store is not merged value by value; "
                       "ours is kept, encrypted: resolve it by hand (`secretops edit`)")
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
    if any(_deeper(t[0], MAX_DEPTH) for t in trees.values() if t):
        return Outcome(False, f"{safe(rel)}: nested more than {MAX_DEPTH} levels deep; resolve it by hand")
    conflicts: list[str] = []
    merged = _three_way(trees["base"][0] if trees["base"] else {}, trees["ours"][0], trees["theirs"][0], [], conflicts)
    if conflicts:
        where = _write_conflict(repo, rel, trees, conflicts)
        return Outcome(False, f"{safe(rel)}: both sides changed {len(conflicts)} value(s): "
                       f"{', '.join(safe(c) for c in conflicts[:5])}; " + where, conflicts)
    try:
        text = _result(sops, texts, rel, metas, trees, merged, ids)
    except _Refused as exc:
        return Outcome(False, f"{safe(rel)}: {exc}; resolve it by hand")
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


MAX_DEPTH = 64  # Secrets are a few levels deep; the merge walks trees recursively


class _Refused(Exception):
    """A merge that would lose a recipient: its message says which."""


def _deeper(node: Any, limit: int) -> bool:
    """Whether the tree nests more than ``limit`` levels (walked without recursion)."""
    stack = [(node, 0)]
    while stack:
        here, depth = stack.pop()
        if depth > limit:
            return True
        children = here.values() if isinstance(here, Mapping) else here if isinstance(here, list) else ()
        stack.extend((child, depth + 1) for child in children)
    return False


def _wanted(metas: Mapping[str, SopsMeta | None], kind: str) -> set[str]:
    """Both sides' recipients of one kind: each side's additions kept, each side's removals made
    (relative to the base; with no base, what both have counts as the base)."""
    ours, theirs = set(metas["ours"].recipients.get(kind)), set(metas["theirs"].recipients.get(kind))  # type: ignore[union-attr]
    base_meta = metas.get("base")
    base = set(base_meta.recipients.get(kind)) if base_meta is not None else ours & theirs
    return (base | (ours - base) | (theirs - base)) - ((base - ours) | (base - theirs))


def _result(sops: Sops, texts: Mapping[str, bytes], rel: str, metas: Mapping[str, SopsMeta | None],
            trees: Mapping[str, list[Any]], merged: Any, ids: Sequence[Identity]) -> str:
    """The merged file: one side's file (ours, unless only theirs holds every wanted PGP, KMS or
    Vault stanza and the data keys differ) with only the changed values rewritten, then every
    recipient either side has: age ones wrapped in-process, other kinds' stanzas copied whole from
    a side with the same data key (no key service is reachable here), removed ones dropped."""
    if any(m is not None and m.uses_key_groups for m in metas.values()):
        return _in_key_groups(sops, texts, rel, metas, trees, merged, ids)
    others = [k for k in KINDS if k != "age"]
    wanted = {k: _wanted(metas, k) for k in KINDS}
    keys = {n: datakey.unwrap(metas[n], ids, rel) for n in ("ours", "theirs")}  # type: ignore[arg-type]
    lacks = {n: [k for k in others if wanted[k] - set(metas[n].recipients.get(k))]  # type: ignore[union-attr]
             for n in ("ours", "theirs")}
    same_key = keys["ours"] == keys["theirs"]
    if same_key or not lacks["ours"]:
        carrier, other = "ours", "theirs"
    elif not lacks["theirs"]:
        carrier, other = "theirs", "ours"
    else:
        raise _Refused("both sides added recipients this machine cannot wrap a data key for "
                       f"({', '.join(sorted({*lacks['ours'], *lacks['theirs']}))}) under different data keys")
    text = treeedit.edit_tree(texts[carrier].decode("utf-8"), rel, ids, trees[carrier][0], merged)
    for kind in others:
        mine = treeedit.stanzas(text, kind)
        if set(mine) == wanted[kind]:
            continue
        pool = {**(treeedit.stanzas(texts[other].decode("utf-8"), kind) if same_key else {}), **mine}
        if wanted[kind] - set(pool):
            raise _Refused(f"a {kind} recipient would be lost")
        order = [i for i in mine if i in wanted[kind]] + [i for i in pool if i in wanted[kind] and i not in mine]
        text = treeedit.set_stanzas(text, kind, {i: pool[i] for i in order})
    have = set(document.parse_light(rel, text.encode()).meta.recipients.age)  # type: ignore[union-attr]
    add, remove = sorted(wanted["age"] - have), sorted(have - wanted["age"])
    return rewrap.rewrap_text(text, rel, ids, add, remove) if add or remove else text


def _in_key_groups(sops: Sops, texts: Mapping[str, bytes], rel: str, metas: Mapping[str, SopsMeta | None],
                   trees: Mapping[str, list[Any]], merged: Any, ids: Sequence[Identity]) -> str:
    """A file with key groups (Shamir: each group holds a share of the data key, so no stanza can
    move between sides): the side that changed its groups (else ours) carries the merge, and the
    real sops sets the other side's values in a private copy of it (values on stdin)."""
    import json

    groups = {n: (m.key_groups, m.shamir_threshold) for n, m in metas.items() if m is not None}
    changed = [n for n in ("ours", "theirs") if groups[n] != groups.get("base")]
    if groups["ours"] != groups["theirs"] and len(changed) > 1:
        raise _Refused("both sides changed its key groups")
    carrier = "theirs" if changed == ["theirs"] else "ours"
    meta = metas.get(carrier)
    env = agekeys.identity_env(recipients.listed_in(meta.recipients.age if meta else (), ids))
    with private_tempdir() as tmp:
        copy = _named(tmp, carrier, rel, texts[carrier])
        for path, value in treeedit.changes(trees[carrier][0], merged):
            index = "".join(f"[{json.dumps(p)}]" for p in path)
            if value is treeedit.MISSING:
                sops.run(["unset", str(copy), index], target=rel, env=env)
            else:
                sops.run(["set", "--value-stdin", str(copy), index], target=rel, env=env,
                         input=json.dumps(value).encode())
        return copy.read_text(encoding="utf-8")


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
