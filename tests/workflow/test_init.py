from __future__ import annotations

import stat
import subprocess
from pathlib import Path

from secretops.sops import creation_rules as rules
from secretops.sops import document
from tests import helpers


def test_init_per_cluster_keys(fleet: Path, keys_file: Path) -> None:
    cfg = rules.load(fleet)
    keys = {c: cfg.rule_for(f"clusters/{c}/x.enc.yaml").recipients.age for c in ("dev", "staging", "prod")}  # type: ignore[union-attr]
    assert len({k for v in keys.values() for k in v}) == 3
    assert set(cfg.rule_for("apps/x.enc.yaml").recipients.age) == {k for v in keys.values() for k in v}  # type: ignore[union-attr]
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600 and keys_file.read_text().count("AGE-SECRET-KEY-1") == 3
    for c in ("dev", "staging", "prod"):
        rel = f"clusters/{c}/flux-system/sops-age.enc.yaml"
        parsed = document.parse(rel, (fleet / rel).read_bytes())
        doc = parsed.documents[0]
        assert doc["metadata"] == {"name": "sops-age", "namespace": "flux-system"}
        assert list(doc["stringData"]) == ["age.agekey"] and doc["stringData"]["age.agekey"].startswith("ENC[")
        assert parsed.meta is not None and parsed.meta.recipients.age == keys[c]
    assert "*.clear.yaml" in (fleet / ".gitignore").read_text()
    for c in ("dev", "staging", "prod"):
        assert "- sops-age.enc.yaml" in (fleet / f"clusters/{c}/flux-system/kustomization.yaml").read_text()
    assert ".secretops/" in (fleet / ".sourceignore").read_text()
    assert "secretops check --staged" in (fleet / ".pre-commit-config.yaml").read_text()


def test_init_is_idempotent_and_keeps_comments(fleet: Path) -> None:
    sops_yaml = fleet / ".sops.yaml"
    sops_yaml.write_text("# team rules\n" + sops_yaml.read_text())
    before = helpers.snapshot(fleet)
    res = helpers.run_cli(["init"], fleet)
    assert res.code == 0, res.err
    assert helpers.snapshot(fleet) == before
    helpers.write(fleet / "clusters/edge/flux-system/kustomization.yaml", "resources: []\n")
    assert helpers.run_cli(["init"], fleet).code == 0  # an existing setup: adopted, no key for edge
    assert helpers.snapshot(fleet) == {**before, "clusters/edge/flux-system/kustomization.yaml": b"resources: []\n"}
    assert helpers.run_cli(["init", "--cluster", "edge"], fleet).code == 0  # asked for by name
    text = sops_yaml.read_text()
    assert text.startswith("# team rules\n") and "^clusters/edge/" in text
    assert (fleet / "clusters/edge/flux-system/sops-age.enc.yaml").exists()


def test_init_shared_key(shared_fleet: Path) -> None:
    cfg = rules.load(shared_fleet)
    assert len(cfg.rules) == 1 and len(cfg.age_keys) == 1
    res = helpers.run_cli(["status", "--format", "json"], shared_fleet)
    assert res.code == 0 and '"recipients-mismatch"' not in res.out


def test_bootstrap_command_has_no_key(tmp_path: Path) -> None:
    root = tmp_path / "r"
    (root / "clusters/one").mkdir(parents=True)
    helpers.git(root, "init", "-q")
    res = helpers.run_cli(["init"], root)
    assert res.code == 0 and "--from-file=age.agekey=/dev/stdin" in res.out
    assert "AGE-SECRET-KEY" not in res.out


def test_no_clusters_is_exit_2(tmp_path: Path) -> None:
    helpers.git(tmp_path, "init", "-q")
    res = helpers.run_cli(["init"], tmp_path)
    assert res.code == 2 and "no clusters found" in res.err


def test_init_killed_after_any_write_can_run_again(tmp_path: Path, keys_file: Path) -> None:
    from secretops.repo import keysecrets
    from secretops.sops import agekeys

    for n in range(1, 40):
        root = tmp_path / f"r{n}"
        for name in ("a", "b"):
            (root / "clusters" / name).mkdir(parents=True)
        helpers.git(root, "init", "-q")
        if keys_file.exists():
            keys_file.unlink()
        first = helpers.cli_killed_after(n, ["init"], root)
        if first.code == 0:
            break
        assert first.code == -9
        again = helpers.cli_proc(["init"], root)
        assert again.code == 0, again.text
        cfg = rules.load(root)
        ids = agekeys.load_identities()
        for name in ("a", "b"):
            rel = f"clusters/{name}/flux-system/sops-age.enc.yaml"
            held = keysecrets.identities_of(keysecrets.read_entries(root, rel, ids), rel)
            rule = cfg.rule_for(f"clusters/{name}/x.enc.yaml")
            assert rule is not None and [i.public for i in held] == list(rule.recipients.age), (n, name)
    assert n > 5


