"""A file is a sops file when its content says so, whatever its name: every store, made by the
real sops, is found and its metadata read; look-alikes are not; malformed ones never crash."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from secretops.sops import agekeys, datakey, document
from tests import helpers

PLAIN = {"yaml": "db:\n  password: hunter2-Qx7\n  port: 5432\n",
         "json": '{"db": {"password": "hunter2-Qx7", "port": 5432}}\n',
         "dotenv": "# db\nDB_PASSWORD=hunter2-Qx7\nDB_PORT=5432\n",
         "ini": "[db]\npassword = hunter2-Qx7\nport = 5432\n",
         "binary": 'password = "hunter2-Qx7"\n'}


def _sops(tmp: Path, store: str, config: str, name: str = "x") -> bytes:
    (tmp / ".sops.yaml").write_text(config)
    res = helpers.run_proc([helpers.sops_bin(), "--config", str(tmp / ".sops.yaml"), "encrypt", "--filename-override",
                            name, "--input-type", store, "--output-type", store, "/dev/stdin"], tmp,
                           input=PLAIN[store].encode())
    assert res.code == 0, res.err
    return res.out.encode()


@pytest.fixture(scope="module")
def keys() -> tuple[agekeys.Identity, agekeys.Identity]:
    return agekeys.generate(), agekeys.generate()


@pytest.mark.parametrize("store", list(PLAIN))
@pytest.mark.parametrize("name", ["secret.sops.yaml", "secret.json", "secret.env", "secret.ini", "secret.hcl",
                                  "terraform.tfvars", "deploy.sh", "kubeconfig"])
def test_every_store_under_any_name(tmp_path: Path, keys: tuple[agekeys.Identity, ...], store: str,
                                    name: str) -> None:
    a, b = keys
    data = _sops(tmp_path, store, f"creation_rules:\n  - encrypted_regex: '^(password|DB_PASSWORD)$'\n"
                                  f"    age: {a.public},{b.public}\n")
    for parsed in (document.parse(name, data), document.parse_light(name, data)):
        assert parsed.store == store and parsed.encrypted and not parsed.error, (store, name)
        meta = parsed.meta
        assert meta is not None and meta.recipients.as_dict() == {"age": [a.public, b.public]}
        assert meta.version == "3.11.0" and meta.lastmodified and meta.mac and meta.mac.startswith("ENC[")
        assert meta.encryption.option == (None if store == "binary" else "encrypted_regex")  # binary: no options
        assert len(datakey.unwrap(meta, [b], name)) == 32  # each stanza, unescaped, opens the real data key
    assert document.store_of(data) == store
    assert document.might_be_sops(data)


@pytest.mark.parametrize("store", ["dotenv", "ini", "json", "binary"])
def test_key_groups_and_pgp_in_flat_stores(tmp_path: Path, keys: tuple[agekeys.Identity, ...], store: str) -> None:
    """dotenv and INI flatten key groups as `key_groups__list_0__map_age__list_0__map_recipient`."""
    a, b = keys
    data = _sops(tmp_path, store, f"creation_rules:\n  - shamir_threshold: 2\n    key_groups:\n"
                                  f"      - age: [{a.public}]\n      - age: [{b.public}]\n")
    meta = document.parse("f", data).meta
    assert meta is not None and meta.uses_key_groups and meta.shamir_threshold == 2
    assert [g.age for g in meta.key_groups] == [(a.public,), (b.public,)]
    assert set(meta.recipients.age) == {a.public, b.public} and len(meta.age_stanzas) == 2


def test_pgp_in_flat_stores(tmp_path: Path, keys: tuple[agekeys.Identity, ...]) -> None:
    """PGP entries flattened as sops 3.11 writes them (a real gpg key in a private GNUPGHOME)."""
    import shutil

    if not shutil.which("gpg"):
        pytest.skip("gpg is not installed")
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    env = {"GNUPGHOME": str(home)}
    res = helpers.run_proc(["gpg", "--batch", "--passphrase", "", "--quick-gen-key", "t <t@example.com>", "default",
                            "default", "never"], tmp_path, env=env)
    assert res.code == 0, res.err
    fp = next(ln.split(":")[9] for ln in helpers.run_proc(["gpg", "--list-keys", "--with-colons"], tmp_path,
                                                          env=env).out.splitlines() if ln.startswith("fpr"))
    for store in ("dotenv", "ini"):
        (tmp_path / ".sops.yaml").write_text(f"creation_rules:\n  - age: {keys[0].public}\n    pgp: {fp}\n")
        res = helpers.run_proc([helpers.sops_bin(), "--config", str(tmp_path / ".sops.yaml"), "encrypt",
                                "--input-type", store, "--output-type", store, "/dev/stdin"], tmp_path,
                               env=dict(os.environ, **env), input=PLAIN[store].encode())
        assert res.code == 0, res.err
        meta = document.parse("f", res.out.encode()).meta
        assert meta is not None and meta.recipients.as_dict() == {"age": [keys[0].public], "pgp": [fp]}


@pytest.mark.parametrize("name,text", [
    ("app.json", '{"sops": {"enabled": true}, "password": "x"}\n'),  # a `sops` key that is no metadata
    ("settings.ini", "[server]\nport = 80\n; [sops] in a comment\n"),
    ("app.env", "# sops_mac=ENC[...] in a comment\nPASSWORD=x\n"),
    ("README.md", "Run `sops -e` to encrypt; the metadata lives under sops: in the file.\n"),
    ("notes.txt", '{"data": "x", "note": "sops"}\n'),
    ("chart/values.yaml", "sops:\n  enabled: true\n"),
])
def test_look_alikes_are_not_sops_files(name: str, text: str) -> None:
    parsed = document.parse(name, text.encode())
    assert parsed.meta is None and parsed.store is None
    assert document.store_of(text.encode()) in (None, "json", "yaml") and document.parse_light(name, text.encode()).meta is None


@pytest.mark.parametrize("text", [
    '{"data": "x", "sops": {"mac": "m", "age": 7, "key_groups": 3, "shamir_threshold": "two"}}',
    '{"data": "x", "sops": {"mac": "m", "age": [{"recipient": 1}], "key_groups": [1, {"age": "x"}]}}',
    '{"data": "x", "sops": []}', '{"sops": {"mac": null, "version": [1]}}', '{"sops": {"mac": "x"', "{" * 5000,
    "[sops]\nmac = x\nage__list_0__map_recipient\nage__list_x__map_enc = y\nkey_groups__list_0 = z\n"
    "key_groups__list_0__map_age__list_0__map_recipient = a\n",
    "sops_mac=x\nsops_age__list_0=a\nsops_age__list_0__map_recipient=b\nsops_shamir_threshold=-1\n"
    "sops_mac_only_encrypted=yes\n",
    "[sops\nmac = x\n[sops]\n=\n = \nmac\n",
    "\ufeff{\"sops\": {\"mac\": \"x\"}}",
])
@pytest.mark.parametrize("name", ["f.json", "f.ini", "f.env", "f.yaml", "f"])
def test_malformed_never_crash(name: str, text: str) -> None:
    for parse in (document.parse, document.parse_light):
        parsed = parse(name, text.encode())
        if parsed.meta is not None:
            parsed.meta.recipients.as_dict()
    document.store_of(text.encode())


def _opens(tmp: Path, name: str, data: bytes, store: str, key: agekeys.Identity) -> bool:
    (tmp / name).write_bytes(data)
    res = helpers.run_proc([helpers.sops_bin(), "--config", os.devnull, "decrypt", "--input-type", store,
                            "--output-type", store, str(tmp / name)], tmp, env=agekeys.identity_env([key]))
    helpers.OUTPUTS.pop()  # plaintext: compared, never shown
    return res.code == 0


@pytest.mark.parametrize("store", ["json", "binary"])
def test_json_stores_rewrapped_in_place(tmp_path: Path, keys: tuple[agekeys.Identity, ...], store: str) -> None:
    """The "age" array is replaced in place: every other byte stays; the real sops opens the result
    with the added key alone and no longer with the removed one."""
    from secretops.sops import rewrap

    a, b = keys
    c = agekeys.generate()
    data = _sops(tmp_path, store, f"creation_rules:\n  - age: {a.public},{b.public}\n").decode()
    new = rewrap.rewrap_text(data, "secret.hcl", [a], [c.public], [b.public])
    assert document.parse("x", new.encode()).meta.recipients.age == (a.public, c.public)  # type: ignore[union-attr]
    head, tail = data.split('"age": [')[0], data.split('"lastmodified"')[1]
    assert new.startswith(head) and new.endswith(tail) and data.count("\n") == new.count("\n")
    assert _opens(tmp_path, "new", new.encode(), store, c) and _opens(tmp_path, "new", new.encode(), store, a)
    assert not _opens(tmp_path, "new", new.encode(), store, b)


@pytest.mark.parametrize("store", ["dotenv", "ini"])
def test_flat_stores_go_through_sops(tmp_path: Path, keys: tuple[agekeys.Identity, ...], store: str) -> None:
    from secretops.sops import rewrap

    data = _sops(tmp_path, store, f"creation_rules:\n  - age: {keys[0].public}\n").decode()
    with pytest.raises(rewrap.Unsupported):
        rewrap.rewrap_text(data, "x", [keys[0]], [keys[1].public], ())


@pytest.mark.parametrize("age", ['"age": null, ', '"age": [], ', ""])
def test_json_without_an_age_array_goes_through_sops(keys: tuple[agekeys.Identity, ...], age: str) -> None:
    from secretops.sops import rewrap

    text = '{"data": "ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]", "sops": {' + age + '"pgp": [{"fp": "AB"}], ' \
           '"lastmodified": "2026-01-01T00:00:00Z", "mac": "m", "version": "3.11.0"}}'
    with pytest.raises(rewrap.Unsupported):
        rewrap.rewrap_text(text, "x.json", [keys[0]], [keys[1].public], ())


@pytest.mark.parametrize("name,text,fmt", [
    ("main.tf", '{ resource "sops" }\n', "other"),  # a marker, no metadata: no JSON error for a .tf file
    ("app.yaml", "items:\n  - a\n[sops]\n", "yaml"),  # invalid YAML stays a YAML problem, not an INI file
    ("settings.json", '{"sops": {"enabled": true}}', "json"),
])
def test_a_marker_without_metadata_leaves_the_name_to_decide(name: str, text: str, fmt: str) -> None:
    parsed = document.parse(name, text.encode())
    assert parsed.format == fmt and parsed.meta is None
    assert (parsed.error is not None) == (fmt == "yaml")
