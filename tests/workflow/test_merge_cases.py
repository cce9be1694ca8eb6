"""The merge driver's clean and conflicting cases (docs/review.md), each made on one side and then on
the other, by real git merges with the driver registered as install-hook registers it. The sides are
edited with the real sops (`sops set`/`unset`, `updatekeys`, a real gpg key), or, for key services
no test can reach (AWS/GCP KMS, Azure Key Vault, Vault), with stanzas shaped like sops writes them.
Judges: the real sops decrypting with key files that hold exactly the keys that should work, the
merged file's metadata read by PyYAML, and git's own merge result."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml as pyyaml

from secretops.sops import agekeys
from tests import helpers

REL = "clusters/dev/apps/app0.enc.yaml"
SIDES = ["ours", "theirs"]
BASE = {"user": "u-Mx4", "password": "pw-base-Mx4", "token": "tk-base-Mx4"}
FOREIGN = {
    "kms": ("arn", "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            '          - arn: {id}\n            created_at: "2026-01-01T00:00:00Z"\n'
            "            enc: AQICAHhZ2xbogusciphertextAAAAfjB8BgkqhkiG9w0BBwagbzBtAgEAMGgGCSqGSIb3DQEHATAeBglg\n"
            '            aws_profile: ""\n'),
    "gcp_kms": ("resource_id", "projects/p/locations/global/keyRings/r/cryptoKeys/k",
                '          - resource_id: {id}\n            created_at: "2026-01-01T00:00:00Z"\n'
                "            enc: CiQAbogusciphertextAAAAfjB8BgkqhkiG9w0BBwagbzBtAgEAMGgGCSqGSIb3DQEH\n"),
    "azure_kv": ("vault_url", "https://vault.vault.azure.net",
                 "          - vault_url: {id}\n            name: sops-key\n            version: 0123456789abcdef\n"
                 '            created_at: "2026-01-01T00:00:00Z"\n'
                 "            enc: bogusciphertextAAAAfjB8BgkqhkiG9w0BBwagbzBtAgEAMGgGCSqGSIb3DQEH\n"),
    "hc_vault": ("vault_address", "http://127.0.0.1:1",
                 "          - vault_address: {id}\n            engine_path: sops\n            key_name: firstkey\n"
                 '            created_at: "2026-01-01T00:00:00Z"\n'
                 "            enc: vault:v1:bogusciphertextAAAAfjB8BgkqhkiG9w0BBwagbzBtAgEAMGgGCSqGSIb3DQEH\n"),
}


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=300)
    helpers.OUTPUTS.append(res.stdout + res.stderr)
    return res


def _sops(root: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> None:
    keys = agekeys.identity_env(agekeys.load_identities())
    res = helpers.run_proc([helpers.sops_bin(), "--config", os.devnull, *args], root, {**keys, **(env or {})},
                           input=stdin.encode() if stdin is not None else None)
    assert res.code == 0, res.err


def _set(root: Path, path: str, value: str, secret: bool = True) -> None:
    """`sops set` with the value on stdin (the data key is kept; every value gets a new IV)."""
    _sops(root, "set", "--value-stdin", REL, path, stdin=json.dumps(helpers.plant(value) if secret else value))


def _unset(root: Path, path: str) -> None:
    _sops(root, "unset", REL, path)


def _add_stanza(root: Path, kind: str) -> None:
    """A stanza as sops writes it, for a key service no test reaches (the data key is unchanged)."""
    _field, ident, body = FOREIGN[kind]
    text = (root / REL).read_text()
    (root / REL).write_text(text.replace("\nsops:\n", f"\nsops:\n    {kind}:\n{body.format(id=ident)}", 1))


def _meta(root: Path) -> dict[str, Any]:
    return dict(pyyaml.safe_load((root / REL).read_text())["sops"])


def _opened(root: Path, keys: list[agekeys.Identity], env: dict[str, str] | None = None) -> dict[str, Any] | None:
    """What the real sops decrypts with exactly these keys (None: it does not open)."""
    full = dict(os.environ, **agekeys.identity_env(keys), **(env or {}))
    res = subprocess.run([helpers.sops_bin(), "--config", os.devnull, "decrypt", REL], cwd=root, capture_output=True,
                         env=full, timeout=120)
    return pyyaml.safe_load(res.stdout) if res.returncode == 0 else None


def _dev(root: Path) -> list[agekeys.Identity]:
    text = (root / REL).read_text()
    return [i for i in agekeys.load_identities() if i.public in text]


@pytest.fixture
def wired(fleet: Path) -> Path:
    assert helpers.run_cli(["install-hook"], fleet).code == 0
    body = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: app0\n  namespace: default\n  labels:\n    app: web\n"
            "type: Opaque\nstringData:\n" + "".join(f"  {k}: {helpers.plant(v)}\n" for k, v in BASE.items()))
    helpers.write(fleet / REL.replace(".enc.yaml", ".clear.yaml"), body)
    assert helpers.run_cli(["encrypt", "--rm", REL.replace(".enc.yaml", ".clear.yaml")], fleet).code == 0
    helpers.git(fleet, "add", "-A")
    helpers.git(fleet, "commit", "-qm", "base")
    return fleet


def _merge(root: Path, side: str, one: Any, other: Any) -> subprocess.CompletedProcess[str]:
    """`one` edits the file on `side` (main is ours), `other` on the other branch; then main merges."""
    mine, theirs = (one, other) if side == "ours" else (other, one)
    helpers.git(root, "checkout", "-qb", "topic")
    theirs(root)
    helpers.git(root, "commit", "-qam", "theirs", "--no-verify")
    helpers.git(root, "checkout", "-q", "main")
    mine(root)
    helpers.git(root, "commit", "-qam", "ours", "--no-verify")
    return _git(root, "merge", "--no-edit", "topic")


def _clean(root: Path, res: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert res.returncode == 0, res.stdout + res.stderr
    assert _git(root, "status", "--porcelain").stdout == ""
    opened = _opened(root, _dev(root))
    assert opened is not None
    return opened


def _password(root: Path) -> None:
    _set(root, '["stringData"]["password"]', "pw-changed-Mx4")


@pytest.mark.parametrize("side", SIDES)
def test_an_empty_value_added_on_one_side_merges_clean(wired: Path, side: str) -> None:
    res = _merge(wired, side, lambda r: _set(r, '["stringData"]["empty"]', "", secret=False), _password)
    data = _clean(wired, res)
    assert data["stringData"] == {**BASE, "password": "pw-changed-Mx4", "empty": ""}
    assert "    empty: \"\"\n" in (wired / REL).read_text()  # left clear, as sops leaves it


@pytest.mark.parametrize("side", SIDES)
def test_labels_edited_on_one_side_merge_clean(wired: Path, side: str) -> None:
    def labels(root: Path) -> None:
        _set(root, '["metadata"]["labels"]["app"]', "web-v2", secret=False)
        _set(root, '["metadata"]["labels"]["tier"]', "db", secret=False)

    data = _clean(wired, _merge(wired, side, labels, _password))
    assert data["metadata"]["labels"] == {"app": "web-v2", "tier": "db"}
    assert data["stringData"] == {**BASE, "password": "pw-changed-Mx4"}
    assert "        tier: db\n" in (wired / REL).read_text() or '        tier: "db"\n' in (wired / REL).read_text()


@pytest.mark.parametrize("side", SIDES)
def test_different_labels_on_each_side_merge_clean(wired: Path, side: str) -> None:
    res = _merge(wired, side, lambda r: _set(r, '["metadata"]["labels"]["app"]', "web-v2", secret=False),
                 lambda r: _set(r, '["metadata"]["labels"]["tier"]', "db", secret=False))
    assert _clean(wired, res)["metadata"]["labels"] == {"app": "web-v2", "tier": "db"}


@pytest.mark.parametrize("side", SIDES)
def test_a_value_added_on_one_side_and_removed_on_the_other_merge_clean(wired: Path, side: str) -> None:
    res = _merge(wired, side, lambda r: _set(r, '["stringData"]["extra"]', "ex-new-Mx4"),
                 lambda r: _unset(r, '["stringData"]["token"]'))
    assert _clean(wired, res)["stringData"] == {"user": "u-Mx4", "password": "pw-base-Mx4", "extra": "ex-new-Mx4"}


@pytest.mark.parametrize("side", SIDES)
def test_the_same_label_changed_differently_conflicts(wired: Path, side: str) -> None:
    ours_before = None
    res = _merge(wired, side, lambda r: _set(r, '["metadata"]["labels"]["app"]', "web-a", secret=False),
                 lambda r: _set(r, '["metadata"]["labels"]["app"]', "web-b", secret=False))
    assert res.returncode != 0 and "metadata.labels.app" in res.stdout + res.stderr
    ours_before = _git(wired, "show", "HEAD:" + REL).stdout
    assert (wired / REL).read_text() == ours_before  # git's copy is ours, whole, encrypted
    assert _opened(wired, _dev(wired)) is not None


@pytest.mark.parametrize("kind", sorted(FOREIGN))
@pytest.mark.parametrize("side", SIDES)
def test_a_key_service_recipient_added_on_one_side_is_kept(wired: Path, side: str, kind: str) -> None:
    data = _clean(wired, _merge(wired, side, lambda r: _add_stanza(r, kind), _password))
    assert data["stringData"] == {**BASE, "password": "pw-changed-Mx4"}
    field, ident, _body = FOREIGN[kind]
    assert [s[field] for s in _meta(wired)[kind]] == [ident]
    assert [s["recipient"] for s in _meta(wired)["age"]] == [i.public for i in _dev(wired)]


@pytest.mark.parametrize("side", SIDES)
def test_a_key_service_recipient_removed_on_one_side_stays_removed(wired: Path, side: str) -> None:
    _add_stanza(wired, "kms")
    helpers.git(wired, "commit", "-qam", "kms in the base", "--no-verify")

    def drop(root: Path) -> None:
        text = (root / REL).read_text()
        start = text.index("    kms:\n")
        end = text.index("    age:\n")
        (root / REL).write_text(text[:start] + text[end:])

    _clean(wired, _merge(wired, side, drop, _password))
    assert "kms" not in _meta(wired)


@pytest.fixture
def gnupg(tmp_path: Path) -> tuple[dict[str, str], str]:
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    env = {"GNUPGHOME": str(home)}
    res = helpers.run_proc(["gpg", "--batch", "--passphrase", "", "--quick-gen-key", "merge <m@example.com>",
                            "rsa2048", "encrypt", "never"], tmp_path, env)
    assert res.code == 0, res.err
    listing = helpers.run_proc(["gpg", "--list-keys", "--with-colons"], tmp_path, env).out
    return env, next(ln.split(":")[9] for ln in listing.splitlines() if ln.startswith("fpr:"))


@pytest.mark.parametrize("side", SIDES)
def test_a_real_pgp_recipient_added_on_one_side_opens_the_merged_file(wired: Path, side: str,
                                                                      gnupg: tuple[dict[str, str], str]) -> None:
    env, fp = gnupg
    config = wired.parent / "pgp-rule.yaml"
    dev = _dev(wired)[0].public
    config.write_text(f"creation_rules:\n  - path_regex: .*\n    age: {dev}\n    pgp: {fp}\n")

    def add_pgp(root: Path) -> None:
        keys = agekeys.identity_env(agekeys.load_identities())
        res = helpers.run_proc([helpers.sops_bin(), "--config", str(config), "updatekeys", "-y", REL], root,
                               {**keys, **env})
        assert res.code == 0, res.err

    data = _clean(wired, _merge(wired, side, add_pgp, _password))
    assert data["stringData"]["password"] == "pw-changed-Mx4"
    assert [s["fp"] for s in _meta(wired)["pgp"]] == [fp]
    by_pgp_alone = _opened(wired, [], env)  # no age key at all: gpg's key opens the merged file
    assert by_pgp_alone is not None and by_pgp_alone["stringData"]["password"] == "pw-changed-Mx4"


@pytest.mark.parametrize("side", SIDES)
def test_an_age_recipient_added_on_one_side_opens_the_merged_file(wired: Path, side: str) -> None:
    extra = agekeys.generate()

    def rekey(root: Path) -> None:
        cfg = (root / ".sops.yaml").read_text()
        dev = _dev(root)[0].public
        (root / ".sops.yaml").write_text(cfg.replace(f"age: {dev}\n", f"age: {dev},{extra.public}\n", 1))
        assert helpers.run_cli(["updatekeys", REL], root).code == 0

    _clean(wired, _merge(wired, side, rekey, _password))
    assert (_opened(wired, [extra]) or {}).get("stringData", {}).get("password") == "pw-changed-Mx4"


@pytest.mark.parametrize("side", SIDES)
def test_a_new_data_key_and_a_kms_recipient_on_one_side_carry_the_merge(wired: Path, side: str) -> None:
    """The side with the new data key holds the KMS stanza: the merge is built on that side's file."""
    def rotate_and_kms(root: Path) -> None:
        _sops(root, "rotate", "-i", REL)
        _add_stanza(root, "kms")

    data = _clean(wired, _merge(wired, side, rotate_and_kms, _password))
    assert data["stringData"] == {**BASE, "password": "pw-changed-Mx4"} and len(_meta(wired)["kms"]) == 1


