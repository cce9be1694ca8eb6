"""The data key: unwrapped only by a key the file lists, proven against the MAC, memo per keyring."""

from __future__ import annotations

from pathlib import Path

import pytest

from secretops.errors import AgeKeyError
from secretops.sops import agekeys, datakey, document
from tests import helpers, styles


def test_unwrap_proves_the_key_and_memo_is_per_keyring(tmp_path: Path) -> None:
    ident, stranger = agekeys.generate(), agekeys.generate()
    styles.rules_file(tmp_path, ident.public)
    text = styles.encrypt_in_place(tmp_path, "a.enc.yaml", helpers.secret_yaml("a", helpers.plant("dk-Qm2")))
    meta = document.parse("a.enc.yaml", text.encode()).meta
    assert meta is not None
    ring = agekeys.Keyring([ident])
    key = datakey.unwrap(meta, ring, "a.enc.yaml")
    assert len(key) == 32 and datakey.mac_matches(meta, key) and ring.data_keys
    assert not agekeys.Keyring([ident]).data_keys  # a new command starts cold
    with pytest.raises(AgeKeyError):
        datakey.unwrap(meta, agekeys.Keyring([stranger]), "a.enc.yaml")
    assert not datakey.mac_matches(meta, bytes(32))