def test_warns_when_flux_cannot_decrypt(tmp_path: Path) -> None:
    root = tmp_path / "r"
    helpers.write(root / "clusters/one/flux-system/gotk-sync.yaml",
                  "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n"
                  "spec:\n  path: ./clusters/one\n")
    listing = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - gotk-sync.yaml\n"
    helpers.write(root / "clusters/one/flux-system/kustomization.yaml", listing)
    helpers.git(root, "init", "-q")
    res = helpers.run_cli(["init"], root)
    assert res.code == 0 and "has no spec.decryption" in res.err
    # the Kustomization that applies the folder does not decrypt: its listing is left alone
    assert (root / "clusters/one/flux-system/kustomization.yaml").read_text() == listing
    assert "not added to clusters/one/flux-system/kustomization.yaml" in res.err


PRECOMMIT = """# pre-commit hooks of the platform team
repos:
  - repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v5.0.0  # keep in sync with renovate
    hooks:
      - id: trailing-whitespace
      - id: check-yaml
        args: [--allow-multiple-documents]   # flux manifests
"""


def test_init_adopts_an_existing_repository(tmp_path: Path, keys_file: Path) -> None:
    """A repository secretops did not make: init writes no key, no rule, no key Secret; every line
    and comment of the user's .pre-commit-config.yaml stays, and the hook is the shipped one."""
    from tests import wild

    repo = wild.per_cluster_repo(tmp_path / "home-ops")
    helpers.commit_file(repo.root, ".pre-commit-config.yaml", PRECOMMIT, "hooks")
    keys_before = keys_file.read_bytes()
    tracked = helpers.snapshot(repo.root)
    plan = helpers.run_cli(["init", "--dry-run"], repo.root)
    assert plan.code == 0, plan.text
    assert "writes no key, no creation rule and no key Secret, and replaces no file" in plan.out
    assert "found: kubernetes/main/.sops.yaml (creation rules)" in plan.out
    assert "would add to .pre-commit-config.yaml" in plan.out and "would create .sourceignore" in plan.out
    assert helpers.snapshot(repo.root) == tracked and keys_file.read_bytes() == keys_before
    res = helpers.run_cli(["init"], repo.root)
    assert res.code == 0, res.text
    assert keys_file.read_bytes() == keys_before
    changed = helpers.git(repo.root, "status", "--porcelain").splitlines()
    assert sorted(line[3:] for line in changed) == [".gitattributes", ".gitignore", ".pre-commit-config.yaml",
                                                    ".sourceignore"]
    assert "*.sops.yaml merge=secretops diff=secretops" in (repo.root / ".gitattributes").read_text()
    diff = helpers.git(repo.root, "diff", "-U0", "--", ".gitignore", ".pre-commit-config.yaml")
    assert not [ln for ln in diff.splitlines() if ln.startswith("-") and not ln.startswith("---")]  # only added
    text = (repo.root / ".pre-commit-config.yaml").read_text()
    assert all(line in text for line in PRECOMMIT.splitlines())
    import yaml as pyyaml  # an independent reader

    hooks = [h for r in pyyaml.safe_load(text)["repos"] for h in r["hooks"] if h["id"] == "secretops"]
    shipped = pyyaml.safe_load((Path(__file__).parents[2] / ".pre-commit-hooks.yaml").read_text())[0]
    assert hooks and hooks[0]["pass_filenames"] is shipped["pass_filenames"] is True
    assert hooks[0]["entry"] == shipped["entry"] and hooks[0]["always_run"] is shipped["always_run"] is True
    assert helpers.run_cli(["init"], repo.root).code == 0 and len(helpers.git(
        repo.root, "status", "--porcelain").splitlines()) == 4  # idempotent


def test_init_dry_run_on_the_corpus_writes_nothing(corpus: Path, keys_file: Path) -> None:
    for name in ("onedr0p__home-ops", "joryirving__home-ops", "mirceanton__home-ops"):
        before = helpers.snapshot(corpus / name)
        res = helpers.run_cli(["-C", str(corpus / name), "init", "--dry-run"], corpus)
        assert res.code == 0, res.text
        assert "writes no key, no creation rule and no key Secret, and replaces no file" in res.out
        assert "would generate" not in res.out and not keys_file.exists()
        assert not [ln for ln in res.out.splitlines() if ln.startswith(("would add to .sops", "would create .sops"))]
        assert helpers.snapshot(corpus / name) == before


