from __future__ import annotations

import stat
from pathlib import Path

import pytest

from secretops.errors import AgeKeyError
from secretops.sops import agekeys


def test_generated_identity_never_shows_its_secret() -> None:
    ident = agekeys.generate()
    assert ident.public.startswith("age1") and ident.secret.startswith("AGE-SECRET-KEY-1")
    assert ident.secret not in repr(ident) and ident.secret not in str(ident)
    assert ident.public in repr(ident)


def test_load_order_matches_sops(keys_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b, c = agekeys.generate(), agekeys.generate(), agekeys.generate()
    agekeys.append_to_key_file([a], "default", keys_file)
    other = tmp_path / "k.txt"
    agekeys.append_to_key_file([b], "env file", other)
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(other))
    monkeypatch.setenv("SOPS_AGE_KEY", c.secret)
    assert [i.public for i in agekeys.load_identities()] == [c.public, b.public, a.public]
    xdg = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    assert agekeys.default_key_file() == xdg / "sops" / "age" / "keys.txt"


def test_append_is_0600_commented_and_idempotent(keys_file: Path) -> None:
    ident = agekeys.generate()
    agekeys.append_to_key_file([ident], "cluster prod", keys_file)
    agekeys.append_to_key_file([ident], "cluster prod", keys_file)
    text = keys_file.read_text()
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    assert text.count(ident.secret) == 1 and "# secretops: cluster prod, created " in text
    assert f"# public key: {ident.public}" in text
    agekeys.remove_from_key_file({ident.public}, keys_file)
    assert ident.secret not in keys_file.read_text() and "cluster prod" not in keys_file.read_text()


def test_post_quantum_keys_are_parsed_and_their_recipient_derived_not_read_from_the_comment() -> None:
    made = agekeys.generate(post_quantum=True)
    found = agekeys.parse(f"# public key: age1pqexample\n{made.secret}\n")
    assert found == [made] and found[0].post_quantum and found[0].public.startswith("age1pq1")
    assert agekeys.Keyring(found).by_public[made.public] is found[0]


def test_malformed_post_quantum_key_error_does_not_echo_it() -> None:
    bad = "AGE-SECRET-KEY-PQ-1" + "Q" * 80
    with pytest.raises(AgeKeyError, match="malformed post-quantum") as info:
        agekeys.parse(bad, "keys.txt")
    assert bad not in str(info.value)


def test_malformed_key_error_does_not_echo_it() -> None:
    bad = "AGE-SECRET-KEY-1" + "A" * 58
    with pytest.raises(AgeKeyError) as info:
        agekeys.parse(bad, "keys.txt")
    assert bad not in str(info.value)
