from __future__ import annotations

import stat
from pathlib import Path

import pytest

from secretops.sops import agekeys
from tests import helpers, styles


@pytest.mark.parametrize("style", [styles.kustomize_controller_style, styles.sops371_style])
def test_other_sops_versions_decrypt_through_secretops(tmp_path: Path, keys_file: Path, style: object) -> None:
    root = tmp_path / "r"
    root.mkdir()
    helpers.git(root, "init", "-q")
    helpers.write(root / ".gitignore", "*.clear.yaml\n")
    ident = agekeys.generate()
    agekeys.append_to_key_file([ident], "test", keys_file)
    value = helpers.plant("style-value-Kp4w")
    style(root, ident.public, "app.enc.yaml", value)  # type: ignore[operator]
    res = helpers.run_cli(["decrypt", "app.enc.yaml"], root)
    assert res.code == 0, res.err
    clear = root / "app.clear.yaml"
    assert value in clear.read_text()
    assert stat.S_IMODE(clear.stat().st_mode) == 0o600


def test_encrypt_uses_the_rule_of_the_encrypted_name(fleet: Path) -> None:
    from secretops.sops import creation_rules as rules
    from secretops.sops import document

    cfg = rules.load(fleet)
    for cluster in ("dev", "prod"):
        rel = f"clusters/{cluster}/apps/app0.enc.yaml"
        meta = document.parse(rel, (fleet / rel).read_bytes()).meta
        assert meta is not None and meta.recipients.age == cfg.rule_for(rel).recipients.age  # type: ignore[union-attr]
    shared = document.parse("apps/shared.enc.yaml", (fleet / "apps/shared.enc.yaml").read_bytes()).meta
    assert shared is not None and len(shared.recipients.age) == 3


def test_encrypt_skips_unchanged_and_keeps_clear_without_rm(fleet: Path) -> None:
    assert helpers.run_cli(["decrypt", "apps/shared.enc.yaml"], fleet).code == 0
    before = (fleet / "apps/shared.enc.yaml").read_bytes()
    res = helpers.run_cli(["encrypt", "apps/shared.clear.yaml"], fleet)
    assert res.code == 0 and "unchanged apps/shared.enc.yaml" in res.out
    assert (fleet / "apps/shared.enc.yaml").read_bytes() == before and (fleet / "apps/shared.clear.yaml").exists()
    clear = fleet / "apps/shared.clear.yaml"
    clear.write_text(clear.read_text().replace("name: shared", "name: shared2"))
    assert "encrypted apps/shared.enc.yaml" in helpers.run_cli(["encrypt"], fleet).out
    assert (fleet / "apps/shared.enc.yaml").read_bytes() != before


def test_decrypt_refuses_when_clear_files_are_not_ignored(fleet: Path) -> None:
    (fleet / ".gitignore").write_text("")
    res = helpers.run_cli(["decrypt", "apps/shared.enc.yaml"], fleet)
    assert res.code == 2 and "does not ignore" in res.err and not (fleet / "apps/shared.clear.yaml").exists()
    assert helpers.run_cli(["decrypt", "--force", "apps/shared.enc.yaml"], fleet).code == 0


def test_edit_runs_sops_editor(fleet: Path, tmp_path: Path) -> None:
    editor = helpers.write(tmp_path / "ed.sh", "#!/bin/sh\nsed -i 's/name: shared$/name: edited/' \"$1\"\n", 0o755)
    res = helpers.run_cli(["edit", "apps/shared.enc.yaml"], fleet, env={"SOPS_EDITOR": str(editor)})
    assert res.code == 0, res.err
    assert "name: edited" in (fleet / "apps/shared.enc.yaml").read_text()


def test_encrypt_changes_only_the_changed_values(fleet: Path) -> None:
    rel = "clusters/dev/apps/multi.enc.yaml"
    clear = fleet / "clusters/dev/apps/multi.clear.yaml"
    a, b, c, d = (helpers.plant(f"multi-{n}-Wq7") for n in "abcd")
    clear.write_text(f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: multi\nstringData:\n  a: {a}\n  b: {b}\n"
                     f"data:\n  c: {c}\n")
    assert helpers.run_cli(["encrypt", str(clear)], fleet).code == 0
    before = (fleet / rel).read_text().splitlines()
    clear.write_text(clear.read_text().replace(f"b: {b}", f"b: {d}"))
    res = helpers.run_cli(["encrypt", str(clear)], fleet)
    assert res.code == 0 and f"encrypted {rel}" in res.out
    after = (fleet / rel).read_text().splitlines()
    changed = [n for n, (x, y) in enumerate(zip(before, after)) if x != y]
    keys = {after[n].split(":")[0].strip() for n in changed}
    assert len(before) == len(after) and {"b", "mac"} <= keys <= {"b", "lastmodified", "mac"}
    dec = helpers.sops(fleet, "decrypt", rel)
    helpers.OUTPUTS.pop()
    assert dec.code == 0 and f"b: {d}" in dec.out and f"c: {c}" in dec.out  # data values stay as written
    clear.write_text(clear.read_text() + f"  e: {a}\n")  # a new key: sops encrypts the whole file again
    assert helpers.run_cli(["encrypt", str(clear)], fleet).code == 0
    again = (fleet / rel).read_text().splitlines()
    assert sum(1 for x, y in zip(after, again) if x != y) > 3