def test_key_service_recipients_added_on_both_sides_under_different_data_keys_conflict(wired: Path) -> None:
    def one(root: Path) -> None:
        _sops(root, "rotate", "-i", REL)
        _add_stanza(root, "kms")

    res = _merge(wired, "ours", one, lambda r: (_password(r), _add_stanza(r, "gcp_kms")))
    assert res.returncode != 0 and "different data keys" in res.stdout + res.stderr
    assert _opened(wired, _dev(wired)) is not None


def test_several_documents_conflict_and_ours_stays_whole(wired: Path) -> None:
    def two_docs(root: Path) -> None:
        clear = root / "two.yaml"
        clear.write_text("apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\nstringData:\n  k: " + helpers.plant("v-one-Mx4")
                         + "\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: b\nstringData:\n  k: "
                         + helpers.plant("v-two-Mx4") + "\n")
        res = helpers.run_proc([helpers.sops_bin(), "--config", ".sops.yaml", "encrypt", "--filename-override", REL,
                                "two.yaml"], root)
        clear.unlink()
        assert res.code == 0, res.err
        (root / REL).write_text(res.out)

    res = _merge(wired, "ours", two_docs, _password)
    assert res.returncode != 0 and "single-document" in res.stdout + res.stderr


def test_deep_nesting_is_a_conflict_in_one_line(wired: Path) -> None:
    """2,000 levels the real sops encrypted on one side (sops refuses 10,000), and a forged
    10,000-level file on the other: a plain conflict, no traceback."""
    deep = "".join("  " * (i + 1) + "a:\n" for i in range(1999)) + "  " * 2000 + "a: x\n"

    def real(root: Path) -> None:
        body = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app0\nstringData:\n" + deep
        helpers.write(root / REL.replace(".enc.yaml", ".clear.yaml"), body)
        (root / REL).unlink()
        assert helpers.run_cli(["encrypt", "--rm", REL.replace(".enc.yaml", ".clear.yaml")], root).code == 0

    res = _merge(wired, "theirs", real, _password)
    assert res.returncode != 0 and "Traceback" not in res.stderr and "internal error" not in res.stderr
    assert "nested more than" in res.stdout + res.stderr
    _git(wired, "merge", "--abort")

    def forged(root: Path) -> None:
        sops_block = (root / REL).read_text().split("\nsops:\n", 1)[1]
        (root / REL).write_text("a: " + "{a: " * 10_000 + "x" + "}" * 10_000 + "\nsops:\n" + sops_block)

    helpers.git(wired, "branch", "-D", "topic")
    res = _merge(wired, "theirs", forged, lambda r: _set(r, '["stringData"]["user"]', "u-two-Mx4"))
    assert res.returncode != 0 and "Traceback" not in res.stderr and "internal error" not in res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("secretops")]
    assert len(lines) == 1


