"""The kubeconfig client against the local TLS API server: token, client certificate, exec plugin."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from secretops.errors import ConfigError, KubeError
from secretops.flux import kubeconfig
from secretops.flux.kube import Client
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


def _names(client: Client) -> list[str]:
    return [i["metadata"]["name"] for i in client.get("/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations")["items"]]


def test_token(server: fakeflux.FakeKube, tmp_path: Path) -> None:
    cfg = kubeconfig.load([_config(server, tmp_path / "k", {"token": fakeflux.TOKEN})])
    assert _names(cfg.client("ctx")) == ["flux-system"]


def test_client_certificate(server: fakeflux.FakeKube, tmp_path: Path) -> None:
    cert, key = fakeflux.client_certificate(server.ca_signer)
    user = {"client-certificate-data": base64.b64encode(cert).decode(),
            "client-key-data": base64.b64encode(key).decode()}
    cfg = kubeconfig.load([_config(server, tmp_path / "k", user)])
    assert _names(cfg.client("ctx")) == ["flux-system"]


def test_exec_plugin(server: fakeflux.FakeKube, tmp_path: Path) -> None:
    plugin = tmp_path / "plugin.py"
    plugin.write_text("import json, os\nprint(json.dumps({'apiVersion': 'client.authentication.k8s.io/v1', "
                      "'kind': 'ExecCredential', 'status': {'token': os.environ['FAKE_TOKEN']}}))\n")
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": sys.executable,
                     "args": [str(plugin)], "env": [{"name": "FAKE_TOKEN", "value": fakeflux.TOKEN}]}}
    cfg = kubeconfig.load([_config(server, tmp_path / "k", user)])
    assert _names(cfg.client("ctx")) == ["flux-system"]


def test_wrong_credentials_and_unknown_context(server: fakeflux.FakeKube, tmp_path: Path) -> None:
    cfg = kubeconfig.load([_config(server, tmp_path / "k", {"token": "wrong"})])
    with pytest.raises(KubeError, match="HTTP 401"):
        _names(cfg.client("ctx"))
    with pytest.raises(ConfigError, match="no context 'nope'"):
        cfg.client("nope")


def test_untrusted_server_certificate(server: fakeflux.FakeKube, tmp_path: Path) -> None:
    path = _config(server, tmp_path / "k", {"token": fakeflux.TOKEN})
    body = json.loads(path.read_text())
    del body["clusters"][0]["cluster"]["certificate-authority-data"]
    path.write_text(json.dumps(body))
    with pytest.raises(KubeError, match="unreachable"):
        _names(kubeconfig.load([path]).client("ctx"))


def _cluster(server: fakeflux.FakeKube, path: Path, cluster: dict[str, Any], user: dict[str, Any]) -> Path:
    body = {"apiVersion": "v1", "kind": "Config", "clusters": [{"name": "c", "cluster": cluster}],
            "users": [{"name": "u", "user": user}], "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u"}}]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body))
    return path


def test_paths_relative_to_the_kubeconfig(server: fakeflux.FakeKube, tmp_path: Path) -> None:
    """certificate-authority and tokenFile are read beside the kubeconfig, whatever the working folder."""
    assert server.ca is not None
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "ca.pem").write_bytes(server.ca)
    (tmp_path / "cfg" / "token").write_text(fakeflux.TOKEN + "\n")
    path = _cluster(server, tmp_path / "cfg" / "config", {"server": f"{server.base}/c/one",
                                                          "certificate-authority": "ca.pem"}, {"tokenFile": "token"})
    assert _names(kubeconfig.load([path]).client("ctx")) == ["flux-system"]


def test_tls_server_name(server: fakeflux.FakeKube, tmp_path: Path) -> None:
    """The server's certificate names 127.0.0.1; reached as localhost it is checked against tls-server-name."""
    assert server.ca is not None
    base = server.base.replace("127.0.0.1", "localhost")
    entry = {"server": f"{base}/c/one", "certificate-authority-data": base64.b64encode(server.ca).decode()}
    path = _cluster(server, tmp_path / "a", entry, {"token": fakeflux.TOKEN})
    with pytest.raises(KubeError, match="unreachable"):
        _names(kubeconfig.load([path]).client("ctx"))
    path = _cluster(server, tmp_path / "b", {**entry, "tls-server-name": "127.0.0.1"}, {"token": fakeflux.TOKEN})
    assert _names(kubeconfig.load([path]).client("ctx")) == ["flux-system"]


