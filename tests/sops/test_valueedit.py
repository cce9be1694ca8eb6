from __future__ import annotations

from pathlib import Path

import pytest

from secretops.sops import agekeys, document, valueedit
from secretops.sops.rewrap import Unsupported
from tests import helpers, styles


@pytest.fixture
def signed(tmp_path: Path, keys_file: Path) -> tuple[Path, agekeys.Identity]:
    ident = agekeys.generate()
    agekeys.append_to_key_file([ident], "t", keys_file)
    root = tmp_path / "e"
    root.mkdir()
    styles.rules_file(root, ident.public)
    return root, ident


def test_in_process_set_and_unset_pass_the_real_sops(signed: tuple[Path, agekeys.Identity]) -> None:
    root, ident = signed
    text = styles.encrypt_in_place(root, "k.enc.yaml", helpers.secret_yaml("k", helpers.plant("orig-Hy61"),
                                                                          key="age.agekey"))
    value = helpers.plant("added-Hy62")
    edited = valueedit.edit(text, "k.enc.yaml", [ident], {("stringData", "extra.agekey"): value})
    edited = valueedit.edit(edited, "k.enc.yaml", [ident], {("stringData", "age.agekey"): None})
    (root / "k.enc.yaml").write_text(edited)
    res = helpers.sops(root, "decrypt", "--extract", '["stringData"]', "k.enc.yaml", env=agekeys.identity_env([ident]))
    helpers.OUTPUTS.pop()
    assert res.code == 0, res.err  # the MAC verifies
    assert value in res.out and "orig-Hy61" not in res.out
    outside = [ln for ln in edited.splitlines() if "ENC[" not in ln and "lastmodified" not in ln]
    before = [ln for ln in text.splitlines() if "ENC[" not in ln and "lastmodified" not in ln]
    assert [ln for ln in before if "age.agekey" not in ln] == [ln for ln in outside if "extra.agekey" not in ln]


def test_unknown_mac_rules_fall_back(signed: tuple[Path, agekeys.Identity]) -> None:
    root, ident = signed
    helpers.write(root / ".sops.yaml", f"creation_rules:\n  - age: {ident.public}\n    "
                                       f"unencrypted_suffix: _plain\n")
    text = styles.encrypt_in_place(root, "f.enc.yaml", "ratio_plain: 0.5\nstringData:\n  a: b\n")
    with pytest.raises(Unsupported):  # a plaintext float: sops's formatting is not reproduced here
        valueedit.edit(text, "f.enc.yaml", [ident], {("stringData", "x"): "y"})
    assert document.parse("f.enc.yaml", text.encode()).meta is not None
