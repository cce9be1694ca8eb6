"""Re-encrypt a changed Secret with minimal diffs: only the changed values get new ciphertext.

`secretops encrypt` after editing one password should not rewrite every line of the file. When
only ``data``/``stringData`` values of a single Secret changed, and the rule's recipients and
encryption option still match the file, those values are re-encrypted in-process with the file's
own data key. The real sops must then decrypt the result to exactly the new content; if anything
does not fit, the caller encrypts the whole file with sops as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from secretops.errors import SecretopsError
from secretops.sops import document, valueedit
from secretops.sops.agekeys import Identity
from secretops.sops.binary import Sops
from secretops.sops.creation_rules import CreationRule
from secretops.sops.rewrap import Unsupported
from secretops.util.fsutil import private_tempdir

FIELDS = ("data", "stringData")


def value_changes(old: Sequence[Any], new: Sequence[Any]) -> dict[tuple[str, str], str] | None:
    """{(field, key): new value} when only Secret values changed (same keys, same order); else None."""
    old = [d for d in old if d is not None]
    new = [d for d in new if d is not None]
    if len(old) != 1 or len(new) != 1 or not isinstance(old[0], Mapping) or not isinstance(new[0], Mapping):
        return None
    before, after = old[0], new[0]
    if list(before) != list(after) or any(before[k] != after[k] for k in before if k not in FIELDS):
        return None
    changes: dict[tuple[str, str], str] = {}
    for fld in FIELDS:
        ob, nb = before.get(fld) or {}, after.get(fld) or {}
        if not isinstance(ob, Mapping) or not isinstance(nb, Mapping) or list(ob) != list(nb):
            return None
        for key, value in nb.items():
            if value != ob[key]:
                if not isinstance(value, str) or not value:
                    return None
                changes[(fld, str(key))] = value
    return changes or None


def patch(sops: Sops, rel: str, old_text: str, old_docs: Sequence[Any], new: document.ParsedFile,
          rule: CreationRule, identities: Sequence[Identity]) -> bytes | None:
    """The re-encrypted file with only the changed values new, verified by the real sops; or None."""
    from secretops.sops.value_policy import should_encrypt

    meta = document.parse(rel, old_text.encode()).meta
    changes = value_changes(old_docs, new.documents)
    if meta is None or changes is None or meta.uses_key_groups:
        return None
    if rule.recipients.as_sets() != meta.recipients.as_sets() or rule.encryption.option != meta.encryption.option \
            or rule.encryption.value != meta.encryption.value:
        return None  # the rule changed since: a full encryption applies it
    if not all(should_encrypt([fld, key], meta.encryption) for fld, key in changes):
        return None
    try:
        text = valueedit.edit(old_text, rel, identities, changes, encode_data=False)
    except (Unsupported, SecretopsError):
        return None
    with private_tempdir() as tmp:  # proof before any write: the real sops reads back the new content
        copy = tmp / Path(rel).name
        copy.write_text(text)
        try:
            clear = document.parse(rel, sops.decrypt(str(copy)))
        except SecretopsError:
            return None
    return text.encode() if clear.documents == new.documents else None
