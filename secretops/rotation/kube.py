"""A small Kubernetes REST client driven by a real kubeconfig (contexts, TLS, tokens, exec plugins)."""

from __future__ import annotations

import base64
import functools
import http.client
import json
import os
import ssl
import tempfile
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secretops.errors import ConfigError, KubeError, ToolError
from secretops.util import proc, yamlio


def kubeconfig_paths() -> list[Path]:
    env = os.environ.get("KUBECONFIG")
    if env:
        return [Path(p) for p in env.split(os.pathsep) if p]
    return [Path.home() / ".kube" / "config"]


def load_kubeconfig(paths: list[Path] | None = None) -> dict[str, dict[str, Any]]:
    """Merged like kubectl: the first file that names an entry wins."""
    merged: dict[str, dict[str, Any]] = {"clusters": {}, "users": {}, "contexts": {}}
    for path in paths or kubeconfig_paths():
        if not path.is_file():
            continue
        data = yamlio.load_one(path.read_text(encoding="utf-8"), str(path)) or {}
        for kind, inner in (("clusters", "cluster"), ("users", "user"), ("contexts", "context")):
            for item in data.get(kind) or []:
                if isinstance(item, dict) and item.get("name") is not None:
                    entry = dict(item.get(inner) or {})
                    entry["_dir"] = str(path.parent)
                    merged[kind].setdefault(str(item["name"]), entry)
    return merged


@dataclass
class Client:
    """One cluster's API server, over one keep-alive connection (one TLS handshake per cluster)."""

    context: str
    server: str
    ssl_context: ssl.SSLContext | None
    headers: dict[str, str] = field(repr=False, default_factory=dict)
    timeout: float = 10.0
    _conn: http.client.HTTPConnection | None = field(default=None, repr=False)

    def _connection(self) -> tuple[http.client.HTTPConnection, str]:
        url = urllib.parse.urlsplit(self.server)
        if url.scheme not in ("https", "http") or not url.hostname:
            raise KubeError(f"{self.context}: the server must be an http(s) URL")
        if self._conn is None:
            if url.scheme == "https":
                self._conn = http.client.HTTPSConnection(url.hostname, url.port, timeout=self.timeout,
                                                         context=self.ssl_context or ssl.create_default_context())
            else:
                self._conn = http.client.HTTPConnection(url.hostname, url.port, timeout=self.timeout)
        return self._conn, url.path.rstrip("/")

    def request(self, method: str, path: str, body: Any = None, content_type: str = "application/json") -> Any:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Accept": "application/json", **self.headers}
        if data is not None:
            headers["Content-Type"] = content_type
        for attempt in (1, 2):  # once more on a fresh connection if the server closed the idle one
            conn, prefix = self._connection()
            try:
                conn.request(method, prefix + path, body=data, headers=headers)
                resp = conn.getresponse()
                payload = resp.read()
            except (http.client.HTTPException, OSError, TimeoutError) as exc:
                self.close()
                if attempt == 2 or isinstance(exc, (TimeoutError, ConnectionRefusedError, ssl.SSLError)):
                    reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or type(exc).__name__
                    raise KubeError(f"{self.context}: unreachable ({reason})") from None
                continue
            if resp.status >= 400:
                raise KubeError(f"{self.context}: {method} {path} returned HTTP {resp.status}")
            try:
                return json.loads(payload or b"null")
            except ValueError:
                raise KubeError(f"{self.context}: {method} {path} returned no JSON") from None
        return None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def get_or_none(self, path: str) -> Any:
        try:
            return self.get(path)
        except KubeError as exc:
            if "HTTP 404" in exc.message:
                return None
            raise

    def merge_patch(self, path: str, body: Any) -> Any:
        return self.request("PATCH", path, body, "application/merge-patch+json")


def _file_or_data(entry: dict[str, Any], key: str) -> bytes | None:
    if entry.get(f"{key}-data"):
        return base64.b64decode(entry[f"{key}-data"])
    if entry.get(key):
        path = Path(entry[key])
        return (path if path.is_absolute() else Path(entry["_dir"]) / path).read_bytes()
    return None


def _ssl(cluster: dict[str, Any], user: dict[str, Any]) -> ssl.SSLContext | None:
    if not str(cluster.get("server", "")).startswith("https"):
        return None
    ca = _file_or_data(cluster, "certificate-authority")
    cert, key = _file_or_data(user, "client-certificate"), _file_or_data(user, "client-key")
    if cert and key:
        return _client_cert_context(ca, bool(cluster.get("insecure-skip-tls-verify")), cert, key)
    return _shared_context(ca, bool(cluster.get("insecure-skip-tls-verify")))


def _context(ca: bytes | None, insecure: bool) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    if insecure:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if ca:
        ctx.load_verify_locations(cadata=ca.decode())
    return ctx


@functools.lru_cache(maxsize=64)
def _shared_context(ca: bytes | None, insecure: bool) -> ssl.SSLContext:
    """Clusters that share a CA share a context (building one costs more than a request)."""
    return _context(ca, insecure)


def _client_cert_context(ca: bytes | None, insecure: bool, cert: bytes, key: bytes) -> ssl.SSLContext:
    ctx = _context(ca, insecure)
    if cert and key:  # ssl wants files: a private 0600 temp folder, removed at once
        with tempfile.TemporaryDirectory() as tmp:
            os.chmod(tmp, 0o700)
            cpath, kpath = Path(tmp) / "c.pem", Path(tmp) / "k.pem"
            cpath.write_bytes(cert)
            kpath.touch(mode=0o600)
            kpath.write_bytes(key)
            ctx.load_cert_chain(str(cpath), str(kpath))
    return ctx


def _exec_token(spec: dict[str, Any], context: str) -> str:
    """A client-go exec credential plugin (aws eks get-token, gke-gcloud-auth-plugin, …)."""
    env = {e["name"]: str(e["value"]) for e in spec.get("env") or []}
    try:
        res = proc.run([spec["command"], *(spec.get("args") or [])], error=ToolError, what="kubeconfig exec plugin",
                       env=env, timeout=60)
        status = json.loads(res.stdout).get("status") or {}
    except (ToolError, ValueError) as exc:
        raise KubeError(f"{context}: the kubeconfig exec plugin failed ({type(exc).__name__})") from None
    token = status.get("token")
    if not token:
        raise KubeError(f"{context}: the kubeconfig exec plugin gave no token")
    return str(token)


def client(context: str, config: dict[str, dict[str, Any]] | None = None, timeout: float = 10.0) -> Client:
    cfg = config if config is not None else load_kubeconfig()
    ctx = cfg["contexts"].get(context)
    if ctx is None:
        raise ConfigError(f"kubeconfig has no context {context!r}",
                          hint="set clusters.<name>.kube_context in .secretops.yaml or add the context")
    cluster = cfg["clusters"].get(str(ctx.get("cluster")))
    if cluster is None or not cluster.get("server"):
        raise ConfigError(f"kubeconfig context {context!r} names no usable cluster")
    user = cfg["users"].get(str(ctx.get("user")), {})
    headers: dict[str, str] = {}
    token = user.get("token")
    if not token and user.get("tokenFile"):
        token = Path(user["tokenFile"]).read_text().strip()
    if not token and user.get("exec"):
        token = _exec_token(user["exec"], context)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    elif user.get("username"):
        basic = base64.b64encode(f"{user['username']}:{user.get('password', '')}".encode()).decode()
        headers["Authorization"] = f"Basic {basic}"
    return Client(context, str(cluster["server"]), _ssl(cluster, user), headers, timeout)
