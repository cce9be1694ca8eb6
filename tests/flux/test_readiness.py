"""kustomize-controller's version read through the API: what proves a cluster ready for PQ keys, and what does not."""

from __future__ import annotations

import pytest

from secretops.flux import api, kubeconfig, readiness
from tests import fakeflux


@pytest.mark.parametrize(("image", "version"), [
    ("ghcr.io/fluxcd/kustomize-controller:v1.9.0", "1.9.0"),
    ("ghcr.io/fluxcd/kustomize-controller:v1.10.2@sha256:" + "a" * 64, "1.10.2"),
    ("ghcr.io/controlplaneio-fluxcd/distroless/kustomize-controller:v1.9.1", "1.9.1"),
    ("registry.local/mirror/kustomize-controller:v1.8.2-fips", "1.8.2"),
    ("ghcr.io/fluxcd/kustomize-controller@sha256:" + "b" * 64, None),
    ("ghcr.io/fluxcd/kustomize-controller:latest", None),
    ("ghcr.io/fluxcd/source-controller:v1.9.0", None),
])
def test_image_tags(image: str, version: str | None) -> None:
    assert readiness.image_version(image) == version


@pytest.mark.parametrize(("flux", "controller"), [
    ("2.9.x", "1.9"), ("v2.9.1@sha256:" + "c" * 64, "1.9"), ("2.10.0", "1.10"), ("2.8.x", "1.8"),
    ("2.x", None), ("*", None), (">=2.9.0", None), ("3.0.0", None),
])
def test_flux_versions(flux: str, controller: str | None) -> None:
    assert readiness.flux_to_controller(flux) == controller


def _read(setup: dict[str, list[dict[str, object]]], tmp_path: object) -> readiness.Readiness:
    with fakeflux.FakeKube() as kube:
        cluster = kube.add("c")
        for plural, objs in setup.items():
            for obj in objs:
                cluster.put(plural, obj)  # type: ignore[arg-type]
        path = kube.kubeconfig(tmp_path / "kubeconfig", ["c"])  # type: ignore[operator]
        client = kubeconfig.load([path]).client("c")
        try:
            return readiness.read(api.Snapshot(client, [], {}), "c")
        finally:
            client.close()


def test_deployment_image_wins_and_the_global_secret_is_read(tmp_path: object) -> None:
    found = _read({"deployments": [fakeflux.controller(("--sops-age-secret=sops-age",),
                                                       image="ghcr.io/fluxcd/kustomize-controller:v1.9.0")],
                   "fluxinstances": [fakeflux.flux_instance("2.8.x")]}, tmp_path)
    assert (found.version, found.source, found.global_secret, found.ready) == ("1.9.0", "Deployment image",
                                                                              "sops-age", True)


def test_old_controller_is_not_ready(tmp_path: object) -> None:
    found = _read({"deployments": [fakeflux.controller(image="ghcr.io/fluxcd/kustomize-controller:v1.8.2")]},
                  tmp_path)
    assert found.version == "1.8.2" and not found.ready and "read from the Deployment image" in found.describe()


def test_flux_operator_report_then_instance(tmp_path: object) -> None:
    digest = "ghcr.io/fluxcd/kustomize-controller@sha256:" + "d" * 64
    found = _read({"deployments": [fakeflux.controller(image=digest)],
                   "fluxreports": [fakeflux.flux_report("ghcr.io/fluxcd/kustomize-controller:v1.9.3@sha256:" + "e" * 64)],
                   "fluxinstances": [fakeflux.flux_instance("2.x")]}, tmp_path)
    assert (found.version, found.source, found.ready) == ("1.9.3", "FluxReport", True)
    found = _read({"fluxinstances": [fakeflux.flux_instance("2.x", applied="v2.9.2@sha256:" + "f" * 64)]}, tmp_path)
    assert (found.version, found.source, found.ready) == ("1.9", "FluxInstance", True)


def test_a_range_or_nothing_proves_nothing(tmp_path: object) -> None:
    found = _read({"fluxinstances": [fakeflux.flux_instance("2.x")]}, tmp_path)
    assert found.version is None and not found.ready and "range" in found.source
    found = _read({}, tmp_path)
    assert found.version is None and not found.ready and "no kustomize-controller Deployment" in found.source


def test_forbidden_deployment_is_unknown(tmp_path: object) -> None:
    with fakeflux.FakeKube() as kube:
        cluster = kube.add("c")
        cluster.put("deployments", fakeflux.controller(image="ghcr.io/fluxcd/kustomize-controller:v1.9.0"))
        cluster.forbidden.add("deployments")
        path = kube.kubeconfig(tmp_path / "kubeconfig", ["c"])  # type: ignore[operator]
        client = kubeconfig.load([path]).client("c")
        found = readiness.read(api.Snapshot(client, [], {}), "c")
        client.close()
    assert found.version is None and "403" in found.source
