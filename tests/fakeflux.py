"""A local stand-in for kube-apiservers running Flux: the real REST paths and JSON shapes.

No kube-apiserver can run on these machines. This server speaks what secretops and kubectl use:
discovery (/api, /apis, group versions), Kustomizations and GitRepositories (all namespaces or
one, GET and merge-PATCH), and core/v1 Secrets. Each virtual cluster lives under /c/<name>, so
one server serves many clusters; a real kubeconfig points a context at each.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import re
import ssl
import tempfile
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

KS = ("kustomize.toolkit.fluxcd.io", "v1", "kustomizations", "Kustomization")
GIT = ("source.toolkit.fluxcd.io", "v1", "gitrepositories", "GitRepository")
OCI = ("source.toolkit.fluxcd.io", "v1", "ocirepositories", "OCIRepository")
TOKEN = "fake-token-not-a-secret"
REPO_URL = "ssh://git@github.com/acme/fleet"


@dataclass
class Cluster:
    objects: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)  # (plural, ns, name)
    patches: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    forbidden: set[str] = field(default_factory=set)  # plurals this user may not read (RBAC): HTTP 403

    def put(self, plural: str, obj: dict[str, Any]) -> None:
        meta = obj["metadata"]
        self.objects[(plural, meta.get("namespace", ""), meta["name"])] = obj

    def get(self, plural: str, ns: str, name: str) -> dict[str, Any] | None:
        return self.objects.get((plural, ns, name))


def kustomization(name: str, ns: str = "flux-system", source: str = "flux-system", secret: str | None = "sops-age",
                  path: str = "./clusters") -> dict[str, Any]:
    spec: dict[str, Any] = {"interval": "10m0s", "path": path, "prune": True,
                            "sourceRef": {"kind": "GitRepository", "name": source}}
    if secret:
        spec["decryption"] = {"provider": "sops", "secretRef": {"name": secret}}
    return {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": name, "namespace": ns, "generation": 1, "uid": f"uid-{name}",
                         "resourceVersion": "1", "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": spec, "status": {"observedGeneration": 1, "conditions": []}}


def gitrepository(name: str = "flux-system", url: str = REPO_URL, ns: str = "flux-system") -> dict[str, Any]:
    return {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": {"name": name, "namespace": ns, "generation": 1, "resourceVersion": "1",
                         "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"url": url, "ref": {"branch": "main"}, "interval": "1m0s"}}


def ocirepository(name: str, sha: str | None, ns: str = "flux-system", url: str = REPO_URL,
                  tag: str = "latest") -> dict[str, Any]:
    """What source-controller writes for an artifact pushed with `flux push artifact --source --revision`."""
    digest = f"{tag}@sha256:{(sha or '0' * 40) * 2}"[: len(tag) + 8 + 64]
    metadata = {"org.opencontainers.image.source": url}
    if sha:
        metadata["org.opencontainers.image.revision"] = f"main@sha1:{sha}"
    return {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "OCIRepository",
            "metadata": {"name": name, "namespace": ns, "generation": 1},
            "spec": {"url": "oci://ghcr.io/acme/fleet-manifests", "ref": {"tag": tag}, "interval": "1m"},
            "status": {"artifact": {"revision": digest, "metadata": metadata}}}


def set_applied(ks: dict[str, Any], sha: str, *, ready: bool = True, message: str | None = None,
                attempted: str | None = None, stale: bool = False, suspended: bool = False,
                ref: str = "main", revision: str | None = None) -> None:
    """What kustomize-controller writes after a reconcile (``revision`` overrides the revision, e.g.
    an OCI artifact's ``latest@sha256:…``)."""
    revision = revision or f"{ref}@sha1:{sha}"
    tried = f"{ref}@sha1:{attempted}" if attempted else revision
    ks["metadata"]["generation"] = 2
    ks["spec"]["suspend"] = suspended
    status = ks["status"]
    status["observedGeneration"] = 1 if stale else 2
    status["lastAttemptedRevision"] = tried
    if ready:
        status["lastAppliedRevision"] = revision
    cond = {"type": "Ready", "status": "True" if ready else "False", "observedGeneration": 2,
            "lastTransitionTime": "2026-01-01T00:00:00Z",
            "reason": "ReconciliationSucceeded" if ready else "BuildFailed",
            "message": f"Applied revision: {revision}" if ready else (message or "build failed")}
    status["conditions"] = [cond]


def controller(args: tuple[str, ...] = (), env: tuple[str, ...] = (), ns: str = "flux-system",
               image: str = "ghcr.io/fluxcd/kustomize-controller:v1.7.0") -> dict[str, Any]:
    """kustomize-controller's Deployment as `flux install` (or the Flux Operator) writes it, with
    extra container args (e.g. ``--sops-age-secret=sops-age``), environment variable names and its image
    (``…:v1.9.0``, ``…:v1.9.0@sha256:…``, a digest only)."""
    base = ["--events-addr=http://notification-controller.flux-system.svc.cluster.local./", "--watch-all-namespaces",
            "--log-level=info", "--log-encoding=json", "--enable-leader-election"]
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "kustomize-controller", "namespace": ns,
                         "labels": {"app.kubernetes.io/component": "kustomize-controller",
                                    "app.kubernetes.io/instance": "flux-system"}},
            "spec": {"selector": {"matchLabels": {"app": "kustomize-controller"}},
                     "template": {"metadata": {"labels": {"app": "kustomize-controller"}},
                                  "spec": {"serviceAccountName": "kustomize-controller", "containers": [
                                      {"name": "manager", "image": image,
                                       "args": [*base, *args], "env": [{"name": "RUNTIME_NAMESPACE", "valueFrom": {
                                           "fieldRef": {"fieldPath": "metadata.namespace"}}},
                                           *({"name": e, "value": "set"} for e in env)]}]}}}}