def test_cluster_add_follows_a_per_cluster_layout(tmp_path: Path, keys_file: Path) -> None:
    """One `.sops.yaml` per cluster folder and `*.sops.yaml` names: a new cluster gets its own config
    beside the others, for the repository's suffix, and no root config appears."""
    from tests import wild

    repo = wild.per_cluster_repo(tmp_path / "home-ops")
    res = helpers.run_cli(["cluster", "add", "edge"], repo.root)
    assert res.code == 0, res.text
    assert not (repo.root / ".sops.yaml").exists()
    cfg = rules.load(repo.root, "kubernetes/edge/.sops.yaml")
    rule = cfg.rule_for("kubernetes/edge/apps/db/secret.sops.yaml")
    assert rule is not None and len(rule.recipients.age) == 1
    assert rule.recipients.age[0] in keys_file.read_text()
    assert "AGE-SECRET-KEY" not in res.text and "kubectl --context edge" in res.out
    for c in repo.keys:  # the other clusters' configs are untouched
        assert helpers.git(repo.root, "diff", "--", f"kubernetes/{c}/.sops.yaml") == ""


def test_install_hook_and_init_repair_an_attributes_line_that_hides_the_sops_config(tmp_path: Path) -> None:
    """`*.sops.yaml merge=secretops diff=secretops` (what an older secretops wrote) also matches
    `.sops.yaml`: a line after it gives the config git's own diff and merge back; a user's own
    line for the suffix is never touched. Judged by `git check-attr` itself."""
    from tests import wild

    repo = wild.per_cluster_repo(tmp_path / "home-ops")
    config = next(p for p in helpers.git(repo.root, "ls-files").split() if p.endswith("/.sops.yaml"))
    helpers.commit_file(repo.root, ".gitattributes", "*.sops.yaml merge=secretops diff=secretops\n", "old line")
    assert "diff: secretops" in helpers.git(repo.root, "check-attr", "-a", "--", config)
    assert helpers.run_cli(["install-hook"], repo.root).code == 0
    assert (repo.root / ".gitattributes").read_text() == ("*.sops.yaml merge=secretops diff=secretops\n"
                                                          ".sops.yaml !merge !diff\n")
    attrs = helpers.git(repo.root, "check-attr", "-a", "--", config)
    assert "merge" not in attrs and "diff" not in attrs, attrs
    assert "diff: secretops" in helpers.git(repo.root, "check-attr", "diff", "--", "kubernetes/main/x.sops.yaml")
    before = (repo.root / ".gitattributes").read_text()
    assert helpers.run_cli(["init"], repo.root).code == 0 and (repo.root / ".gitattributes").read_text() == before
    (repo.root / ".gitattributes").write_text("*.sops.yaml diff=sopsdiffer\n")  # the user's own choice
    assert helpers.run_cli(["install-hook"], repo.root).code == 0
    assert (repo.root / ".gitattributes").read_text() == "*.sops.yaml diff=sopsdiffer\n"


def test_the_ignore_lines_cover_every_clear_leftover_the_checker_blocks(fleet: Path) -> None:
    """Each name the checker's clear-file rule blocks is ignored by the lines init wrote (asked of
    `git check-ignore`), and a look-alike that is not a clear copy is not."""
    from secretops.check.model import Settings
    from secretops.repo.config import LEFTOVER_ENDINGS, MERGE_TOOL_SIDES

    settings = Settings()
    names = [f"clusters/dev/apps/db.clear{ext}" for ext in (".yaml", ".yml", ".json", ".env")]
    names += [f"clusters/dev/apps/db.clear.yaml{end}" for end in LEFTOVER_ENDINGS]
    names += ["clusters/dev/apps/.db.clear.yaml.swp", "apps/db.clear.json~"]
    names += [f"clusters/dev/apps/db.clear_{side}_4242.yaml" for side in MERGE_TOOL_SIDES]
    assert all(settings.is_clear_file(n) for n in names)
    listing = "".join(f"{n}\n" for n in names)
    ignored = subprocess.run(["git", "check-ignore", "--no-index", "--stdin"], cwd=fleet, input=listing,
                             capture_output=True, text=True).stdout.split()
    assert sorted(ignored) == sorted(names)
    look_alikes = ["clusters/dev/apps/db.enc.yaml", "docs/clear.md", "clusters/dev/apps/unclear.yaml"]
    assert not [n for n in look_alikes if settings.is_clear_file(n)]
    assert subprocess.run(["git", "check-ignore", "--no-index", *look_alikes], cwd=fleet,
                          capture_output=True).returncode == 1
