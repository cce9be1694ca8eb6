"""rotate status against the fake API server: every state Flux can be in."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests import fakeflux, helpers
from tests.rotation.conftest import head, play_flux

SCENARIOS = ("applied", "pending", "descendant", "decrypt-failed", "stale", "suspended", "unreachable", "old-secret")


@pytest.fixture
def scenario_fleet(tmp_path: Path, isolated_home: Path) -> tuple[Path, fakeflux.FakeKube]:
    from tests.conftest import make_fleet
    from tests.rotation.conftest import with_remote

    root = with_remote(make_fleet(tmp_path / "s", clusters=SCENARIOS))
    kube = fakeflux.FakeKube().__enter__()
    for name in SCENARIOS:
        kube.add(name).put("kustomizations", fakeflux.kustomization("flux-system"))
    os.environ["KUBECONFIG"] = str(kube.kubeconfig(isolated_home / ".kube/config", list(SCENARIOS),
                                                   unreachable=("unreachable",)))
    base = head(root)
    play_flux(kube, root, base, tuple(n for n in SCENARIOS if n != "unreachable"))
    assert helpers.run_cli(["rotate", "start", "--all"], root).code == 0
    c1 = head(root)
    helpers.write(root / "README.md", "# later work\n")
    helpers.git(root, "commit", "-qam", "later")
    later = head(root)
    play_flux(kube, root, c1, ("applied", "stale", "suspended"))
    play_flux(kube, root, later, ("descendant",))
    play_flux(kube, root, c1, ("stale",), stale=True)
    play_flux(kube, root, c1, ("suspended",), suspended=True)
    play_flux(kube, root, base, ("decrypt-failed",), ready=False, attempted=c1,
              message="decryption failed for 'apps': failed to get the data key required to decrypt the SOPS file")
    # old-secret: the Kustomization claims commit 1, but the in-cluster Secret still has only the old key
    fakeflux.set_applied(kube.clusters["old-secret"].get("kustomizations", "flux-system", "flux-system"), c1)  # type: ignore[arg-type]
    return root, kube


def test_every_state(scenario_fleet: tuple[Path, fakeflux.FakeKube]) -> None:
    root, kube = scenario_fleet
    res = helpers.run_cli(["rotate", "status", "--format", "json", "--timeout", "3"], root)
    assert res.code == 1
    data = {c["name"]: c for c in json.loads(res.out)["clusters"]}
    assert data["applied"]["verified"] and data["descendant"]["verified"]
    assert data["applied"]["key_secret"] == "has-new-key"
    assert "has not applied commit 1 yet" in data["pending"]["problems"][0]
    assert "failed to apply" in data["decrypt-failed"]["problems"][0]
    assert "failed to get the data key" in data["decrypt-failed"]["problems"][0]
    assert "latest generation" in data["stale"]["problems"][0]
    assert "suspended" in data["suspended"]["problems"][0]
    assert not data["unreachable"]["reachable"] and "unreachable" in data["unreachable"]["problems"][0]
    assert data["old-secret"]["key_secret"] == "old-key-only"
    assert any("does not hold the new key" in p for p in data["old-secret"]["problems"])
    assert not any(c["verified"] for n, c in data.items() if n not in ("applied", "descendant"))
    assert "AGE-SECRET-KEY" not in res.out
    text = helpers.run_cli(["rotate", "status"], root).out
    assert "applied          verified" in text and "2/8 cluster(s) verified" in text
    kube.__exit__(None, None, None)


def test_reconcile_and_wait(rfleet: Path, flux: fakeflux.FakeKube) -> None:
    assert helpers.run_cli(["rotate", "start", "--all"], rfleet).code == 0
    c1 = head(rfleet)

    def later() -> None:
        time.sleep(1.0)
        play_flux(flux, rfleet, c1)

    thread = threading.Thread(target=later)
    thread.start()
    res = helpers.run_cli(["rotate", "status", "--wait", "20", "--reconcile", "--format", "json"], rfleet)
    thread.join()
    assert res.code == 0, res.text
    body = json.loads(res.out)
    assert body["verified"] and [c["verified"] for c in body["clusters"]] == [True, True, True]
    patched = [p for c in flux.clusters.values() for p in c.patches]
    assert any("kustomizations/flux-system" in path for path, _ in patched)
    assert any("gitrepositories/flux-system" in path for path, _ in patched)
    assert all("reconcile.fluxcd.io/requestedAt" in body["metadata"]["annotations"] for _, body in patched)
    assert not any("other-apps" in path for path, _ in patched)  # another repository's Kustomization
    assert helpers.run_cli(["rotate", "finish"], rfleet).code == 0


def test_wait_times_out(rfleet: Path, flux: fakeflux.FakeKube) -> None:
    assert helpers.run_cli(["rotate", "start", "--all"], rfleet).code == 0
    start = time.monotonic()
    res = helpers.run_cli(["rotate", "status", "--wait", "2"], rfleet)
    assert res.code == 1 and time.monotonic() - start < 15


def test_status_without_rotation(rfleet: Path) -> None:
    res = helpers.run_cli(["rotate", "status"], rfleet)
    assert res.code == 2 and "no rotation is in progress" in res.err


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not on PATH")
def test_kubectl_speaks_the_protocol(rfleet: Path, flux: fakeflux.FakeKube, isolated_home: Path) -> None:
    env = dict(os.environ, HOME=str(isolated_home))
    out = subprocess.run(["kubectl", "--context", "dev", "get", "kustomizations", "-A", "-o", "json"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    names = sorted(i["metadata"]["name"] for i in json.loads(out.stdout)["items"])
    assert names == ["flux-system", "infra", "other-apps"]
    table = subprocess.run(["kubectl", "--context", "dev", "get", "kustomizations", "-A"],
                           capture_output=True, text=True, env=env, timeout=60)
    assert table.returncode == 0 and "flux-system" in table.stdout


def test_wait_keeps_asking_until_its_time_is_up(rfleet: Path, flux: fakeflux.FakeKube) -> None:
    """--wait polls for as long as it is told when a cluster lags, then exits 1; never earlier."""
    import time

    assert helpers.run_cli(["rotate", "start", "--all"], rfleet).code == 0
    before = flux.requests
    start = time.monotonic()
    res = helpers.run_cli(["rotate", "status", "--wait", "4", "--format", "json"], rfleet)
    elapsed = time.monotonic() - start
    assert res.code == 1 and not json.loads(res.out)["verified"]
    assert elapsed >= 4.0, elapsed
    assert flux.requests - before > 2 * len(flux.clusters), "it asked more than once"


def _status_proc(root: Path, *args: str, stderr: int | None = None,
                 kubeconfig: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    """The CLI as a real process; the bound only keeps a broken --wait from hanging the suite."""
    import sys

    env = dict(os.environ, **({"KUBECONFIG": str(kubeconfig)} if kubeconfig else {}))
    res = subprocess.run([sys.executable, "-m", "secretops", "rotate", "status", *args], cwd=root, env=env,
                         stdout=subprocess.PIPE, stderr=stderr if stderr is not None else subprocess.PIPE,
                         timeout=120)
    helpers.OUTPUTS.append(res.stdout.decode() + (res.stderr or b"").decode())
    return res


def test_wait_ends_at_once_on_what_waiting_cannot_fix(rfleet: Path, flux: fakeflux.FakeKube,
                                                     isolated_home: Path) -> None:
    """No kubeconfig, a context that is not there, refused credentials: --wait 600 answers after one
    round (exit 1, the cause named), where it used to wait out the whole time."""
    assert helpers.run_cli(["rotate", "start", "--all"], rfleet).code == 0
    config = Path(os.environ["KUBECONFIG"])
    text = config.read_text()
    cases = {"no kubeconfig": (isolated_home / "nowhere", "has no context"),
             "refused": (helpers.write(isolated_home / "refused", text.replace(fakeflux.TOKEN, "wrong-token")),
                         "401")}
    for _name, (path, words) in cases.items():
        before = flux.requests
        res = _status_proc(rfleet, "--wait", "600", "--format", "json", kubeconfig=path)
        assert res.returncode == 1, res.stderr
        problems = [p for c in json.loads(res.stdout)["clusters"] for p in c["problems"]]
        assert problems and all(words in p for p in problems), problems
        assert flux.requests - before <= 4 * len(flux.clusters)  # one round, not a poll


def test_wait_shows_progress_on_a_terminal_only(rfleet: Path, flux: fakeflux.FakeKube) -> None:
    import pty

    assert helpers.run_cli(["rotate", "start", "--all"], rfleet).code == 0
    piped = _status_proc(rfleet, "--wait", "1")
    assert piped.returncode == 1 and b"waiting for Flux" not in piped.stderr
    main, child = pty.openpty()
    try:
        res = _status_proc(rfleet, "--wait", "1", stderr=child)
        os.close(child)
        seen = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(main)
    assert res.returncode == 1 and b"waiting for Flux" in seen and b"clusters verified" in seen