def test_insecure_skip_tls_verify_works_and_is_warned(server: fakeflux.FakeKube, tmp_path: Path) -> None:
    path = _cluster(server, tmp_path / "k", {"server": f"{server.base}/c/one", "insecure-skip-tls-verify": True},
                    {"token": fakeflux.TOKEN})
    client = kubeconfig.load([path]).client("ctx")
    assert _names(client) == ["flux-system"] and "insecure-skip-tls-verify" in client.warnings[0]


def test_proxy_url(server: fakeflux.FakeKube, tmp_path: Path) -> None:
    """An HTTP CONNECT proxy (a tiny one, here) carries the TLS connection to the API server."""
    import socket
    import socketserver
    import threading

    seen: list[str] = []

    class Tunnel(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            head = b""
            while b"\r\n\r\n" not in head:
                head += self.request.recv(4096)
            seen.append(head.split(b"\r\n")[0].decode())
            host, port = head.split()[1].decode().rsplit(":", 1)
            upstream = socket.create_connection((host, int(port)))
            self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")

            def pipe(a: socket.socket, b: socket.socket) -> None:
                try:
                    while data := a.recv(65536):
                        b.sendall(data)
                except OSError:
                    pass

            t = threading.Thread(target=pipe, args=(upstream, self.request), daemon=True)
            t.start()
            pipe(self.request, upstream)

    proxy = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Tunnel)
    proxy.daemon_threads = True
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        assert server.ca is not None
        path = _cluster(server, tmp_path / "k", {"server": f"{server.base}/c/one",
                                                 "certificate-authority-data": base64.b64encode(server.ca).decode(),
                                                 "proxy-url": f"http://127.0.0.1:{proxy.server_address[1]}"},
                        {"token": fakeflux.TOKEN})
        assert _names(kubeconfig.load([path]).client("ctx")) == ["flux-system"]
        assert seen and seen[0].startswith("CONNECT 127.0.0.1:")
    finally:
        proxy.shutdown()
        proxy.server_close()


@pytest.mark.parametrize("expiry,runs", [("2999-01-01T00:00:00Z", 1), ("2000-01-01T00:00:00Z", 3)])
def test_exec_credentials_are_reused_until_they_expire(server: fakeflux.FakeKube, tmp_path: Path, expiry: str,
                                                        runs: int) -> None:
    counter = tmp_path / "runs"
    plugin = tmp_path / "plugin.py"
    plugin.write_text(
        "import json, os, sys\n"
        f"open({str(counter)!r}, 'a').write('x')\n"
        "info = json.loads(os.environ['KUBERNETES_EXEC_INFO'])\n"
        "assert info['spec']['interactive'] is False\n"
        f"print(json.dumps({{'status': {{'token': {fakeflux.TOKEN!r}, 'expirationTimestamp': {expiry!r}}}}}))\n")
    spec = {"apiVersion": "client.authentication.k8s.io/v1", "command": sys.executable, "args": [str(plugin)],
            "interactiveMode": "Never"}
    cfg = kubeconfig.load([_config(server, tmp_path / "k", {"exec": spec})])
    for _ in range(3):
        assert _names(cfg.client("ctx")) == ["flux-system"]
    assert len(counter.read_text()) == runs


def test_exec_plugin_that_needs_a_terminal_is_refused(server: fakeflux.FakeKube, tmp_path: Path) -> None:
    spec = {"apiVersion": "client.authentication.k8s.io/v1", "command": "kubelogin", "interactiveMode": "Always"}
    cfg = kubeconfig.load([_config(server, tmp_path / "k", {"exec": spec})])
    with pytest.raises(KubeError, match="needs a terminal"):
        cfg.client("ctx")