@pytest.mark.parametrize("side", SIDES)
def test_a_recipient_added_to_a_key_group_on_one_side_is_kept(wired: Path, side: str, keys_file: Path) -> None:
    """Shamir key groups (two, threshold 2; the user holds a key of each): the real sops made the
    file and adds the recipient."""
    dev = _dev(wired)[0]
    second, added = agekeys.generate(), agekeys.generate()
    keys_file.write_text(keys_file.read_text() + second.secret + "\n")
    rule = "creation_rules:\n  - path_regex: .*\n    shamir_threshold: 2\n    key_groups:\n      - age: [{}]\n      - age: [{}]\n"
    config = wired.parent / "groups.yaml"
    config.write_text(rule.format(dev.public, second.public))
    clear = wired / "groups.yaml"
    clear.write_text("apiVersion: v1\nkind: Secret\nmetadata:\n  name: app0\nstringData:\n" +
                     "".join(f"  {k}: {v}\n" for k, v in BASE.items()))
    res = helpers.run_proc([helpers.sops_bin(), "--config", str(config), "encrypt", "--filename-override", REL,
                            "groups.yaml"], wired)
    clear.unlink()
    assert res.code == 0, res.err
    (wired / REL).write_text(res.out)
    helpers.git(wired, "commit", "-qam", "key groups", "--no-verify")

    def add_to_group(root: Path) -> None:
        config.write_text(rule.format(dev.public, f"{second.public}, {added.public}"))
        keys = agekeys.identity_env([dev, second])
        res = helpers.run_proc([helpers.sops_bin(), "--config", str(config), "updatekeys", "-y", REL], root, keys)
        assert res.code == 0, res.err

    data = _clean(wired, _merge(wired, side, add_to_group, _password))
    assert data["stringData"] == {**BASE, "password": "pw-changed-Mx4"}
    groups = _meta(wired)["key_groups"]
    assert [[s["recipient"] for s in g["age"]] for g in groups] == [[dev.public], [second.public, added.public]]
    assert (_opened(wired, [dev, added]) or {}).get("stringData", {}).get("password") == "pw-changed-Mx4"
    assert (_opened(wired, [dev, second]) or {}).get("stringData", {}).get("password") == "pw-changed-Mx4"
    assert _opened(wired, [added]) is None  # one share is not enough: the groups are sops's, kept