def flux_instance(version: str, applied: str | None = None, ns: str = "flux-system") -> dict[str, Any]:
    """The Flux Operator's FluxInstance: ``spec.distribution.version`` (``2.9.x``, ``2.x``) and the
    revision it last applied (``v2.9.1@sha256:…``)."""
    obj: dict[str, Any] = {
        "apiVersion": "fluxcd.controlplane.io/v1", "kind": "FluxInstance",
        "metadata": {"name": "flux", "namespace": ns},
        "spec": {"distribution": {"version": version, "registry": "ghcr.io/fluxcd"},
                 "components": ["source-controller", "kustomize-controller"]},
        "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded"}]}}
    if applied:
        obj["status"]["lastAppliedRevision"] = applied
    return obj


def flux_report(kustomize_controller_image: str, ns: str = "flux-system") -> dict[str, Any]:
    """The Flux Operator's FluxReport: the images of the components it observed."""
    return {"apiVersion": "fluxcd.controlplane.io/v1", "kind": "FluxReport",
            "metadata": {"name": "flux", "namespace": ns},
            "spec": {"distribution": {"entitlement": "Issued by controlplane", "managedBy": "flux-operator",
                                      "status": "Installed", "version": "v2.9.0"},
                     "components": [
                         {"name": "kustomize-controller", "image": kustomize_controller_image, "ready": True,
                          "status": "Current Deployment is available. Replicas: 1"}]}}


def key_secret(name: str, ns: str, entries: dict[str, str], managed: bool = True) -> dict[str, Any]:
    """A key Secret as Flux applies it (with its ownership labels), or as `kubectl create` made it."""
    labels = {"kustomize.toolkit.fluxcd.io/name": "flux-system",
              "kustomize.toolkit.fluxcd.io/namespace": "flux-system"} if managed else {}
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": name, "namespace": ns, "resourceVersion": "1", "labels": labels},
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in entries.items()}}


def _tls() -> tuple[bytes, ssl.SSLContext, Any]:
    """A throwaway CA-signed certificate for 127.0.0.1, made at run time like a kube-apiserver's."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-kube-apiserver")])
    now = dt.datetime.now(dt.UTC)
    import ipaddress

    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "c.pem").write_bytes(cert_pem)
        (Path(tmp) / "k.pem").write_bytes(key_pem)
        ctx.load_cert_chain(str(Path(tmp) / "c.pem"), str(Path(tmp) / "k.pem"))
    ctx.verify_mode = ssl.CERT_OPTIONAL  # client certificates signed by this CA authenticate too
    ctx.load_verify_locations(cadata=cert_pem.decode())
    return cert_pem, ctx, (key, cert)


def client_certificate(ca: Any) -> tuple[bytes, bytes]:
    """A client certificate (CN=admin, O=system:masters) signed by the server's CA, as kubeadm makes."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    ca_key, ca_cert = ca
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "system:masters"),
                         x509.NameAttribute(NameOID.COMMON_NAME, "admin")])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


