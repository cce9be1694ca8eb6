"""Kubeconfig, read the way kubectl reads it: files merged first-wins, contexts, CA and client
certificates (inline or paths relative to the kubeconfig), bearer tokens and `tokenFile`, exec
credential plugins (credentials reused until their `expirationTimestamp`), `proxy-url`,
`tls-server-name` and `insecure-skip-tls-verify` (allowed, and warned about)."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import os
import ssl
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secretops.errors import ConfigError, InputError, KubeError, ToolError
from secretops.flux.kube import Client
from secretops.util import proc, yamlio


def paths() -> list[Path]:
    env = os.environ.get("KUBECONFIG")
    if env:
        return [Path(p) for p in env.split(os.pathsep) if p]
    return [Path.home() / ".kube" / "config"]


@dataclass
class Kubeconfig:
    """The merged kubeconfig and the exec credentials obtained so far (one command's lifetime)."""

    entries: dict[str, dict[str, dict[str, Any]]] = field(repr=False)  # tokens, keys, passwords
    _tokens: dict[str, tuple[str, dt.datetime | None]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def client(self, context: str, timeout: float = 10.0) -> Client:
        try:
            return self._client(context, timeout)
        except (TypeError, AttributeError, ValueError, KeyError):  # a field of the wrong type
            raise ConfigError(f"kubeconfig context {context!r}: a field has the wrong type",
                              hint="check its cluster and user entries") from None

    def _client(self, context: str, timeout: float) -> Client:
        ctx = self.entries["contexts"].get(context)
        if ctx is None:
            raise ConfigError(f"kubeconfig has no context {context!r}",
                              hint="set clusters.<name>.kube_context in .secretops.yaml or add the context")
        cluster = self.entries["clusters"].get(str(ctx.get("cluster")))
        if cluster is None or not cluster.get("server"):
            raise ConfigError(f"kubeconfig context {context!r} names no usable cluster")
        if not isinstance(cluster["server"], str) or not cluster["server"].startswith(("https://", "http://")):
            raise ConfigError(f"kubeconfig context {context!r}: its cluster's server is not an http(s) URL")
        user = self.entries["users"].get(str(ctx.get("user")), {})
        headers: dict[str, str] = {}
        token = user.get("token")
        if not token and user.get("tokenFile"):
            token = _read(user, "tokenFile").decode().strip()
        if not token and user.get("exec"):
            token = self._exec_token(user["exec"], context)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        elif user.get("username"):
            basic = base64.b64encode(f"{user['username']}:{user.get('password', '')}".encode()).decode()
            headers["Authorization"] = f"Basic {basic}"
        insecure = bool(cluster.get("insecure-skip-tls-verify"))
        warnings = (f"{context}: insecure-skip-tls-verify is set, so the API server's certificate is not checked",) \
            if insecure else ()
        return Client(context, str(cluster["server"]), _ssl(cluster, user), headers, timeout,
                      cluster.get("proxy-url"), cluster.get("tls-server-name"), warnings)

    def _exec_token(self, spec: dict[str, Any], context: str) -> str:
        """A client-go exec credential plugin (aws eks get-token, gke-gcloud-auth-plugin, kubelogin…),
        run without a terminal; its credential is reused until its expirationTimestamp."""
        if spec.get("interactiveMode") == "Always":
            raise KubeError(f"{context}: the kubeconfig exec plugin needs a terminal (interactiveMode: Always); "
                            "log in first, or use a non-interactive credential")
        key = json.dumps(spec, sort_keys=True, default=str)
        now = dt.datetime.now(dt.UTC)
        with self._lock:
            cached = self._tokens.get(key)
            if cached and (cached[1] is None or cached[1] > now + dt.timedelta(seconds=10)):
                return cached[0]
            info = {"apiVersion": spec.get("apiVersion", "client.authentication.k8s.io/v1"),
                    "kind": "ExecCredential", "spec": {"interactive": False}}
            env = {e["name"]: str(e["value"]) for e in spec.get("env") or []}
            env["KUBERNETES_EXEC_INFO"] = json.dumps(info)
            try:
                res = proc.run([spec["command"], *(spec.get("args") or [])], error=ToolError,
                               what="kubeconfig exec plugin", env=env, timeout=60)
                status = json.loads(res.stdout).get("status") or {}
            except (ToolError, ValueError, KeyError) as exc:
                raise KubeError(f"{context}: the kubeconfig exec plugin failed ({type(exc).__name__})") from None
            token = status.get("token")
            if not token:
                raise KubeError(f"{context}: the kubeconfig exec plugin gave no token")
            expiry = status.get("expirationTimestamp")
            try:
                until = dt.datetime.fromisoformat(str(expiry).replace("Z", "+00:00")) if expiry else None
            except ValueError:
                until = now  # unreadable: use it once
            self._tokens[key] = (str(token), until)
            return str(token)


def load(files: list[Path] | None = None) -> Kubeconfig:
    """Merged like kubectl: the first file that names an entry wins."""
    merged: dict[str, dict[str, dict[str, Any]]] = {"clusters": {}, "users": {}, "contexts": {}}
    for path in files or paths():
        if not path.is_file():
            continue
        try:
            data = yamlio.load_one(path.read_text(encoding="utf-8"), str(path)) or {}
        except (UnicodeDecodeError, InputError):
            raise ConfigError(f"the kubeconfig {path} is not valid YAML text",
                              hint="fix it, or set KUBECONFIG") from None
        if not isinstance(data, dict):
            raise ConfigError(f"the kubeconfig {path} is not a mapping", hint="fix it, or set KUBECONFIG")
        for kind, inner in (("clusters", "cluster"), ("users", "user"), ("contexts", "context")):
            items = data.get(kind) or []
            if not isinstance(items, list) or not all(isinstance(i, dict) and isinstance(i.get(inner) or {}, dict)
                                                      for i in items):
                raise ConfigError(f"the kubeconfig {path}: `{kind}` has the wrong shape (a list of "
                                  f"{{name, {inner}}} mappings)", hint="fix it, or set KUBECONFIG")
            for item in items:
                if item.get("name") is not None:
                    entry = dict(item.get(inner) or {})
                    entry["_dir"] = str(path.parent)
                    merged[kind].setdefault(str(item["name"]), entry)
    return Kubeconfig(merged)


def _read(entry: dict[str, Any], key: str) -> bytes:
    """A file named in the kubeconfig: absolute, or relative to that kubeconfig's folder."""
    path = Path(entry[key])
    try:
        return (path if path.is_absolute() else Path(entry["_dir"]) / path).read_bytes()
    except OSError:
        raise ConfigError(f"kubeconfig: {key} {path} cannot be read", hint="fix the path in your kubeconfig") from None


def _file_or_data(entry: dict[str, Any], key: str) -> bytes | None:
    if entry.get(f"{key}-data"):
        return base64.b64decode(entry[f"{key}-data"])
    return _read(entry, key) if entry.get(key) else None


def _ssl(cluster: dict[str, Any], user: dict[str, Any]) -> ssl.SSLContext | None:
    if not str(cluster.get("server", "")).startswith("https"):
        return None
    ca = _file_or_data(cluster, "certificate-authority")
    insecure = bool(cluster.get("insecure-skip-tls-verify"))
    cert, key = _file_or_data(user, "client-certificate"), _file_or_data(user, "client-key")
    if cert and key:
        return _client_cert_context(ca, insecure, cert, key)
    return _shared_context(ca, insecure)


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
    with tempfile.TemporaryDirectory() as tmp:  # ssl wants files: a private 0700 folder, removed at once
        os.chmod(tmp, 0o700)
        cpath, kpath = Path(tmp) / "c.pem", Path(tmp) / "k.pem"
        cpath.write_bytes(cert)
        kpath.touch(mode=0o600)
        kpath.write_bytes(key)
        ctx.load_cert_chain(str(cpath), str(kpath))
    return ctx
