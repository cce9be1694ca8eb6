"""A small Kubernetes REST client: one keep-alive connection per API server (one TLS handshake),
through an HTTP CONNECT proxy when the kubeconfig names one, with a TLS server name override."""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from secretops.errors import KubeError

MAX_BODY = 64 << 20  # a Kustomization list of a large fleet is a few MiB; more is not an API server


class _NamedTLS(http.client.HTTPSConnection):
    """HTTPS whose certificate is checked against ``tls_server_name`` (kubeconfig `tls-server-name`)."""

    tls_server_name: str | None = None

    def connect(self) -> None:
        if not self.tls_server_name:
            super().connect()
            return
        http.client.HTTPConnection.connect(self)
        if self._tunnel_host:  # type: ignore[attr-defined]
            self.sock.settimeout(self.timeout)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.tls_server_name)  # type: ignore[attr-defined]


@dataclass
class Client:
    """One cluster's API server."""

    context: str
    server: str
    ssl_context: ssl.SSLContext | None
    headers: dict[str, str] = field(repr=False, default_factory=dict)
    timeout: float = 10.0
    proxy: str | None = None  # http(s)://host:port, tunnelled with CONNECT
    tls_server_name: str | None = None
    warnings: tuple[str, ...] = ()
    _conn: http.client.HTTPConnection | None = field(default=None, repr=False)

    def _connection(self) -> tuple[http.client.HTTPConnection, str]:
        url = urllib.parse.urlsplit(self.server)
        if url.scheme not in ("https", "http") or not url.hostname:
            raise KubeError(f"{self.context}: the server must be an http(s) URL")
        if self._conn is None:
            host, port = url.hostname, url.port or (443 if url.scheme == "https" else 80)
            where = (host, port)
            if self.proxy:
                proxy = urllib.parse.urlsplit(self.proxy)
                if proxy.scheme not in ("http", "https") or not proxy.hostname:
                    raise KubeError(f"{self.context}: proxy-url {proxy.scheme}:// is not supported (http only)")
                where = (proxy.hostname, proxy.port or 3128)
            if url.scheme == "https":
                conn: http.client.HTTPConnection = _NamedTLS(
                    where[0], where[1], timeout=self.timeout, context=self.ssl_context or ssl.create_default_context())
                conn.tls_server_name = self.tls_server_name or (host if self.proxy else None)  # type: ignore[attr-defined]
            else:
                conn = http.client.HTTPConnection(where[0], where[1], timeout=self.timeout)
            if self.proxy:
                conn.set_tunnel(host, port)
            self._conn = conn
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
                payload = resp.read(MAX_BODY + 1)
            except (http.client.HTTPException, OSError, TimeoutError, socket.gaierror) as exc:
                self.close()
                if attempt == 2 or isinstance(exc, (TimeoutError, ConnectionRefusedError, ssl.SSLError)):
                    reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or type(exc).__name__
                    raise KubeError(f"{self.context}: unreachable ({reason})") from None
                continue
            if resp.status >= 400:
                raise KubeError(f"{self.context}: {method} {path} returned HTTP {resp.status}", status=resp.status)
            if len(payload) > MAX_BODY:
                self.close()
                raise KubeError(f"{self.context}: {method} {path} returned more than {MAX_BODY >> 20} MiB")
            try:
                return json.loads(payload or b"null")
            except (ValueError, RecursionError):  # not JSON, or nested deeper than any Kubernetes object
                raise KubeError(f"{self.context}: {method} {path} returned no valid JSON") from None
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
            if exc.status == 404:
                return None
            raise

    def merge_patch(self, path: str, body: Any) -> Any:
        return self.request("PATCH", path, body, "application/merge-patch+json")
