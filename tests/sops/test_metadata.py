"""Reading sops metadata without decrypting: both YAML readers agree, and damaged metadata is named."""

from __future__ import annotations

from pathlib import Path

from secretops.sops import agekeys, document, integrity
from tests import helpers, styles


def test_fast_and_full_readers_agree(tmp_path: Path) -> None:
    ident = agekeys.generate()
    styles.rules_file(tmp_path, ident.public)
    text = styles.encrypt_in_place(tmp_path, "a.enc.yaml", helpers.secret_yaml("a", helpers.plant("meta-Tz5")))
    light = document.parse_light("a.enc.yaml", text.encode()).meta
    full = document.parse("a.enc.yaml", text.encode()).meta
    assert light == full and light is not None
    assert light.recipients.age == (ident.public,) and light.encryption.option == "encrypted_regex"


def test_metadata_problems_are_named() -> None:
    assert integrity.problem_in_metadata({"version": [1, 2], "mac": "ENC[AES256_GCM,x]"}) == \
        "its sops metadata field `version` is not a single value"
    assert integrity.problem_in_metadata({"version": "3.11.0"}) == "its sops metadata has no MAC"
    assert integrity.problem_in_metadata("x") == "its sops metadata is not a mapping"
