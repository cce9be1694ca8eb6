"""The kubeconfig client against the local TLS API server: token, client certificate, exec plugin."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from secretops.errors import ConfigError, KubeError
from secretops.rotation import kube
from tests import fakeflux


def _config(kube_: fakeflux.FakeKube, path: Path, user: dict[str, Any]) -> Path:
    assert kube_.ca is not None
    body = {"apiVersion": "v1", "kind": "Config",
            "clusters": [{"name": "c", "cluster": {"server": f"{kube_.base}/c/one",
                                                   "certificate-authority-data": base64.b64encode(kube_.ca).decode()}}],
            "users": [{"name": "u", "user": user}], "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u"}}]}
    path.write_text(json.dumps(body))
    return path


@pytest.fixture
def server() -> Any:
    with fakeflux.FakeKube() as kube_:
        kube_.add("one").put("kustomizations", fakeflux.kustomization("flux-system"))
        yield kube_


def _names(client: kube.Client) -> list[str]:
    return [i["metadata"]["name"] for i in client.get("/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations")["items"]]


def test_token(server: fakeflux.FakeKube, tmp_path: Path) -> None:
    cfg = kube.load_kubeconfig([_config(server, tmp_path / "k", {"token": fakeflux.TOKEN})])
    assert _names(kube.client("ctx", cfg)) == ["flux-system"]


def test_client_certificate(server: fakeflux.FakeKube, tmp_path: Path) -> None:
    cert, key = fakeflux.client_certificate(server.ca_signer)
    user = {"client-certificate-data": base64.b64encode(cert).decode(),
            "client-key-data": base64.b64encode(key).decode()}
    cfg = kube.load_kubeconfig([_config(server, tmp_path / "k", user)])
    assert _names(kube.client("ctx", cfg)) == ["flux-system"]


def test_exec_plugin(server: fakeflux.FakeKube, tmp_path: Path) -> None:
    plugin = tmp_path / "plugin.py"
    plugin.write_text("import json, os\nprint(json.dumps({'apiVersion': 'client.authentication.k8s.io/v1', "
                      "'kind': 'ExecCredential', 'status': {'token': os.environ['FAKE_TOKEN']}}))\n")
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": sys.executable,
                     "args": [str(plugin)], "env": [{"name": "FAKE_TOKEN", "value": fakeflux.TOKEN}]}}
    cfg = kube.load_kubeconfig([_config(server, tmp_path / "k", user)])
    assert _names(kube.client("ctx", cfg)) == ["flux-system"]


def test_wrong_credentials_and_unknown_context(server: fakeflux.FakeKube, tmp_path: Path) -> None:
    cfg = kube.load_kubeconfig([_config(server, tmp_path / "k", {"token": "wrong"})])
    with pytest.raises(KubeError, match="HTTP 401"):
        _names(kube.client("ctx", cfg))
    with pytest.raises(ConfigError, match="no context 'nope'"):
        kube.client("nope", cfg)


def test_untrusted_server_certificate(server: fakeflux.FakeKube, tmp_path: Path) -> None:
    path = _config(server, tmp_path / "k", {"token": fakeflux.TOKEN})
    body = json.loads(path.read_text())
    del body["clusters"][0]["cluster"]["certificate-authority-data"]
    path.write_text(json.dumps(body))
    with pytest.raises(KubeError, match="unreachable"):
        _names(kube.client("ctx", kube.load_kubeconfig([path])))
