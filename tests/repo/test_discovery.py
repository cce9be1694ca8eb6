"""Discovery: sops files, key Secrets and their owners; symlinks never followed; Flux layouts."""

from __future__ import annotations

from pathlib import Path

from secretops.repo import discovery
from secretops.repo.model import discover_clusters, open_repo
from tests import helpers


def test_finds_sops_files_and_key_secrets(fleet: Path, tmp_path: Path) -> None:
    (tmp_path / "outside.enc.yaml").write_text("x: 1\n")
    (fleet / "apps/link.enc.yaml").symlink_to(tmp_path / "outside.enc.yaml")
    found = discovery.scan(open_repo(fleet))
    rels = {p.rel for p in found.encrypted}
    assert "apps/shared.enc.yaml" in rels and "apps/link.enc.yaml" not in rels
    assert {k.rel for k in found.key_secrets} == {f"clusters/{n}/flux-system/sops-age.enc.yaml"
                                                  for n in ("dev", "staging", "prod")}
    assert found.owners["clusters/dev/flux-system/sops-age.enc.yaml"] == "dev"


def test_flux_named_folders_are_not_clusters(tmp_path: Path) -> None:
    """Issue 21: a folder is a cluster only when a Flux entry point syncs it, never by its name
    (this test asserted the old guess, `kubernetes/<name>/flux` makes a cluster)."""
    for name in ("main", "storage"):
        helpers.write(tmp_path / "kubernetes" / name / "flux" / "apps.yaml", "kind: ConfigMap\n")
        helpers.write(tmp_path / "kubernetes" / name / "bootstrap" / "flux" / "x.yaml", "kind: ConfigMap\n")
    assert discover_clusters(tmp_path, "clusters") == ()
    helpers.git(tmp_path, "init", "-q")
    assert open_repo(tmp_path).clusters == ()