class _Server(ThreadingHTTPServer):
    request_queue_size = 4096  # as a real API server's listen backlog: a fleet connects at once

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up mid-handshake or mid-request: its own side reports it


class FakeKube:
    def __init__(self, tls: bool = True, delay: float = 0.0) -> None:
        self.delay = delay  # seconds added to every response: a real API server is 50-500 ms away
        self.clusters: dict[str, Cluster] = {}
        self.lock = threading.Lock()
        self.requests = 0
        handler = type("Handler", (_Handler,), {"kube": self})
        self.server = _Server(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.ca: bytes | None = None
        self.ca_signer: Any = None
        if tls:
            self.ca, ctx, self.ca_signer = _tls()
            # the handshake runs in each connection's thread, not in the accept loop (10,000 clusters connect)
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True,
                                                 do_handshake_on_connect=False)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeKube:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        scheme = "https" if self.ca else "http"
        return f"{scheme}://127.0.0.1:{self.server.server_address[1]}"

    def add(self, name: str) -> Cluster:
        cluster = Cluster()
        cluster.put("gitrepositories", gitrepository())
        self.clusters[name] = cluster
        return cluster

    def kubeconfig(self, path: Path, names: list[str], unreachable: tuple[str, ...] = ()) -> Path:
        clusters, users, contexts = [], [{"name": "fake", "user": {"token": TOKEN}}], []
        for name in names:
            server = "https://127.0.0.1:9" if name in unreachable else f"{self.base}/c/{name}"
            entry: dict[str, Any] = {"server": server}
            if self.ca:
                entry["certificate-authority-data"] = base64.b64encode(self.ca).decode()
            clusters.append({"name": name, "cluster": entry})
            contexts.append({"name": name, "context": {"cluster": name, "user": "fake"}})
        body = {"apiVersion": "v1", "kind": "Config", "clusters": clusters, "users": users,
                "contexts": contexts, "current-context": names[0] if names else ""}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(body))
        return path


def _discovery(rest: str) -> Any:
    if rest == "/version":
        return {"major": "1", "minor": "31", "gitVersion": "v1.31.0-fake", "platform": "linux/amd64"}
    if rest == "/api":
        return {"kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}
    if rest == "/apis":
        groups = []
        for group, version, _p, _k in (KS, GIT):  # OCI shares GIT's group
            gv = {"groupVersion": f"{group}/{version}", "version": version}
            groups.append({"name": group, "versions": [gv], "preferredVersion": gv})
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}
    if rest == "/api/v1":
        return {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
            {"name": "secrets", "singularName": "secret", "namespaced": True, "kind": "Secret",
             "verbs": ["get", "list", "patch"]}]}
    for group, version, plural, kind in (KS, GIT, OCI):
        if rest == f"/apis/{group}/{version}" and plural != "ocirepositories":
            return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": f"{group}/{version}",
                    "resources": [{"name": plural, "singularName": kind.lower(), "namespaced": True, "kind": kind,
                                   "verbs": ["get", "list", "patch", "watch"]}]}
    return None


def _query(path: str, key: str) -> str:
    from urllib.parse import parse_qs, urlsplit

    return (parse_qs(urlsplit(path).query).get(key) or [""])[0]


_OBJ = re.compile(r"^/apis?/(?:(?P<group>[^/]+)/)?(?P<version>v1[^/]*)(?:/namespaces/(?P<ns>[^/]+))?"
                  r"/(?P<plural>[a-z]+)(?:/(?P<name>[^/]+))?$")