@pytest.mark.parametrize("side", SIDES)
def test_values_named_like_sops_metadata_or_quoted_merge_clean(wired: Path, side: str) -> None:
    """Keys named `lastmodified` and `mac` (only the sops block's are restamped), a key sops quotes
    (`"n"`, a YAML 1.1 boolean), a key with a colon and a dotted key."""
    def odd_keys(root: Path) -> None:
        for key, value in (("lastmodified", "lm-Mx4"), ("mac", "mac-Mx4"), ("n", "n-Mx4"), ("a: b", "ab-Mx4"),
                           ("tls.crt", "crt-Mx4")):
            _set(root, f'["stringData"][{json.dumps(key)}]', value)

    data = _clean(wired, _merge(wired, side, odd_keys, _password))
    assert data["stringData"] == {**BASE, "password": "pw-changed-Mx4", "lastmodified": "lm-Mx4", "mac": "mac-Mx4",
                                  "n": "n-Mx4", "a: b": "ab-Mx4", "tls.crt": "crt-Mx4"}


def test_the_same_change_on_both_sides_merges_clean(wired: Path) -> None:
    data = _clean(wired, _merge(wired, "ours", _password, _password))
    assert data["stringData"] == {**BASE, "password": "pw-changed-Mx4"}


def test_a_branch_from_before_a_rotation_takes_the_rotation_in(wired: Path) -> None:
    """The other direction of test_merge's rotation case: the feature branch merges main after
    `rotate start`; the file keeps the old and the new key, and each opens it."""
    from tests.rotation.conftest import with_remote

    with_remote(wired)
    old = agekeys.load_identities()
    helpers.git(wired, "checkout", "-qb", "feature")
    _password(wired)
    helpers.git(wired, "commit", "-qam", "feature", "--no-verify")
    helpers.git(wired, "checkout", "-q", "main")
    assert helpers.run_cli(["rotate", "start", "--all"], wired).code == 0
    new = [i for i in agekeys.load_identities() if i.public not in {o.public for o in old}]
    helpers.git(wired, "checkout", "-q", "feature")
    res = _git(wired, "merge", "--no-edit", "main")
    assert res.returncode == 0, res.stdout + res.stderr
    text = (wired / REL).read_text()
    dev_old, dev_new = [i for i in old if i.public in text], [i for i in new if i.public in text]
    assert dev_old and dev_new
    for keys in (dev_old, dev_new):
        assert (_opened(wired, keys) or {}).get("stringData", {}).get("password") == "pw-changed-Mx4"
