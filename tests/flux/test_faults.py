"""The cluster side fails cleanly on what it is handed: a kubeconfig of the wrong shape is one line
(exit 2); an API server that answers 30 MB of `[` is a cluster that is not verified, never a crash."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests import helpers


@pytest.fixture
def started(rfleet: Path) -> Path:
    assert helpers.run_cli(["rotate", "start", "--all"], rfleet).code == 0
    return rfleet


@pytest.mark.parametrize("body", ["contexts: 5\n", "- just\n- a list\n", "users:\n  - name: u\n    user: [1, 2]\n",
                                  json.dumps({"clusters": [{"name": "dev", "cluster": {"server": 5}}],
                                              "contexts": [{"name": "dev", "context": {"cluster": "dev"}}]})])
def test_kubeconfig_of_the_wrong_shape(started: Path, isolated_home: Path, body: str) -> None:
    path = helpers.write(isolated_home / ".kube" / "config", body)
    before = helpers.repo_state(started)
    res = helpers.run_cli(["rotate", "status", "--format", "json"], started, {"KUBECONFIG": str(path)})
    assert "Traceback" not in res.text and "internal error" not in res.text, res.text
    if res.code == 2:
        assert res.err.count("\n") == 1 and "kubeconfig" in res.err
    else:  # the shape is per context: each cluster says what is wrong with its own
        assert res.code == 1 and not json.loads(res.out)["verified"]
        assert all("kubeconfig" in " ".join(c["problems"]) for c in json.loads(res.out)["clusters"])
    assert helpers.repo_state(started) == before


class _Brackets(BaseHTTPRequestHandler):
    body = b"[" * 30_000_000

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def brackets() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Brackets)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_api_server_that_answers_30mb_of_brackets(started: Path, isolated_home: Path, brackets: str) -> None:
    contexts = ["dev", "staging", "prod"]
    config = {"apiVersion": "v1", "kind": "Config", "users": [{"name": "u", "user": {"token": "t"}}],
              "clusters": [{"name": c, "cluster": {"server": brackets}} for c in contexts],
              "contexts": [{"name": c, "context": {"cluster": c, "user": "u"}} for c in contexts]}
    path = helpers.write(isolated_home / ".kube" / "config", json.dumps(config))
    os.environ["KUBECONFIG"] = str(path)
    res = helpers.run_cli(["rotate", "status", "--format", "json", "--timeout", "30"], started)
    assert res.code == 1 and "Traceback" not in res.text, res.text[-800:]
    clusters = json.loads(res.out)["clusters"]
    assert not any(c["verified"] for c in clusters)
    assert all("no valid JSON" in " ".join(c["problems"]) for c in clusters), clusters
