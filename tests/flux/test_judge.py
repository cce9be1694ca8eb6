"""Flux 2.7+ sources in the judgement of one Kustomization: ExternalArtifact (the git commit is the
Kustomization's status.lastAppliedOriginRevision), OCI sources that record it the same way, Bucket
sources (no git revision: never verified), and the Flux Operator's FluxInstance (its revision is the
Flux distribution, never taken for a git commit). Shapes as kustomize-controller writes them."""

from __future__ import annotations

from typing import Any

from secretops.flux import api, judge
from tests import fakeflux

C1, OLD = "c" * 40, "a" * 40


def _target() -> judge.Target:
    return judge.Target(C1, "main", lambda sha: sha == C1, set(), {"dev": "clusters/dev"}, {"dev": ()})


def _ks(kind: str, **status: Any) -> dict[str, Any]:
    ks = fakeflux.kustomization("apps", path="./clusters/dev")
    ks["spec"]["sourceRef"] = {"kind": kind, "name": "apps"}
    fakeflux.set_applied(ks, OLD, revision=status.pop("revision", f"latest@sha256:{'d' * 64}"))
    ks["status"].update(status)
    return ks


def _snap(*kss: dict[str, Any]) -> api.Snapshot:
    return api.Snapshot(None, list(kss), {("flux-system", "apps"): fakeflux.gitrepository("apps")})  # type: ignore[arg-type]


def test_external_artifact_uses_the_origin_revision() -> None:
    ok = _ks("ExternalArtifact", lastAppliedOriginRevision=f"main@sha1:{C1}")
    got = judge.judge(_snap(ok), ok, _target())
    assert got.verified and got.revision == f"main@sha1:{C1}" and got.source_kind == "ExternalArtifact"
    behind = _ks("ExternalArtifact", lastAppliedOriginRevision=f"main@sha1:{OLD}")
    assert not judge.judge(_snap(behind), behind, _target()).verified
    unknown = _ks("ExternalArtifact")  # no origin revision recorded: which commit it is cannot be told
    got = judge.judge(_snap(unknown), unknown, _target())
    assert not got.verified and "lastAppliedOriginRevision" in got.reason


def test_oci_source_prefers_the_origin_revision() -> None:
    ks = _ks("OCIRepository", lastAppliedOriginRevision=f"main@sha1:{C1}")
    snap = _snap(ks)
    snap.oci = {("flux-system", "apps"): fakeflux.ocirepository("apps", OLD)}  # the artifact metadata says older
    assert judge.judge(snap, ks, _target()).verified


def test_bucket_is_never_verified() -> None:
    ks = _ks("Bucket", lastAppliedOriginRevision=f"main@sha1:{C1}", revision=f"sha256:{'e' * 64}")
    got = judge.judge(_snap(ks), ks, _target())
    assert not got.verified and "Bucket source, which carries no git revision" in got.reason


def test_a_flux_instance_revision_is_not_a_git_commit() -> None:
    """The Flux Operator's FluxInstance reports `v2.9.4@sha256:…`; only Kustomizations are judged."""
    fi = {"apiVersion": "fluxcd.controlplane.io/v1", "kind": "FluxInstance",
          "metadata": {"name": "flux", "namespace": "flux-system"},
          "spec": {"sync": {"kind": "GitRepository", "path": "clusters/dev"}},
          "status": {"lastAppliedRevision": f"v2.9.4@sha256:{'f' * 64}"}}
    assert judge.revision_sha(fi["status"]["lastAppliedRevision"]) is None
    ks = fakeflux.kustomization("flux-system", path="./clusters/dev")
    fakeflux.set_applied(ks, OLD)
    snap = _snap(ks)
    assert [k["metadata"]["name"] for k in judge.mine(snap, "dev", _target(), True)] == ["flux-system"]
    assert not judge.judge(snap, ks, _target()).verified
