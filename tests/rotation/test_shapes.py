"""A full rotation in each Flux shape of issue 21 (tests/flux_shapes.py, built without secretops),
against the fake API server. Judged by the real sops with key files that hold only the old or only
the new keys, and by every file's recipients at HEAD, read with git and PyYAML (never secretops):
each cluster key is replaced by its new key on every file that carried it, and nothing else changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from secretops.sops import agekeys
from tests import fakeflux, flux_shapes, helpers
from tests.rotation.conftest import head


def _settle(shape: flux_shapes.Shape) -> None:
    """The bootstrap_path shape cannot tell its key from the person's: settle it as start says."""
    res = helpers.run_cli(["rotate", "start", "--all"], shape.root)
    assert res.code == 2, res.text
    key = shape.keys["bootstrap"].public
    lines = [ln[4:] for ln in res.err.splitlines() if ln.startswith("    ")]
    text = "\n".join(f"    age_keys: [{key}]" if ln.strip().startswith("age_keys:") else ln for ln in lines)
    helpers.commit_file(shape.root, ".secretops.yaml", text + "\n", "settle the cluster key")


@pytest.mark.parametrize("name", sorted(flux_shapes.SHAPES))
def test_full_rotation(tmp_path: Path, isolated_home: Path, name: str) -> None:
    shape = flux_shapes.SHAPES[name](tmp_path / name)
    root = shape.root
    if name == "bootstrap_path":
        _settle(shape)
    before = flux_shapes.recipients_at_head(root)
    old = {k.public: c for c, k in shape.keys.items()}
    assert all(shape.person.public in r for r in before.values())
    with fakeflux.FakeKube() as kube:
        flux_shapes.serve(shape, kube, isolated_home / ".kube" / "config")
        res = helpers.run_cli(["rotate", "start", "--all"], root)
        assert res.code == 0, res.text
        c1 = head(root)
        state = yaml.safe_load(helpers.git(root, "show", f"{c1}:.secretops/rotation.yaml"))
        mapping = {k["old"]: k["new"] for k in state["keys"]}
        assert set(mapping) == set(old)  # exactly the cluster keys: never the person's
        ids = {i.public: i for i in agekeys.load_identities()}
        new = {old[o]: ids[n] for o, n in mapping.items()}
        for rel, recips in flux_shapes.recipients_at_head(root).items():  # commit 1: old and new alone each open
            for key in before[rel] & set(old):
                assert helpers.sops_opens(root, rel, [shape.keys[old[key]]]), rel
                assert helpers.sops_opens(root, rel, [new[old[key]]]), rel
        flux_shapes.apply_everywhere(shape, kube, c1)
        res = helpers.run_cli(["rotate", "status", "--apply-key-secrets", "--format", "json"], root)
        got = {c["name"]: c for c in json.loads(res.out)["clusters"]}
        assert res.code == 0 and all(c["verified"] for c in got.values()), got
        assert sorted(got) == sorted(shape.keys)
        res = helpers.run_cli(["rotate", "finish"], root)
        assert res.code == 0, res.text
    after = flux_shapes.recipients_at_head(root)
    assert set(after) == set(before)
    for rel, recips in before.items():
        want = {mapping.get(k, k) for k in recips}  # each cluster key replaced, every other recipient kept
        assert after[rel] == want, rel
        assert not after[rel] & set(old), rel  # no retired cluster key at HEAD
        assert helpers.sops_opens(root, rel, [shape.person])
        assert not helpers.sops_opens(root, rel, list(shape.keys.values())), rel
        for key in recips & set(old):
            assert helpers.sops_opens(root, rel, [new[old[key]]]), rel
    assert helpers.git(root, "status", "--porcelain") == ""


def test_start_plans_an_ini_file_and_refuses_a_file_it_cannot_plan(tmp_path: Path) -> None:
    """Every sops file that carries a key being rotated is in the plan, whatever its store or folder
    (here an INI file beside every config's reach); a file secretops cannot re-key (sops metadata
    without its mac, damaged by hand) is named, and nothing is written. (A file the scan cannot read
    at all, but whose raw bytes carry the key, is refused by plan.require_covered: tests/rotation.)"""
    shape = flux_shapes.overlays(tmp_path / "o")
    rel = "tools/legacy/settings.ini"
    flux_shapes.encrypt(shape.root, rel, "[db]\npassword = " + helpers.plant("pw-ini-Qv7") + "\n",
                        [shape.person.public, shape.keys["alpha"].public])
    broken = "tools/legacy/damaged.yaml"
    flux_shapes.encrypt(shape.root, broken, "stringData:\n  password: " + helpers.plant("pw-dmg-Qv7") + "\n",
                        [shape.person.public, shape.keys["alpha"].public])
    text = (shape.root / broken).read_text()
    (shape.root / broken).write_text("".join(ln for ln in text.splitlines(keepends=True)
                                             if not ln.lstrip().startswith("mac:")))
    helpers.git(shape.root, "add", "-A")
    helpers.git(shape.root, "commit", "-qm", "an INI sops file, and a damaged one")
    before = helpers.repo_state(shape.root)
    res = helpers.run_cli(["rotate", "start", "--cluster", "alpha"], shape.root)
    assert res.code == 2 and broken in res.err and "no MAC" in res.err, res.text
    assert helpers.repo_state(shape.root) == before
    plan = helpers.run_cli(["rotate", "start", "--cluster", "alpha", "--dry-run", "--format", "json"], shape.root)
    assert rel in plan.out, plan.text  # the INI file is planned (sops re-keys it)
    plan = helpers.run_cli(["rotate", "start", "--cluster", "beta", "--dry-run"], shape.root)
    assert rel not in plan.text and broken not in plan.text  # alpha's key, not beta's


def test_start_refuses_ciphertext_the_scan_does_not_read(tmp_path: Path) -> None:
    """Read from the raw bytes: a sops file pasted into a Markdown page still opens with the key being
    rotated, and no store reads it; start names it and writes nothing."""
    shape = flux_shapes.overlays(tmp_path / "o")
    rel = "tools/secret.yaml"
    flux_shapes.encrypt(shape.root, rel, "stringData:\n  password: " + helpers.plant("pw-doc-Qv7") + "\n",
                        [shape.person.public, shape.keys["alpha"].public])
    page = "docs/how-we-did-it.md"
    (shape.root / "docs").mkdir()
    (shape.root / page).write_text("# Notes\n\n```yaml\n" + (shape.root / rel).read_text() + "```\n")
    (shape.root / rel).unlink()
    helpers.git(shape.root, "add", "-A")
    helpers.git(shape.root, "commit", "-qm", "a sops file pasted into the docs")
    before = helpers.repo_state(shape.root)
    res = helpers.run_cli(["rotate", "start", "--cluster", "alpha"], shape.root)
    assert res.code == 2 and page in res.err and "would leave it on the old key" in res.err, res.text
    assert helpers.repo_state(shape.root) == before