class _Handler(BaseHTTPRequestHandler):
    kube: FakeKube
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def setup(self) -> None:
        if hasattr(self.request, "do_handshake"):
            self.request.settimeout(10)
            self.request.do_handshake()
        super().setup()

    def _send(self, code: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self._headers_buffer.append(b"\r\n" + data)  # headers and body in one segment: no Nagle wait
        self.flush_headers()

    def _status(self, code: int, reason: str) -> None:
        self._send(code, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": reason, "code": code})

    def _route(self) -> tuple[Cluster, str] | None:
        with self.kube.lock:
            self.kube.requests += 1
        if self.kube.delay:
            import time

            time.sleep(self.kube.delay)
        peer = self.connection.getpeercert() if hasattr(self.connection, "getpeercert") else None
        if self.headers.get("Authorization") != f"Bearer {TOKEN}" and not peer:
            self._status(401, "Unauthorized")
            return None
        match = re.match(r"^/c/([^/]+)(/.*)$", self.path.split("?")[0])
        cluster = self.kube.clusters.get(match.group(1)) if match else None
        if cluster is None or match is None:
            self._status(404, "NotFound")
            return None
        return cluster, match.group(2)

    def do_GET(self) -> None:
        routed = self._route()
        if routed is None:
            return
        cluster, rest = routed
        found = _discovery(rest)
        if found is not None:
            self._send(200, found)
            return
        m = _OBJ.match(rest)
        if not m:
            self._status(404, "NotFound")
            return
        plural, ns, name = m.group("plural"), m.group("ns"), m.group("name")
        if plural in cluster.forbidden:
            self._status(403, "Forbidden")
            return
        selector = dict(p.split("=", 1) for p in _query(self.path, "labelSelector").split(",") if "=" in p)
        with self.kube.lock:
            if name:
                obj = cluster.get(plural, ns or "", name)
                if obj is None:
                    self._status(404, "NotFound")
                else:
                    self._send(200, obj)
                return
            items = [copy.deepcopy(o) for (p, n, _), o in sorted(cluster.objects.items())
                     if p == plural and (ns is None or n == ns) and all(
                         (o["metadata"].get("labels") or {}).get(k) == v for k, v in selector.items())]
        kind = {"kustomizations": "KustomizationList", "gitrepositories": "GitRepositoryList",
                "ocirepositories": "OCIRepositoryList"}.get(plural, "List")
        api = f"{m.group('group')}/{m.group('version')}" if m.group("group") else "v1"
        self._send(200, {"apiVersion": api, "kind": kind, "metadata": {"resourceVersion": "1"}, "items": items})

    def do_PATCH(self) -> None:
        routed = self._route()
        if routed is None:
            return
        cluster, rest = routed
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        m = _OBJ.match(rest)
        if not m or not m.group("name") or self.headers.get("Content-Type") != "application/merge-patch+json":
            self._status(415 if m else 404, "UnsupportedMediaType" if m else "NotFound")
            return
        with self.kube.lock:
            obj = cluster.get(m.group("plural"), m.group("ns") or "", m.group("name"))
            if obj is None:
                self._status(404, "NotFound")
                return
            annotations = (body.get("metadata") or {}).get("annotations") or {}
            obj["metadata"].setdefault("annotations", {}).update(annotations)
            if isinstance(body.get("data"), dict):  # merge-patch of a Secret's data
                obj.setdefault("data", {}).update(body["data"])
            cluster.patches.append((rest, body))
            self._send(200, obj)

    def do_POST(self) -> None:
        routed = self._route()
        if routed is None:
            return
        cluster, rest = routed
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        m = _OBJ.match(rest)
        if not m or m.group("name") or m.group("plural") != "secrets":
            self._status(405, "MethodNotAllowed")
            return
        with self.kube.lock:
            if cluster.get("secrets", m.group("ns") or "", body["metadata"]["name"]) is not None:
                self._status(409, "AlreadyExists")
                return
            body["metadata"]["namespace"] = m.group("ns")
            cluster.put("secrets", body)
            cluster.patches.append((rest, {"created": body["metadata"]["name"]}))
        self._send(201, body)


def secret_publics(obj: dict[str, Any] | None) -> set[str]:
    """The age public keys a Secret in the fake cluster holds, derived with pyrage (not the product)."""
    return publics_of({k: base64.b64decode(v).decode() for k, v in ((obj or {}).get("data") or {}).items()})


def publics_of(entries: dict[str, str]) -> set[str]:
    import pyrage

    found = set()
    for name, text in entries.items():
        if name.endswith(".agekey"):
            for line in text.splitlines():
                if line.strip().startswith("AGE-SECRET-KEY-1"):
                    found.add(str(pyrage.x25519.Identity.from_str(line.strip()).to_public()))
    return found
