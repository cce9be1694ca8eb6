"""Real git merges of sops files, with the driver registered exactly as install-hook registers it,
judged by the real sops with key files that hold exactly the keys that should work. Every output is
grepped for the planted values (the autouse guard)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from secretops.sops import agekeys
from tests import helpers

REL = "clusters/dev/apps/app0.enc.yaml"


def _set(root: Path, rel: str, values: dict[str, str]) -> None:
    clear = rel.replace(".enc.yaml", ".clear.yaml")
    body = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app0\n  namespace: default\ntype: Opaque\nstringData:\n"
    body += "".join(f"  {k}: {helpers.plant(v)}\n" for k, v in values.items())
    helpers.write(root / clear, body)
    res = helpers.run_cli(["encrypt", "--rm", clear], root)
    assert res.code == 0, res.text


def _values(root: Path, rel: str, keys: list[agekeys.Identity]) -> dict[str, str] | None:
    """What the real sops decrypts with exactly these keys (kept in memory only)."""
    from ruamel.yaml import YAML

    res = subprocess.run([helpers.sops_bin(), "--config", os.devnull, "decrypt", rel], cwd=root, capture_output=True,
                         env=dict(os.environ, **agekeys.identity_env(keys)), timeout=60)
    if res.returncode != 0:
        return None
    return dict(YAML(typ="safe").load(res.stdout)["stringData"])


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=120)
    helpers.OUTPUTS.append(res.stdout + res.stderr)
    return res


@pytest.fixture
def wired(fleet: Path) -> Path:
    assert helpers.run_cli(["install-hook"], fleet).code == 0
    _set(fleet, REL, {"user": "u-Kq2", "password": "pw-base-Kq2", "token": "tk-base-Kq2"})
    helpers.git(fleet, "add", "-A")
    helpers.git(fleet, "commit", "-qm", "base")
    return fleet


def _branches(root: Path, ours: dict[str, str], theirs: dict[str, str]) -> None:
    helpers.git(root, "checkout", "-qb", "theirs")
    _set(root, REL, theirs)
    helpers.git(root, "commit", "-qam", "theirs")
    helpers.git(root, "checkout", "-q", "main")
    _set(root, REL, ours)
    helpers.git(root, "commit", "-qam", "ours")


def test_wiring_is_what_install_hook_registers(wired: Path) -> None:
    attrs = (wired / ".gitattributes").read_text()
    assert "*.enc.yaml merge=secretops diff=secretops" in attrs
    driver = helpers.git(wired, "config", "--get", "merge.secretops.driver")
    assert "merge-driver %O %A %B %P" in driver
    assert helpers.run_cli(["install-hook"], wired).code == 0 and (wired / ".gitattributes").read_text() == attrs


def test_different_values_on_each_side_merge(wired: Path) -> None:
    before = (wired / REL).read_text()
    _branches(wired, {"user": "u-Kq2", "password": "pw-ours-Kq2", "token": "tk-base-Kq2"},
              {"user": "u-Kq2", "password": "pw-base-Kq2", "token": "tk-theirs-Kq2"})
    res = _git(wired, "merge", "-q", "--no-edit", "theirs")
    assert res.returncode == 0, res.stdout + res.stderr
    dev = [i for i in agekeys.load_identities() if i.public in before]
    assert _values(wired, REL, dev) == {"user": "u-Kq2", "password": "pw-ours-Kq2", "token": "tk-theirs-Kq2"}
    ours_user = next(ln for ln in before.splitlines() if ln.strip().startswith("user:"))
    assert ours_user in (wired / REL).read_text()  # an unchanged value keeps its ciphertext byte for byte


def test_the_same_value_changed_on_both_sides_stays_unmerged(wired: Path) -> None:
    _branches(wired, {"user": "u-Kq2", "password": "pw-ours-Kq2", "token": "tk-base-Kq2"},
              {"user": "u-Kq2", "password": "pw-theirs-Kq2", "token": "tk-base-Kq2"})
    res = _git(wired, "merge", "--no-edit", "theirs")
    assert res.returncode != 0 and "password" in res.stdout + res.stderr
    work = (wired / REL).read_text()
    index = _git(wired, "ls-files", "-s", "--", REL).stdout
    staged = "".join(_git(wired, "cat-file", "blob", line.split()[1]).stdout for line in index.splitlines())
    for planted in ("pw-ours-Kq2", "pw-theirs-Kq2", "pw-base-Kq2"):
        assert planted not in work and planted not in staged
    clear = wired / REL.replace(".enc.yaml", ".clear.yaml")
    assert clear.stat().st_mode & 0o777 == 0o600
    text = clear.read_text()
    assert "<<<<<<< ours" in text and ">>>>>>> theirs" in text and "pw-ours-Kq2" in text and "pw-theirs-Kq2" in text


def test_a_branch_from_before_a_rotation_merges_into_it(wired: Path) -> None:
    from tests.rotation.conftest import with_remote

    with_remote(wired)
    old = agekeys.load_identities()
    helpers.git(wired, "checkout", "-qb", "feature")
    _set(wired, REL, {"user": "u-Kq2", "password": "pw-feature-Kq2", "token": "tk-base-Kq2"})
    helpers.git(wired, "commit", "-qam", "feature")
    helpers.git(wired, "checkout", "-q", "main")
    assert helpers.run_cli(["rotate", "start", "--all"], wired).code == 0
    new = [i for i in agekeys.load_identities() if i.public not in {o.public for o in old}]
    res = _git(wired, "merge", "-q", "--no-edit", "feature")
    assert res.returncode == 0, res.stdout + res.stderr
    text = (wired / REL).read_text()
    dev_old = [i for i in old if i.public in text]
    dev_new = [i for i in new if i.public in text]
    assert dev_old and dev_new
    assert _values(wired, REL, dev_old)["password"] == "pw-feature-Kq2"  # type: ignore[index]
    assert _values(wired, REL, dev_new)["password"] == "pw-feature-Kq2"  # type: ignore[index]


def test_without_a_private_key_nothing_breaks(wired: Path, keys_file: Path) -> None:
    _branches(wired, {"user": "u-Kq2", "password": "pw-ours-Kq2", "token": "tk-base-Kq2"},
              {"user": "u-Kq2", "password": "pw-base-Kq2", "token": "tk-theirs-Kq2"})
    ours = (wired / REL).read_text()
    saved = keys_file.read_text()
    keys_file.write_text("")
    res = _git(wired, "merge", "--no-edit", "theirs")
    keys_file.write_text(saved)
    assert res.returncode != 0 and "no private key at hand" in res.stdout + res.stderr
    assert (wired / REL).read_text() == ours  # ours, whole: it still decrypts
    assert _values(wired, REL, agekeys.load_identities()) is not None


def test_one_side_rekeyed_the_other_changed(wired: Path) -> None:
    extra = agekeys.generate()
    helpers.git(wired, "checkout", "-qb", "rekey")
    cfg = (wired / ".sops.yaml").read_text()
    dev_key = next(i for i in agekeys.load_identities() if i.public in (wired / REL).read_text())
    (wired / ".sops.yaml").write_text(cfg.replace(dev_key.public, f"{dev_key.public},{extra.public}"))
    assert helpers.run_cli(["updatekeys", REL], wired).code == 0
    helpers.git(wired, "commit", "-qam", "rekey")
    helpers.git(wired, "checkout", "-q", "main")
    _set(wired, REL, {"user": "u-Kq2", "password": "pw-ours-Kq2", "token": "tk-base-Kq2"})
    helpers.git(wired, "commit", "-qam", "value")
    res = _git(wired, "merge", "-q", "--no-edit", "rekey")
    assert res.returncode == 0, res.stdout + res.stderr
    assert (_values(wired, REL, [extra]) or {}).get("password") == "pw-ours-Kq2"
    assert (_values(wired, REL, [dev_key]) or {}).get("password") == "pw-ours-Kq2"


def test_git_diff_and_secretops_diff_name_the_path_not_the_value(wired: Path) -> None:
    base = helpers.git(wired, "rev-parse", "HEAD").strip()
    _set(wired, REL, {"user": "u-Kq2", "password": "pw-next-Kq2", "token": "tk-base-Kq2"})
    helpers.git(wired, "commit", "-qam", "rotate the password")
    shown = _git(wired, "diff", f"{base}..HEAD", "--", REL).stdout
    assert "stringData.password: <" in shown and "stringData.user" not in "".join(
        ln for ln in shown.splitlines() if ln.startswith(("+", "-")))
    for fmt in ("text", "json", "markdown"):
        res = helpers.run_cli(["diff", f"{base}..HEAD", "--format", fmt], wired)
        assert res.code == 0 and "stringData.password" in res.out and "stringData.user" not in res.out, res.text


def test_a_conflict_never_writes_over_a_clear_copy_that_holds_edits(wired: Path) -> None:
    """The driver writes its markers into the clear copy only when that copy holds our values (any
    layout); a copy with edits that are not encrypted yet is left byte for byte."""
    _branches(wired, {"user": "u-Kq2", "password": "pw-ours-Kq2", "token": "tk-base-Kq2"},
              {"user": "u-Kq2", "password": "pw-theirs-Kq2", "token": "tk-base-Kq2"})
    clear = wired / REL.replace(".enc.yaml", ".clear.yaml")
    edited = ("# my pending edit\napiVersion: v1\nkind: Secret\nmetadata:\n  name: app0\n  namespace: default\n"
              f"type: Opaque\nstringData:\n  user: {helpers.plant('u-edit-Kq2')}\n")
    helpers.write(clear, edited)
    res = _git(wired, "merge", "--no-edit", "theirs")
    assert res.returncode != 0 and "holds edits that are not encrypted yet" in res.stdout + res.stderr
    assert clear.read_text() == edited
    _git(wired, "merge", "--abort")
    assert helpers.run_cli(["decrypt", "--force", REL], wired).code == 0  # now our values, sops's layout
    res = _git(wired, "merge", "--no-edit", "theirs")
    assert res.returncode != 0 and "<<<<<<< ours" in clear.read_text()


def test_merge_after_a_move_to_post_quantum_keys(wired: Path) -> None:
    """The driver merges files whose only age recipients are post-quantum; the reference age (Node) and the
    real sops open the result with the PQ keys alone. The versions are asserted: no API server here."""
    from tests.pq.judge import judge_sops_file

    helpers.write(wired / ".secretops.yaml", "version: 1\nkustomize_controller_versions:\n"
                  + "".join(f'  {c}: "1.9.0"\n' for c in ("dev", "staging", "prod")))
    helpers.git(wired, "add", "-A")
    helpers.git(wired, "commit", "-qm", "every cluster runs Flux 2.9")
    for args in (["rotate", "start", "--to-pq", "--all"], ["rotate", "finish", "--unverified"]):
        res = helpers.run_cli(args, wired)
        assert res.code == 0, res.text
    pq = [i for i in agekeys.load_identities() if i.post_quantum and i.public in (wired / REL).read_text()]
    assert pq and "age1pq1" in (wired / REL).read_text()
    _branches(wired, {"user": "u-Kq2", "password": "pw-ours-Kq2", "token": "tk-base-Kq2"},
              {"user": "u-Kq2", "password": "pw-base-Kq2", "token": "tk-theirs-Kq2"})
    res = _git(wired, "merge", "-q", "--no-edit", "theirs")
    assert res.returncode == 0, res.stdout + res.stderr
    merged = {"user": "u-Kq2", "password": "pw-ours-Kq2", "token": "tk-theirs-Kq2"}
    assert _values(wired, REL, pq) == merged
    judged = judge_sops_file(wired / REL, [k.secret for k in pq])["values"]
    assert {k.split(":")[1]: v for k, v in judged.items()} == {k: helpers.plant(v) for k, v in merged.items()}
